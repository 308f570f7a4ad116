"""Detectors over the calendar: `meeting.upcoming` and `meeting.ended` for external meetings."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import knobs
from daemon.domain.detectors.signals import signal_row
from daemon.store.models import Meeting, MeetingAttendee
from daemon.timeparse import end_of_day, end_of_next_working_day

ENDED_WINDOW = timedelta(days=3)


async def _external_meetings(
    session: AsyncSession, start: datetime, end: datetime, column: str
) -> list[tuple[Any, int]]:
    """Confirmed meetings with `column` in [start, end] and the first attendee we know."""
    col = getattr(Meeting, column)
    first_contact = (
        select(MeetingAttendee.contact_id)
        .where(MeetingAttendee.meeting_id == Meeting.id, MeetingAttendee.contact_id.is_not(None))
        .order_by(MeetingAttendee.id)
        .limit(1)
        .correlate(Meeting)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Meeting.id, Meeting.uid, Meeting.title, Meeting.start_at, Meeting.end_at)
        .add_columns(first_contact.label("contact_id"))
        .where(Meeting.status == "confirmed", col >= start, col <= end)
        .order_by(Meeting.id)
    )
    return [(row, row.contact_id) for row in rows if row.contact_id is not None]


async def meetings(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    # meeting_prep's horizon: the end of today, then of each working day after it.
    horizon = end_of_day(now, tz)
    for _ in range(int(await knobs.agent_value(session, "meeting_prep", "horizon_working_days"))):
        horizon = end_of_next_working_day(horizon - timedelta(seconds=1), tz)
    found = [
        signal_row(
            now,
            "meeting.upcoming",
            f"meeting.upcoming:{m.uid}",
            now,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
        for m, contact_id in await _external_meetings(session, now, horizon, "start_at")
    ]
    found += [
        signal_row(
            now,
            "meeting.ended",
            f"meeting.ended:{m.uid}",
            m.end_at,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
        for m, contact_id in await _external_meetings(session, now - ENDED_WINDOW, now, "end_at")
    ]
    return found
