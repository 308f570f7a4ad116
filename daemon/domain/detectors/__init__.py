"""Signals that come from the passing of time rather than from a connector.

Run on every pipeline pass; each signal's dedup key makes repeated runs idempotent. Every
detector finds its candidates with one or two set queries and checks them against existing
signals with one more (or, where the key can be spelled in SQL, inside the same one), so a
pass costs the same few queries however many candidates there are.

The detectors live by what they watch: `mail` (no reply), `calendar` (meetings), `crm`
(deals, proposal stage, renewals, tasks), `relationships` (customers and warm contacts gone
quiet), `data_quality` (the daily checks of the records) and `pipeline_review` (the weekly
report). `signals` builds and writes the signal rows; `marks` keeps the periodic checks to
once a day or week. Here: `find` runs them all, `add` writes what they found, `detect` does
both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import settings
from daemon.domain.detectors.calendar import ENDED_WINDOW, meetings
from daemon.domain.detectors.crm import deals, proposal_stage, renewals, tasks
from daemon.domain.detectors.data_quality import (
    ACTIVE_WINDOW,
    DATA_AGENTS,
    IDLE_STAGES,
    contact_checks,
    data_checks,
    decay,
    duplicates,
    valid_email,
)
from daemon.domain.detectors.mail import DST_SLACK, NO_REPLY_WINDOW, no_reply
from daemon.domain.detectors.marks import DONE, MARK
from daemon.domain.detectors.pipeline_review import REVIEW_HOUR, weekly_report
from daemon.domain.detectors.relationships import customer_health, warm_untouched
from daemon.domain.detectors.signals import add_new, unseen

__all__ = [
    "ACTIVE_WINDOW",
    "DATA_AGENTS",
    "DONE",
    "DST_SLACK",
    "ENDED_WINDOW",
    "IDLE_STAGES",
    "MARK",
    "NO_REPLY_WINDOW",
    "REVIEW_HOUR",
    "add",
    "contact_checks",
    "customer_health",
    "data_checks",
    "deals",
    "decay",
    "detect",
    "duplicates",
    "find",
    "meetings",
    "no_reply",
    "proposal_stage",
    "renewals",
    "tasks",
    "unseen",
    "valid_email",
    "warm_untouched",
    "weekly_report",
]


async def find(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Every signal the clock calls for now that no signal stands for yet. Reads only, so a
    pass runs it outside the write transaction; `add` checks again as it writes."""
    found = await no_reply(session, now, tz)
    found += await tasks(session, now, tz)
    found += await meetings(session, now, tz)
    found += await deals(session, now, tz)
    found += await data_checks(session, now, tz)
    found += await weekly_report(session, now, tz)
    found += await proposal_stage(session, now, tz)
    found += await renewals(session, now, tz)
    found += await customer_health(session, now, tz)
    found += await warm_untouched(session, now, tz)
    return found


async def add(session: AsyncSession, candidates: list[dict[str, Any]]) -> int:
    """Write the candidates no signal stands for yet (another writer may have added some
    since `find`); returns how many were new."""
    periods = {c["check"]: c["period"] for c in candidates if c["kind"] == MARK}
    total = await add_new(session, (c for c in candidates if c["kind"] != MARK))
    if periods:
        done = dict(await settings.get(session, DONE) or {})
        await settings.put(session, DONE, {**done, **periods})
    await session.flush()
    return total


async def detect(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """`find` and `add` in one session."""
    return await add(session, await find(session, now, tz))
