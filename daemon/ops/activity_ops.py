"""meetings.* and threads.*: the calendar and the mail, as imported."""

from __future__ import annotations

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import settings
from daemon.domain.paging import PAGE_MAX
from daemon.domain.records import activity, people
from daemon.ops import lookups, pages
from daemon.ops.contacts_ops import Ref
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.record_views import (
    Clock,
    LinkedOut,
    MeetingOut,
    MessageOut,
    ThreadOut,
    clock,
    contact_ref,
    linked_fields,
    meeting_out,
    thread_out,
)
from daemon.ops.views import ContactRef
from daemon.registry import EVERYWHERE, operation
from daemon.timeparse import start_of_day


class MeetingsParams(PageParams):
    query: str | None = Field(None, max_length=200, description="Words to find in the title.")
    start: str | None = Field(
        None,
        max_length=100,
        description="From this time (default: the start of today), e.g. 'mon', '2026-12-01'.",
    )
    end: str | None = Field(None, max_length=100, description="Up to this time, e.g. 'fri'.")
    contact: str | None = Field(
        None, max_length=320, description="Only meetings with this contact (id, email or name)."
    )
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many meetings.")


class MeetingsResult(PageInfo, Clock):
    meetings: list[MeetingOut]


@operation(
    "meetings.list",
    params=MeetingsParams,
    result=MeetingsResult,
    effect="read",
    description="Meetings in time order, from the start of today unless told otherwise.",
    expose=EVERYWHERE,
)
async def list_meetings(ctx: OpContext, p: MeetingsParams) -> MeetingsResult:
    s = ctx.session
    tz = await settings.timezone(s)
    start = await lookups.when(ctx, p.start, "start") or start_of_day(ctx.now(), tz)
    end = await lookups.when(ctx, p.end, "end")
    contact_id = None
    if p.contact:
        with lookups.record("contact"):
            contact_id = (await people.find_contact(s, p.contact)).id
    query = activity.meetings(s, text=p.query, start=start, end=end, contact_id=contact_id)
    page = await pages.keyset(s, "meetings.list", query, activity.MEETING_ORDER, p)
    attendees = await activity.attendees(s, [m.id for m in page.rows])
    return MeetingsResult(
        meetings=[meeting_out(m, attendees[m.id]) for m in page.rows],
        **await clock(ctx),
        total=page.total,
        next_cursor=page.next_cursor,
    )


class MeetingShow(LinkedOut, Clock):
    meeting: MeetingOut


@operation(
    "meetings.show",
    params=Ref,
    result=MeetingShow,
    effect="read",
    description="One meeting with its attendees and their answers, moves and signals.",
    expose=EVERYWHERE,
)
async def show_meeting(ctx: OpContext, p: Ref) -> MeetingShow:
    s = ctx.session
    with lookups.record():
        meeting = await activity.find_meeting(s, p.ref)
    attendees = await activity.attendees(s, [meeting.id])
    linked = await linked_fields(s, "meeting_id", meeting.id)
    return MeetingShow(
        meeting=meeting_out(meeting, attendees[meeting.id]),
        **await clock(ctx),
        **linked,
    )


class ThreadsParams(PageParams):
    query: str | None = Field(None, max_length=200, description="Words to find in the subject.")
    contact: str | None = Field(
        None, max_length=320, description="Only threads with this contact (id, email or name)."
    )
    external: bool = Field(False, description="Leave out threads among your own colleagues.")
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many threads.")


class ThreadsResult(PageInfo, Clock):
    threads: list[ThreadOut]


@operation(
    "threads.list",
    params=ThreadsParams,
    result=ThreadsResult,
    effect="read",
    description="Mail threads, latest message first, found by subject or contact.",
    expose=EVERYWHERE,
)
async def list_threads(ctx: OpContext, p: ThreadsParams) -> ThreadsResult:
    s = ctx.session
    contact_id = None
    if p.contact:
        with lookups.record("contact"):
            contact_id = (await people.find_contact(s, p.contact)).id
    query = activity.threads(s, text=p.query, contact_id=contact_id, external_only=p.external)
    page = await pages.keyset(s, "threads.list", query, activity.THREAD_ORDER, p)
    counts = await activity.thread_counts(s, [t.id for t in page.rows])
    return ThreadsResult(
        threads=[thread_out(t, counts) for t in page.rows],
        **await clock(ctx),
        total=page.total,
        next_cursor=page.next_cursor,
    )


class ThreadShow(LinkedOut, Clock):
    thread: ThreadOut
    people: list[ContactRef] = Field(description="The contacts who wrote or were written to.")
    last_messages: list[MessageOut] = Field(description="The latest messages, oldest first.")


@operation(
    "threads.show",
    params=Ref,
    result=ThreadShow,
    effect="read",
    description="One mail thread with its people, latest messages, moves and signals.",
    expose=EVERYWHERE,
)
async def show_thread(ctx: OpContext, p: Ref) -> ThreadShow:
    s = ctx.session
    with lookups.record():
        thread = await activity.find_thread(s, p.ref)
    counts = await activity.thread_counts(s, [thread.id])
    messages = await activity.last_messages(s, thread)
    linked = await linked_fields(s, "thread_id", thread.id)
    return ThreadShow(
        thread=thread_out(thread, counts),
        people=[contact_ref(c) for c in await activity.thread_people(s, thread)],
        last_messages=[
            MessageOut(
                id=m.id,
                sent_at=m.sent_at,
                direction=m.direction,
                from_addr=m.from_addr,
                from_name=m.from_name,
                to=[str(a) for a in m.to_addrs],
                subject=m.subject,
                body=m.body,
            )
            for m in messages
        ],
        **await clock(ctx),
        **linked,
    )
