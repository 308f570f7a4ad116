"""Detectors of people going quiet, once a day: customers who stopped writing or wait for
an answer (`customer.quiet`, `customer.unanswered`) and warm contacts nobody touched
(`contact.untouched`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import knobs
from daemon.domain.detectors.marks import already_ran, local_day, mark
from daemon.domain.detectors.signals import signal_row
from daemon.store.models import Contact


async def customer_health(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Customers (lifecycle stage customer) who went quiet (no inbound mail for the
    `client_health` agent's `quiet_days`) or whose last mail waits for an answer longer than
    its `unanswered_days`: `customer.quiet` / `customer.unanswered`, one per customer and
    last inbound mail. Once a day: its thresholds are in days, so a day's delay is within
    them."""
    marker = mark("customer_health", local_day(now, tz))
    tuned = await knobs.agent_values(session, "client_health")
    if tuned is None or await already_ran(session, marker):
        return []
    quiet = timedelta(days=int(tuned["quiet_days"]))
    unanswered = timedelta(days=int(tuned["unanswered_days"]))
    rows = await session.execute(
        select(Contact.id, Contact.company_id, Contact.last_inbound_at, Contact.last_outbound_at)
        .where(
            func.lower(Contact.lifecycle_stage) == "customer",
            Contact.last_inbound_at <= now - min(quiet, unanswered),
        )
        .order_by(Contact.id)
    )
    found = [marker]
    for cid, company_id, inbound, outbound in rows:
        if inbound is None:
            continue
        waiting = outbound is None or outbound < inbound
        if waiting and now - inbound >= unanswered:
            kind, at = "customer.unanswered", inbound + unanswered
        elif now - inbound >= quiet:
            kind, at = "customer.quiet", inbound + quiet
        else:
            continue
        found.append(
            signal_row(
                now,
                kind,
                f"{kind}:{cid}:{inbound.isoformat()}",
                at,
                {"last_inbound_at": inbound.isoformat()},
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found


async def warm_untouched(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Warm contacts (they wrote to us or met us) that nobody touched (no mail either way,
    no meeting) for the `nurture` agent's `untouched_days`, and not so long that they went
    cold (`max_days`); customers are `customer_health`'s. One `contact.untouched` per contact
    and last touch. Once a day."""
    marker = mark("warm_untouched", local_day(now, tz))
    tuned = await knobs.agent_values(session, "nurture")
    if tuned is None or await already_ran(session, marker):
        return []
    cutoff = now - timedelta(days=int(tuned["untouched_days"]))
    oldest = now - timedelta(days=int(tuned["max_days"]))
    touches = (Contact.last_inbound_at, Contact.last_outbound_at, Contact.last_meeting_at)
    rows = await session.execute(
        select(Contact.id, Contact.company_id, *touches)
        .where(
            func.coalesce(func.lower(Contact.lifecycle_stage), "") != "customer",
            or_(Contact.last_inbound_at.is_not(None), Contact.last_meeting_at.is_not(None)),
            *(or_(col.is_(None), col <= cutoff) for col in touches),
        )
        .order_by(Contact.id)
    )
    found = [marker]
    for cid, company_id, *seen in rows:
        last = max(t for t in seen if t is not None)
        if last < oldest:
            continue
        found.append(
            signal_row(
                now,
                "contact.untouched",
                f"contact.untouched:{cid}:{last.isoformat()}",
                last + (now - cutoff),
                {"last_touch_at": last.isoformat()},
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found
