"""Meetings and mail threads: lists by time, and one with its people and messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain.paging import Key
from daemon.domain.records import search
from daemon.store.models import Contact, Meeting, MeetingAttendee, Message, Thread

LAST_MESSAGES = 5
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def meetings(
    session: AsyncSession,
    *,
    text: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    contact_id: int | None = None,
) -> Select[Any]:
    query = select(Meeting)
    if text:
        query = query.where(search.contains(session, [Meeting.title], text))
    if start is not None:
        query = query.where(Meeting.end_at >= start)
    if end is not None:
        query = query.where(Meeting.start_at < end)
    if contact_id is not None:
        attended = select(MeetingAttendee.meeting_id).where(
            MeetingAttendee.contact_id == contact_id
        )
        query = query.where(Meeting.id.in_(attended))
    return query


MEETING_ORDER = (Key(Meeting.start_at), Key(Meeting.id))


async def attendees(
    session: AsyncSession, meeting_ids: Sequence[int]
) -> dict[int, list[MeetingAttendee]]:
    by_meeting: dict[int, list[MeetingAttendee]] = {m: [] for m in meeting_ids}
    if meeting_ids:
        rows = await session.scalars(
            select(MeetingAttendee)
            .where(MeetingAttendee.meeting_id.in_(meeting_ids))
            .order_by(MeetingAttendee.meeting_id, MeetingAttendee.id)
        )
        for a in rows:
            by_meeting[a.meeting_id].append(a)
    return by_meeting


async def find_meeting(session: AsyncSession, text: str) -> Meeting:
    if (by_id := await search.by_id(session, Meeting, text, "meeting")) is not None:
        return by_id
    query = meetings(session, text=text).order_by(Meeting.start_at.desc(), Meeting.id.desc())
    found_one: Meeting = await search.pick(session, query, "meeting", text, lambda m: m.title)
    return found_one


def threads(
    session: AsyncSession,
    *,
    text: str | None = None,
    contact_id: int | None = None,
    external_only: bool = False,
) -> Select[Any]:
    query = select(Thread)
    if text:
        query = query.where(search.contains(session, [], text, stored_folded=[Thread.subject_key]))
    if contact_id is not None:
        query = query.where(
            Thread.id.in_(select(Message.thread_id).where(Message.contact_id == contact_id))
        )
    if external_only:
        query = query.where(Thread.is_internal.is_(False))
    return query


THREAD_ORDER = (
    Key(
        func.coalesce(Thread.last_message_at, literal(NEVER, Thread.last_message_at.type)),
        descending=True,
    ),
    Key(Thread.id, descending=True),
)


async def thread_counts(session: AsyncSession, thread_ids: Sequence[int]) -> dict[int, int]:
    if not thread_ids:
        return {}
    rows = await session.execute(
        select(Message.thread_id, func.count())
        .where(Message.thread_id.in_(thread_ids))
        .group_by(Message.thread_id)
    )
    return {int(tid): int(n) for tid, n in rows}


async def find_thread(session: AsyncSession, text: str) -> Thread:
    if (by_id := await search.by_id(session, Thread, text, "thread")) is not None:
        return by_id
    query = threads(session, text=text).order_by(*(k.expr for k in THREAD_ORDER))
    found_one: Thread = await search.pick(session, query, "thread", text, lambda t: t.subject)
    return found_one


async def last_messages(session: AsyncSession, thread: Thread) -> Sequence[Message]:
    newest = (
        await session.scalars(
            select(Message)
            .where(Message.thread_id == thread.id)
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(LAST_MESSAGES)
        )
    ).all()
    return list(reversed(newest))


async def thread_people(session: AsyncSession, thread: Thread) -> Sequence[Contact]:
    ids = select(Message.contact_id).where(Message.thread_id == thread.id).distinct()
    return (await session.scalars(select(Contact).where(Contact.id.in_(ids)))).all()
