"""Detectors over mail: `email.no_reply`, our message the last word in a thread for too long."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agents.follow_up_due import wait_days
from connectors.base import AUTO_REPLY
from daemon.domain import knobs
from daemon.domain.detectors.signals import signal_row
from daemon.domain.facts import snippet
from daemon.store.models import Contact, Message, Signal, Thread
from daemon.timeparse import add_business_days

NO_REPLY_WINDOW = timedelta(days=30)
# A business day is at least a calendar day; DST can move a local clock time by an hour.
DST_SLACK = timedelta(hours=2)


async def no_reply(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Our message is the last word in an external thread and N business days went by.

    An automatic answer (out of office) is no word: the clock runs on through it. N is
    follow_up_due's wait for the contact's lifecycle stage; nothing while it is disabled."""
    tuned = await knobs.agent_values(session, "follow_up_due")
    if tuned is None:
        return []
    shortest = min(
        [wait_days(tuned, None), *(int(d) for d in tuned["business_days_by_stage"].values())]
    )
    last = aliased(Message)
    latest = (
        select(last.id)
        .where(
            last.thread_id == Thread.id,
            last.is_draft.is_(False),
            ~cast(last.labels, String).contains(f'"{AUTO_REPLY}"'),
        )
        .order_by(last.sent_at.desc(), last.id.desc())
        .limit(1)
        .correlate(Thread)
        .scalar_subquery()
    )
    key = literal("email.no_reply:") + Message.message_id
    rows = await session.execute(
        select(
            Thread.id,
            Message.message_id,
            Message.subject,
            Message.sent_at,
            Message.to_addrs,
            Message.body,
            Message.labels,
            Message.contact_id,
            Contact.lifecycle_stage,
        )
        .select_from(Thread)
        .join(Message, Message.id == latest)
        .outerjoin(Contact, Contact.id == Message.contact_id)
        .where(
            Thread.is_internal.is_(False),
            Thread.last_message_at >= now - NO_REPLY_WINDOW,
            Message.direction == "outbound",
            # Only a bound here; the exact due time is worked out below in the local zone.
            Message.sent_at <= now - timedelta(days=shortest) + DST_SLACK,
            ~exists().where(Signal.dedup_key == key),
            # Never chase an address that bounced since (the bounce often threads apart).
            ~exists().where(
                Signal.contact_id == Message.contact_id,
                Signal.kind == "email.bounced",
                Signal.occurred_at >= Message.sent_at,
                ~func.coalesce(Signal.payload["status"].as_string(), "").like("4.%"),
            ),
        )
        .order_by(Thread.id)
    )
    found = []
    for thread_id, message_id, subject, sent_at, to_addrs, body, labels, contact_id, stage in rows:
        if "automated" in (labels or []):
            continue
        days = wait_days(tuned, stage)
        due = add_business_days(sent_at, days, tz)
        if due > now:
            continue
        found.append(
            signal_row(
                now,
                "email.no_reply",
                f"email.no_reply:{message_id}",
                due,
                {
                    "message_id": message_id,
                    "subject": subject,
                    "sent_at": sent_at.isoformat(),
                    "to": to_addrs,
                    "snippet": snippet(body),
                    "business_days": days,
                },
                contact_id=contact_id,
                thread_id=thread_id,
            )
        )
    return found
