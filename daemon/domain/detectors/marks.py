"""The marks of the periodic checks, those that run at most once per local day or ISO week.

Such a check leaves a mark among its candidates, not a signal: `add` keeps the period each
check last ran in the workspace setting DONE (a dict, check -> period), so a check reads its
tables only while its mark for now is missing, and finding that out costs no query (a pass
preloads the settings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import settings

DONE = "detectors.done"
MARK = "detectors.mark"


def mark(check: str, period: str) -> dict[str, Any]:
    """The candidate that records `check` ran for `period` (a local day or an ISO week)."""
    return {"kind": MARK, "check": check, "period": period}


def local_day(now: datetime, tz: ZoneInfo) -> str:
    """The period of a daily check: the local date, ISO-formatted."""
    return now.astimezone(tz).date().isoformat()


async def already_ran(session: AsyncSession, candidate: dict[str, Any]) -> bool:
    """Whether the check of the mark `candidate` already ran in its period."""
    done = await settings.get(session, DONE) or {}
    return bool(done.get(candidate["check"]) == candidate["period"])
