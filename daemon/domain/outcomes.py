"""Outcomes read from later signals: what came of the moves the operator acted on.

A move the operator marked done is credited with what happened after it:

* a real reply (not an auto-reply, not bulk mail) in its thread after our send, for a
  `reply` or `follow_up` move: `replied`;
* a meeting booked with its contact: `meeting_booked`;
* its deal moving a stage forward, or closing: `deal_advanced`, `deal_won`, `deal_lost`;
* a bounce from its contact's address: `bounced`; its contact asking not to be contacted:
  `unsubscribed`;
* no real reply within follow_up_due's wait (business days, per lifecycle stage) after a
  done `follow_up`: `no_response` (found by the clock, in housekeeping).

Each signal credits the latest done move it can belong to (done before the signal, at most
OUTCOME_WINDOW earlier), so an old move is not credited with today's news. Detected outcomes
carry `source` 'detected' and are stored once per move and kind (a unique index), however
often a signal is read; outcomes recorded by hand are 'manual'.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.ext.asyncio import AsyncSession

from agents.base import SignalView
from agents.follow_up_due import shortest_wait, wait_days
from daemon.domain import knobs
from daemon.domain.queue import chunks
from daemon.store.models import Contact, MeetingAttendee, Message, Move, MoveEvent, Outcome, Signal
from daemon.timeparse import add_business_days

DETECTED = "detected"
OUTCOME_WINDOW = timedelta(days=30)
REPLY_TYPES = ("reply", "follow_up")
REPLY_KINDS = ("email.received", "email.replied")
CONTACT_KINDS = {"email.bounced": "bounced", "contact.opted_out": "unsubscribed"}
# The stages of HubSpot's default pipeline in order; a move between two of them is forward
# or back, any other stage name cannot be placed and only closing counts.
STAGE_ORDER = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
)
WON = frozenset({"closedwon", "closed won"})
LOST = frozenset({"closedlost", "closed lost"})


def is_real_reply(kind: str, payload: dict[str, Any]) -> bool:
    """An answer a person wrote: not an auto-reply, not bulk or list mail."""
    if kind not in REPLY_KINDS:
        return False
    return not any(payload.get(flag) for flag in ("automated", "auto_reply", "bulk"))


def stage_outcome(payload: dict[str, Any]) -> str | None:
    """`deal_won`, `deal_lost`, `deal_advanced` (a step forward) or None for a step back."""
    to = str(payload.get("to") or "").lower()
    before = str(payload.get("from") or "").lower()
    if to in WON:
        return "deal_won"
    if to in LOST:
        return "deal_lost"
    if to in STAGE_ORDER and before in STAGE_ORDER:
        return "deal_advanced" if STAGE_ORDER.index(to) > STAGE_ORDER.index(before) else None
    return None


@dataclass(frozen=True)
class _Done:
    id: int
    move_type: str
    contact_id: int | None
    deal_id: int | None
    thread_id: int | None
    created_at: datetime
    done_at: datetime


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _done_moves(
    session: AsyncSession,
    *,
    threads: Iterable[int] = (),
    contacts: Iterable[int] = (),
    deals: Iterable[int] = (),
    since: datetime,
) -> list[_Done]:
    """Done moves of these threads (reply and follow-up moves), contacts or deals, with the
    time they were marked done; one query per slice of ids."""
    parts: list[Any] = []
    for chunk in chunks(sorted(set(threads))):
        parts.append(and_(Move.thread_id.in_(chunk), Move.move_type.in_(REPLY_TYPES)))
    for chunk in chunks(sorted(set(contacts))):
        parts.append(Move.contact_id.in_(chunk))
    for chunk in chunks(sorted(set(deals))):
        parts.append(Move.deal_id.in_(chunk))
    if not parts:
        return []
    rows = await session.execute(
        select(
            Move.id,
            Move.move_type,
            Move.contact_id,
            Move.deal_id,
            Move.thread_id,
            Move.created_at,
            MoveEvent.at,
        )
        .join(MoveEvent, MoveEvent.move_id == Move.id)
        .where(Move.status == "done", MoveEvent.to_status == "done", MoveEvent.at >= since)
        .where(or_(*parts))
    )
    latest: dict[int, _Done] = {}
    for mid, mtype, contact, deal, thread, created, done_at in rows:
        move = _Done(mid, mtype, contact, deal, thread, _utc(created), _utc(done_at))
        if mid not in latest or latest[mid].done_at < move.done_at:
            latest[mid] = move
    return list(latest.values())


def _latest_before(moves: Iterable[_Done], at: datetime, start: dict[int, datetime]) -> _Done:
    """The move acted on last before `at` (callers pass a non-empty, filtered list)."""
    return max(moves, key=lambda m: (start.get(m.id, m.done_at), m.id))


async def _sends(session: AsyncSession, moves: Sequence[_Done]) -> dict[int, datetime]:
    """When each reply/follow-up move was acted on: the earlier of marking it done and our
    first message in its thread after the move was made (the operator may mark it late)."""
    start = {m.id: m.done_at for m in moves}
    threads = sorted({m.thread_id for m in moves if m.thread_id is not None})
    if not threads:
        return start
    earliest = min(m.created_at for m in moves)
    sent: dict[int, list[datetime]] = {}
    for chunk in chunks(threads):
        rows = await session.execute(
            select(Message.thread_id, Message.sent_at).where(
                Message.thread_id.in_(chunk),
                Message.direction == "outbound",
                Message.is_draft.is_(False),
                Message.sent_at >= earliest,
            )
        )
        for thread_id, at in rows:
            sent.setdefault(thread_id, []).append(_utc(at))
    for m in moves:
        after = [at for at in sent.get(m.thread_id or 0, []) if at >= m.created_at]
        if after:
            start[m.id] = min(start[m.id], min(after))
    return start


async def detect(session: AsyncSession, signals: Sequence[SignalView], now: datetime) -> int:
    """Record the outcomes a chunk of signals shows; returns how many are new.

    A few set queries per chunk whatever its size: the done moves the signals can belong
    to, our sends in their threads, meeting attendees, and the outcomes already stored.
    """
    replies = [s for s in signals if s.thread_id is not None and is_real_reply(s.kind, s.payload)]
    booked = [s for s in signals if s.kind == "meeting.booked"]
    staged = [s for s in signals if s.kind == "deal.stage_changed" and s.deal_id is not None]
    by_contact = [s for s in signals if s.kind in CONTACT_KINDS and s.contact_id is not None]
    if not (replies or booked or staged or by_contact):
        return 0
    attendees: dict[int, set[int]] = {}
    meeting_ids = sorted({s.meeting_id for s in booked if s.meeting_id is not None})
    for chunk in chunks(meeting_ids):
        rows = await session.execute(
            select(MeetingAttendee.meeting_id, MeetingAttendee.contact_id).where(
                MeetingAttendee.meeting_id.in_(chunk), MeetingAttendee.contact_id.is_not(None)
            )
        )
        for meeting_id, contact_id in rows:
            if contact_id is not None:
                attendees.setdefault(meeting_id, set()).add(contact_id)

    def booked_with(s: SignalView) -> set[int]:
        found = set(attendees.get(s.meeting_id or 0, set()))
        return found | ({s.contact_id} if s.contact_id is not None else set())

    earliest = min(s.occurred_at for s in signals) - OUTCOME_WINDOW
    moves = await _done_moves(
        session,
        threads={s.thread_id for s in replies if s.thread_id is not None},
        contacts={c for s in booked for c in booked_with(s)}
        | {s.contact_id for s in by_contact if s.contact_id is not None},
        deals={s.deal_id for s in staged if s.deal_id is not None},
        since=earliest,
    )
    if not moves:
        return 0
    start = await _sends(session, [m for m in moves if m.move_type in REPLY_TYPES])
    found: list[tuple[_Done, str, SignalView]] = []

    def credit(candidates: Iterable[_Done], kind: str, s: SignalView) -> None:
        at = s.occurred_at
        before = [
            m
            for m in candidates
            if start.get(m.id, m.done_at) < at and at - m.done_at <= OUTCOME_WINDOW
        ]
        if before:
            found.append((_latest_before(before, at, start), kind, s))

    for s in replies:
        credit(
            (m for m in moves if m.thread_id == s.thread_id and m.move_type in REPLY_TYPES),
            "replied",
            s,
        )
    for s in booked:
        people = booked_with(s)
        credit((m for m in moves if m.contact_id in people), "meeting_booked", s)
    for s in staged:
        kind = stage_outcome(s.payload)
        if kind is not None:
            credit((m for m in moves if m.deal_id == s.deal_id), kind, s)
    for s in by_contact:
        credit((m for m in moves if m.contact_id == s.contact_id), CONTACT_KINDS[s.kind], s)
    return await _store(session, [(m.id, kind, s.id, s.occurred_at) for m, kind, s in found], now)


async def _store(
    session: AsyncSession, found: Sequence[tuple[int, str, int | None, datetime]], now: datetime
) -> int:
    """Insert the outcomes no move has yet (first signal wins); a reply found after a
    `no_response` was recorded (mail imported late) replaces it."""
    if not found:
        return 0
    ids = sorted({move_id for move_id, *_ in found})
    have: set[tuple[int, str]] = set()
    for chunk in chunks(ids):
        rows = await session.execute(
            select(Outcome.move_id, Outcome.kind).where(
                Outcome.move_id.in_(chunk), Outcome.source == DETECTED
            )
        )
        have.update((m, k) for m, k in rows)
    new: dict[tuple[int, str], dict[str, Any]] = {}
    for move_id, kind, signal_id, at in sorted(found, key=lambda f: f[3]):
        if (move_id, kind) in have or (move_id, kind) in new:
            continue
        new[(move_id, kind)] = {
            "move_id": move_id,
            "kind": kind,
            "source": DETECTED,
            "note": None,
            "signal_id": signal_id,
            "occurred_at": at,
            "created_at": now,
        }
    if not new:
        return 0
    answered = sorted(m for m, k in new if k == "replied" and (m, "no_response") in have)
    for chunk in chunks(answered):
        await session.execute(
            delete(Outcome).where(
                Outcome.move_id.in_(chunk),
                Outcome.kind == "no_response",
                Outcome.source == DETECTED,
            )
        )
    values = list(new.values())
    for part in chunks(values):
        await session.execute(insert(Outcome).on_conflict_do_nothing(), list(part))
    return len(values)


async def no_response(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """`no_response` for done follow-ups that got no real reply in time; returns how many.

    Follow-ups done between OUTCOME_WINDOW and follow_up_due's wait (for the contact's
    lifecycle stage) ago without an outcome yet; one query for them and one for the answers
    in their threads.
    """
    # A disabled agent's done moves are still judged by its knobs.
    tuned = await knobs.values_of(session, "follow_up_due")
    shortest = shortest_wait(tuned)
    # A business day is at least a calendar day: a bound here, the exact time below.
    rows = await session.execute(
        select(Move.id, Move.thread_id, Move.created_at, MoveEvent.at, Contact.lifecycle_stage)
        .join(MoveEvent, MoveEvent.move_id == Move.id)
        .outerjoin(Contact, Contact.id == Move.contact_id)
        .outerjoin(Outcome, and_(Outcome.move_id == Move.id, Outcome.source == DETECTED))
        .where(
            Move.move_type == "follow_up",
            Move.status == "done",
            MoveEvent.to_status == "done",
            MoveEvent.at >= now - OUTCOME_WINDOW,
            MoveEvent.at <= now - timedelta(days=shortest),
            Outcome.id.is_(None),
        )
    )
    moves = []
    wait: dict[int, int] = {}
    for mid, thread, created, at, stage in rows:
        wait[mid] = wait_days(tuned, stage)
        if add_business_days(_utc(at), wait[mid], tz) <= now:
            moves.append(_Done(mid, "follow_up", None, None, thread, _utc(created), _utc(at)))
    if not moves:
        return 0
    start = await _sends(session, moves)
    answered: set[int] = set()
    threads = sorted({m.thread_id for m in moves if m.thread_id is not None})
    for chunk in chunks(threads):
        replies = await session.execute(
            select(Signal.kind, Signal.thread_id, Signal.occurred_at, Signal.payload).where(
                Signal.kind.in_(REPLY_KINDS), Signal.thread_id.in_(chunk)
            )
        )
        for kind, thread_id, at, payload in replies:
            if not is_real_reply(kind, payload or {}):
                continue
            answered.update(
                m.id for m in moves if m.thread_id == thread_id and start[m.id] < _utc(at)
            )
    silent = [
        (m.id, "no_response", None, add_business_days(start[m.id], wait[m.id], tz))
        for m in moves
        if m.id not in answered
    ]
    return await _store(session, silent, now)
