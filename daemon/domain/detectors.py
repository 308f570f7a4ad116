"""Signals that come from the passing of time rather than from a connector.

Run on every pipeline pass; each signal's dedup key makes repeated runs idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import settings
from daemon.domain.facts import CLOSED_STAGES, snippet
from daemon.domain.ingest import TASK_CLOSED
from daemon.store.models import (
    CrmTask,
    Deal,
    Meeting,
    MeetingAttendee,
    Message,
    Signal,
    Thread,
)
from daemon.timeparse import add_business_days, end_of_day, end_of_next_working_day

NO_REPLY_WINDOW = timedelta(days=30)
ENDED_WINDOW = timedelta(days=3)


async def _add(
    session: AsyncSession,
    now: datetime,
    kind: str,
    key: str,
    at: datetime,
    payload: dict[str, object],
    **refs: int | None,
) -> bool:
    if await session.scalar(select(Signal.id).where(Signal.dedup_key == key)) is not None:
        return False
    session.add(
        Signal(
            kind=kind,
            source="clock",
            occurred_at=at,
            dedup_key=key,
            payload=payload,
            created_at=now,
            **refs,
        )
    )
    return True


async def no_reply(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    days = int(await settings.get(session, "no_reply_business_days"))
    threads = (
        await session.scalars(
            select(Thread).where(
                Thread.is_internal.is_(False), Thread.last_message_at >= now - NO_REPLY_WINDOW
            )
        )
    ).all()
    added = 0
    for thread in threads:
        last = await session.scalar(
            select(Message)
            .where(Message.thread_id == thread.id, Message.is_draft.is_(False))
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        )
        if last is None or last.direction != "outbound" or "automated" in (last.labels or []):
            continue
        due = add_business_days(last.sent_at, days, tz)
        if due > now:
            continue
        added += await _add(
            session,
            now,
            "email.no_reply",
            f"email.no_reply:{last.message_id}",
            due,
            {
                "message_id": last.message_id,
                "subject": last.subject,
                "sent_at": last.sent_at.isoformat(),
                "to": last.to_addrs,
                "snippet": snippet(last.body),
                "business_days": days,
            },
            contact_id=last.contact_id,
            thread_id=thread.id,
        )
    return added


async def _external_meetings(
    session: AsyncSession, start: datetime, end: datetime, column: str
) -> list[tuple[Meeting, int | None]]:
    col = getattr(Meeting, column)
    meetings = (
        await session.scalars(
            select(Meeting).where(Meeting.status == "confirmed", col >= start, col <= end)
        )
    ).all()
    found: list[tuple[Meeting, int | None]] = []
    for m in meetings:
        contact_id = await session.scalar(
            select(MeetingAttendee.contact_id)
            .where(MeetingAttendee.meeting_id == m.id, MeetingAttendee.contact_id.is_not(None))
            .order_by(MeetingAttendee.id)
            .limit(1)
        )
        if contact_id is not None:
            found.append((m, contact_id))
    return found


async def meetings(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    added = 0
    horizon = end_of_next_working_day(now, tz)
    for m, contact_id in await _external_meetings(session, now, horizon, "start_at"):
        added += await _add(
            session,
            now,
            "meeting.upcoming",
            f"meeting.upcoming:{m.uid}",
            now,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
    for m, contact_id in await _external_meetings(session, now - ENDED_WINDOW, now, "end_at"):
        added += await _add(
            session,
            now,
            "meeting.ended",
            f"meeting.ended:{m.uid}",
            m.end_at,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
    return added


async def deals(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    stalled_days = int(await settings.get(session, "stalled_days"))
    added = 0
    for deal in (await session.scalars(select(Deal))).all():
        if deal.stage.lower() in CLOSED_STAGES:
            continue
        # Stalled = no stage change for N days. Emails alone do not move a deal forward, so
        # activity does not reset the clock; the move's why-now shows the last activity.
        entered = deal.stage_entered_at or deal.created_at
        if now - entered >= timedelta(days=stalled_days):
            added += await _add(
                session,
                now,
                "deal.stalled",
                f"deal.stalled:{deal.id}:{deal.stage}",
                entered + timedelta(days=stalled_days),
                {
                    "deal": deal.name,
                    "stage": deal.stage,
                    "amount": deal.amount,
                    "stage_entered_at": entered.isoformat(),
                    "stalled_days": stalled_days,
                },
                deal_id=deal.id,
                company_id=deal.company_id,
            )
        today = now.astimezone(tz).date()
        if deal.close_date and deal.close_date < today:
            added += await _add(
                session,
                now,
                "deal.close_date_passed",
                f"deal.close_date_passed:{deal.id}:{deal.close_date.isoformat()}",
                now,
                {"deal": deal.name, "close_date": deal.close_date.isoformat()},
                deal_id=deal.id,
                company_id=deal.company_id,
            )
    return added


async def tasks(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """Open CRM tasks due later today (`task.due`) or already past due (`task.overdue`)."""
    horizon = end_of_day(now, tz)
    rows = (
        await session.scalars(
            select(CrmTask).where(
                CrmTask.status.not_in(TASK_CLOSED),
                CrmTask.due_at.is_not(None),
                CrmTask.due_at < horizon,
            )
        )
    ).all()
    added = 0
    for task in rows:
        assert task.due_at is not None
        kind = "task.overdue" if task.due_at <= now else "task.due"
        added += await _add(
            session,
            now,
            kind,
            f"{kind}:{task.id}:{task.due_at.isoformat()}",
            min(now, task.due_at) if kind == "task.due" else task.due_at,
            {
                "task_id": task.id,
                "title": task.title,
                "due_at": task.due_at.isoformat(),
                "priority": task.priority,
            },
            contact_id=task.contact_id,
            company_id=task.company_id,
            deal_id=task.deal_id,
        )
    return added


async def detect(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    total = await no_reply(session, now, tz)
    total += await tasks(session, now, tz)
    total += await meetings(session, now, tz)
    total += await deals(session, now, tz)
    await session.flush()
    return total
