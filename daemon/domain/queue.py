"""Today's Moves: statuses, transitions, dedup, moot-closing, snooze wake-up and expiry."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from agents import ALL_AGENTS
from agents.base import Proposal, Resolution, SignalView
from daemon.domain.learning import Learned
from daemon.domain.scoring import ScoringConfig, ScoringError, next_change, score
from daemon.errors import Conflict, NotFound
from daemon.store.models import Move, MoveEvent, MoveSignal

log = logging.getLogger(__name__)

PENDING, ACCEPTED, DONE, DISMISSED = "pending", "accepted", "done", "dismissed"
SNOOZED, FAILED, EXPIRED, RESOLVED = "snoozed", "failed", "expired", "resolved"

OPEN = (PENDING, ACCEPTED, SNOOZED, FAILED)
# `rescore_at` is when time alone next changes something about an open move: its score, or
# the end of its shelf life (pending) or of its snooze (snoozed). So the moves to expire and
# the snoozes that ended are ranges of the (status, rescore_at) index too, never a scan of
# rows whose JSON has to be read past. NEVER when none of this happens; NULL is kept for
# "not worked out yet" (rows from before migration 0005), which `rescore` picks up.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
# Values per IN (...) list: far below SQLite's limit on bound parameters.
IN_CHUNK = 500
# Moves scored between two yields to the event loop.
YIELD_EVERY = 100

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({ACCEPTED, DISMISSED, SNOOZED, EXPIRED, RESOLVED}),
    ACCEPTED: frozenset({DONE, SNOOZED, FAILED}),
    SNOOZED: frozenset({PENDING}),
    FAILED: frozenset({ACCEPTED, DISMISSED}),  # a failed action can be retried
    DONE: frozenset(),
    DISMISSED: frozenset(),
    EXPIRED: frozenset(),
    RESOLVED: frozenset(),
}

MOVE_TYPES = (
    "reply",
    "follow_up",
    "first_touch",
    "meeting_prep",
    "meeting_follow_up",
    "book_meeting",
    "deal_review",
    "send_proposal",
    "renewal",
    "check_in",
    "data_fix",
    "review_pipeline",
    "task",
)
# How long a pending move of each type stays worth doing; None keeps it until decided.
SHELF_LIFE: dict[str, timedelta | None] = {
    "reply": timedelta(days=14),
    "follow_up": timedelta(days=14),
    "meeting_prep": timedelta(days=2),
    "meeting_follow_up": timedelta(days=7),
    "deal_review": timedelta(days=21),
    # A record stays wrong until someone fixes it; the daily data check resolves the fixed.
    "data_fix": None,
    "task": None,
}


# What the operator can still do with a move in each open status, for refusals.
NEXT_STEPS: dict[str, str] = {
    PENDING: "it can be accepted, dismissed or snoozed",
    ACCEPTED: "it can be marked done or failed, or snoozed",
    SNOOZED: "it comes back as pending at its time, or can be marked done now",
    FAILED: "it can be accepted again or dismissed",
}
# The reason of the step `queue.done` takes first on a snoozed move (snoozed -> pending).
DONE_WHILE_SNOOZED = "done while snoozed"
# A status as the thing done to a move: "it cannot be marked done".
_AS_DONE_TO = {DONE: "marked done", FAILED: "marked failed", PENDING: "made pending again"}


def refusal(move_id: int, status: str, to: str) -> str:
    """Why a move in `status` cannot go to `to`, and what it can do instead."""
    verb = _AS_DONE_TO.get(to, to)
    if not TRANSITIONS[status]:
        return f"move {move_id} is {status}, and that is final: it cannot be {verb}"
    if to == status:
        return f"move {move_id} is already {status}; {NEXT_STEPS[status]}"
    return f"move {move_id} is {status}, so it cannot be {verb}; {NEXT_STEPS[status]}"


def transition(move: Move, to: str, now: datetime, reason: str | None = None) -> MoveEvent:
    """Move to `to` or raise Conflict saying why not and what is possible instead."""
    if to not in TRANSITIONS[move.status]:
        raise Conflict(refusal(move.id, move.status, to))
    event = MoveEvent(move_id=move.id, from_status=move.status, to_status=to, reason=reason, at=now)
    move.status = to
    move.status_reason = reason
    move.updated_at = now
    if to != SNOOZED:
        move.snoozed_until = None
    return event


async def get(session: AsyncSession, move_id: int) -> Move:
    move = await session.get(Move, move_id)
    if move is None:
        raise NotFound(f"no move with id {move_id}; see `caseyos queue today`", field="id")
    return move


async def change(
    session: AsyncSession, move: Move, to: str, now: datetime, reason: str | None = None
) -> MoveEvent:
    event = transition(move, to, now, reason)
    session.add(event)
    return event


def expiry_for(move_type: str, created: datetime) -> datetime | None:
    life = SHELF_LIFE.get(move_type, timedelta(days=14))
    return created + life if life is not None else None


@dataclass(frozen=True)
class Scored:
    """A proposal with its score and when that score next needs refreshing."""

    proposal: Proposal
    aps: float
    breakdown: dict[str, Any]
    rescore_at: datetime


def next_rescore(inputs: dict[str, Any], now: datetime, cfg: ScoringConfig) -> datetime:
    return next_change(inputs, now, cfg) or NEVER


def attention_at(
    score_changes: datetime,
    status: str,
    expires_at: datetime | None,
    snoozed_until: datetime | None = None,
) -> datetime:
    """`rescore_at` for a move: its next score change, unless its shelf life (pending) or
    its snooze (snoozed) ends first."""
    if status == PENDING and expires_at is not None:
        return min(score_changes, expires_at)
    if status == SNOOZED and snoozed_until is not None:
        return min(score_changes, snoozed_until)
    return score_changes


def set_snooze(move: Move, until: datetime, event: MoveEvent | None = None) -> None:
    """Give a move that was just snoozed its wake-up time, keeping rescore_at no later;
    the snooze's `event` keeps the time too (see `undo`)."""
    move.snoozed_until = until
    if event is not None:
        event.snoozed_until = until
    if move.rescore_at is not None:
        move.rescore_at = min(move.rescore_at, until)


def score_proposal(
    agent: str, proposal: Proposal, now: datetime, cfg: ScoringConfig, learned: Learned
) -> Scored:
    """Raises ScoringError when the inputs cannot be scored."""
    inputs = proposal.score_inputs
    aps, breakdown = score(
        inputs, now, cfg, learned.for_move(agent, proposal.move_type, proposal.contact_id)
    )
    return Scored(proposal, aps, breakdown, next_rescore(inputs, now, cfg))


async def upsert(
    session: AsyncSession,
    agent: str,
    proposal: Proposal,
    now: datetime,
    cfg: ScoringConfig,
    learned: Learned,
) -> tuple[Move, bool]:
    """Add a proposal, or refresh the open move with the same dedup key (see upsert_many)."""
    [(move_id, created)] = await upsert_many(
        session, agent, [score_proposal(agent, proposal, now, cfg, learned)], now
    )
    return await get(session, move_id), created


def _refresh(item: Scored, now: datetime) -> dict[str, Any]:
    """What a proposal sets on its move, new or refreshed."""
    proposal = item.proposal
    values: dict[str, Any] = {
        "title": proposal.title[:255],
        "why_now": proposal.why_now,
        "due_at": proposal.due_at,
        "score_inputs": proposal.score_inputs,
        "aps": item.aps,
        "aps_breakdown": item.breakdown,
        "updated_at": now,
    }
    for ref in ("contact_id", "company_id", "deal_id", "thread_id", "meeting_id"):
        values[ref] = getattr(proposal, ref)
    if proposal.prepared_action is not None:
        values["prepared_action"] = proposal.prepared_action
    if proposal.expires_at is not None:
        values["expires_at"] = proposal.expires_at
    return values


@dataclass
class _Known:
    """What upserting needs to know about a move that exists."""

    id: int
    status: str
    expires_at: datetime | None
    snoozed_until: datetime | None = None
    new: bool = False


async def upsert_many(
    session: AsyncSession, agent: str, items: Sequence[Scored], now: datetime
) -> list[tuple[int, bool]]:
    """Add scored proposals, or refresh the open moves with the same dedup keys.

    Returns (move id, created) for each item, in order. A move the operator already decided
    (done, dismissed) or that closed is left alone: re-proposing the same fact never
    resurrects it. Proposals are applied in order, so a second proposal with the same key
    refreshes the move the first one created. New moves are one multi-row INSERT, refreshed
    ones one executemany UPDATE, whatever their number.
    """
    keys = sorted({item.proposal.dedup_key for item in items})
    known: dict[str, _Known] = {}
    for chunk in chunks(keys):
        rows = await session.execute(
            select(Move.id, Move.dedup_key, Move.status, Move.expires_at, Move.snoozed_until).where(
                Move.dedup_key.in_(chunk)
            )
        )
        for move_id, key, status, expires_at, snoozed_until in rows:
            known[key] = _Known(move_id, status, expires_at, snoozed_until)
    new_rows: dict[str, dict[str, Any]] = {}
    refreshed: dict[int, dict[str, Any]] = {}
    order: list[tuple[str, bool]] = []
    for item in items:
        key = item.proposal.dedup_key
        move = known.get(key)
        if move is None:
            row = new_rows.get(key)
            order.append((key, row is None))
            if row is None:
                row = new_rows[key] = {
                    "dedup_key": key,
                    "agent": agent,
                    "move_type": item.proposal.move_type,
                    "status": PENDING,
                    "created_at": now,
                    "expires_at": expiry_for(item.proposal.move_type, now),
                    "snoozed_until": None,
                    "status_reason": None,
                }
            row.update(_refresh(item, now))
            row["rescore_at"] = attention_at(item.rescore_at, PENDING, row["expires_at"])
            continue
        order.append((key, False))
        if move.status in OPEN:
            values = refreshed.setdefault(move.id, {"_id": move.id})
            values.update(_refresh(item, now))
            move.expires_at = values.get("expires_at", move.expires_at)
            values["rescore_at"] = attention_at(
                item.rescore_at, move.status, move.expires_at, move.snoozed_until
            )
    if new_rows:
        # Rows without a prepared action leave the JSON column SQL NULL, as the ORM would.
        await session.execute(insert(Move), list(new_rows.values()))
        for chunk in chunks(list(new_rows)):
            ids = await session.execute(
                select(Move.id, Move.dedup_key).where(Move.dedup_key.in_(chunk))
            )
            for move_id, key in ids:
                known[key] = _Known(move_id, PENDING, new_rows[key]["expires_at"], new=True)
        await session.execute(
            insert(MoveEvent),
            [
                {
                    "move_id": known[key].id,
                    "from_status": None,
                    "to_status": PENDING,
                    "reason": f"proposed by {agent}",
                    "at": now,
                }
                for key in new_rows
            ],
        )
    await _update_by_id(session, list(refreshed.values()))
    await _link_signals(
        session,
        [(known[item.proposal.dedup_key], item.proposal) for item in items],
    )
    return [(known[key].id, is_new) for key, is_new in order]


async def _update_by_id(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """One executemany UPDATE per set of columns; `_id` names the move."""
    table = cast(Table, Move.__table__)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for change in changes:
        groups[tuple(sorted(k for k in change if k != "_id"))].append(change)
    for columns, batch in groups.items():
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c, type_=table.c[c].type) for c in columns}),
            batch,
        )
    _sync(session, changes)


async def _link_signals(session: AsyncSession, pairs: list[tuple[_Known, Proposal]]) -> None:
    """Link each open move to the signals behind its proposal that it is not linked to yet."""
    wanted = [(m, p) for m, p in pairs if p.signal_ids and m.status in OPEN]
    linked: set[tuple[int, int]] = set()
    for chunk in chunks(sorted({m.id for m, _ in wanted if not m.new})):
        rows = await session.execute(
            select(MoveSignal.move_id, MoveSignal.signal_id).where(MoveSignal.move_id.in_(chunk))
        )
        linked.update((move_id, signal_id) for move_id, signal_id in rows)
    links = []
    for move, proposal in wanted:
        for sid in sorted(set(proposal.signal_ids)):
            if (move.id, sid) not in linked:
                links.append({"move_id": move.id, "signal_id": sid})
                linked.add((move.id, sid))
    if links:
        await session.execute(insert(MoveSignal), links)


async def rethread(session: AsyncSession, merged: dict[int, int]) -> int:
    """Point the moves about threads merged into others (absorbed -> kept) at the thread
    they joined; returns how many moves changed.

    A dedup key that names the thread (see `Agent.thread_prefix`) is rewritten too, so the
    agents' later proposals and resolutions for the merged thread find the move, and a move
    already decided is not proposed again under a new key.
    """
    agents = {agent.name: agent for agent in ALL_AGENTS}
    changes: list[dict[str, Any]] = []
    for chunk in chunks(sorted(merged)):
        rows = await session.execute(
            select(Move.id, Move.agent, Move.thread_id, Move.dedup_key, Move.prepared_action)
            .where(Move.thread_id.in_(chunk))
            .order_by(Move.id)
        )
        for move_id, name, old, key, action in rows:
            new = merged[old]
            change: dict[str, Any] = {"_id": move_id, "thread_id": new}
            agent = agents.get(name)
            before = agent.thread_prefix(old) if agent else None
            after = agent.thread_prefix(new) if agent else None
            if before and after and key.startswith(before):
                change["dedup_key"] = after + key[len(before) :]
            if isinstance(action, dict) and action.get("thread_id") == old:
                change["prepared_action"] = {**action, "thread_id": new}
            changes.append(change)
    await _update_by_id(session, changes)
    return len(changes)


async def resolve(
    session: AsyncSession, items: Sequence[tuple[str, Resolution, SignalView]], now: datetime
) -> list[Move]:
    """Close the pending moves that signals made moot: (agent, resolution, signal) in order.

    The candidates of all items are fetched with one query per agent, move type and
    reference (per chunk of values), then each item is applied in turn, so the first signal
    that makes a move moot closes it and is linked to it.
    """
    groups: dict[tuple[str, str, str], set[int | str]] = defaultdict(set)
    for agent, res, _ in items:
        groups[(agent, res.move_type, res.ref)].add(res.value)
    found: dict[tuple[str, str, str], dict[int | str, list[Move]]] = {}
    for group, values in groups.items():
        agent, move_type, ref = group
        by_value: dict[int | str, list[Move]] = defaultdict(list)
        for chunk in chunks(sorted(values, key=str), 200):
            if ref == "dedup_key_prefix":
                ids = await _ids_by_prefix(session, [str(v) for v in chunk])
            else:
                ids = await _ids_by_ref(session, getattr(Move, ref), chunk, agent, move_type)
            if not ids:
                continue
            # By id alone: with the status beside it, SQLite may walk every pending move.
            query = select(Move).where(Move.id.in_(ids)).options(defer(Move.aps_breakdown))
            for move in (await session.scalars(query.order_by(Move.id))).all():
                if (move.agent, move.move_type, move.status) != (agent, move_type, PENDING):
                    continue
                if ref == "dedup_key_prefix":
                    for value in chunk:
                        if move.dedup_key.startswith(str(value)):
                            by_value[value].append(move)
                else:
                    by_value[getattr(move, ref)].append(move)
        found[group] = by_value
    closed: list[Move] = []
    events: list[MoveEvent] = []
    links: list[dict[str, int]] = []
    for agent, res, signal in items:
        for move in found[(agent, res.move_type, res.ref)].get(res.value, []):
            # Only a later fact makes a move moot: importing old mail must not close today's.
            if move.status == PENDING and _fact_at(move) < signal.occurred_at:
                events.append(transition(move, RESOLVED, now, res.reason))
                closed.append(move)
                links.append({"move_id": move.id, "signal_id": signal.id})
    if events:
        await session.execute(
            insert(MoveEvent),
            [
                {c: getattr(e, c) for c in ("move_id", "from_status", "to_status", "reason", "at")}
                for e in events
            ],
        )
        await session.execute(insert(MoveSignal), links)
    return closed


async def _ids_by_ref(
    session: AsyncSession,
    column: Any,
    values: Sequence[int | str],
    agent: str,
    move_type: str,
) -> list[int]:
    """Ids of the pending moves of `agent` and `move_type` whose `column` is one of `values`.

    The moves are found by the reference alone and the rest is checked here. Asked for the
    status too, SQLite may take the status index instead (its sampled statistics can put
    a few hundred moves under each status): a walk of every pending move for each chunk.
    """
    rows = await session.execute(
        select(Move.id, Move.agent, Move.move_type, Move.status).where(column.in_(values))
    )
    return [
        move_id for move_id, a, t, status in rows if (a, t, status) == (agent, move_type, PENDING)
    ]


# The moves of a key prefix are looked up by the dedup_key index alone: with a status
# condition next to the ranges, SQLite would scan every pending move instead. It compares
# text bytewise, so the keys starting with p are those in [p, p with its last character
# incremented). A statement of a fixed number of ranges (padded by repetition) is compiled
# once and reused, where a fresh OR of a few hundred terms costs more than the query.
PREFIX_RANGES = 50
_RANGES_SQL = text(
    "SELECT id FROM moves WHERE "
    + " OR ".join(f"(dedup_key >= :lo{i} AND dedup_key < :hi{i})" for i in range(PREFIX_RANGES))
)


async def _ids_by_prefix(session: AsyncSession, prefixes: list[str]) -> list[int]:
    """Ids of the moves whose dedup key starts with one of `prefixes`."""
    prefixes = [p for p in prefixes if p]
    if not prefixes:
        return []
    if session.get_bind().dialect.name != "sqlite":
        query = select(Move.id).where(
            or_(*(Move.dedup_key.startswith(p, autoescape=True) for p in prefixes))
        )
        return list((await session.scalars(query)).all())
    ids: list[int] = []
    for chunk in chunks(prefixes, PREFIX_RANGES):
        params: dict[str, str] = {}
        for i in range(PREFIX_RANGES):
            prefix = chunk[min(i, len(chunk) - 1)]
            params[f"lo{i}"] = prefix
            params[f"hi{i}"] = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        ids += (await session.scalars(_RANGES_SQL, params)).all()
    return ids


def _fact_at(move: Move) -> datetime:
    raw = (move.score_inputs or {}).get("fact_at")
    return datetime.fromisoformat(raw) if raw else move.created_at


async def _transition_all(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    to: str,
    reason: str,
    now: datetime,
    **also: Any,
) -> int:
    """`transition` for every move matching `where`: one query to find them, then two
    statements for all of them (usually none: an idle pass stops after the first)."""
    ids: list[int] = []
    for condition in where:
        ids += (await session.scalars(select(Move.id).where(condition).order_by(Move.id))).all()
    for chunk in chunks(ids):
        await session.execute(
            insert(MoveEvent).from_select(
                ["move_id", "from_status", "to_status", "reason", "at"],
                select(
                    Move.id,
                    Move.status,
                    literal(to, MoveEvent.to_status.type),
                    literal(reason, MoveEvent.reason.type),
                    literal(now, MoveEvent.at.type),
                )
                .where(Move.id.in_(chunk))
                .order_by(Move.id),
            )
        )
        await session.execute(
            update(Move)
            .where(Move.id.in_(chunk))
            .values(status=to, status_reason=reason, updated_at=now, snoozed_until=None, **also)
            .execution_options(synchronize_session="fetch")
        )
    return len(ids)


GONE_COLUMNS = {"contact": Move.contact_id, "company": Move.company_id, "deal": Move.deal_id}


async def resolve_gone(
    session: AsyncSession, entity: str, ids: Sequence[int], reason: str, now: datetime
) -> int:
    """Open moves (pending, snoozed) about records about to be deleted are resolved; a
    move the operator accepted stays theirs. Returns how many."""
    column = GONE_COLUMNS.get(entity)
    if column is None or not ids:
        return 0
    return await _transition_all(
        session, [and_(Move.status.in_((PENDING, SNOOZED)), column.in_(ids))], RESOLVED, reason, now
    )


async def wake(session: AsyncSession, now: datetime) -> int:
    """Snoozes whose time came go back to pending; returns how many."""
    ended = (Move.status == SNOOZED, Move.snoozed_until <= now)
    # A snooze's end is never after its rescore_at (see NEVER): two index ranges, no scan.
    return await _transition_all(
        session,
        [and_(*ended, Move.rescore_at <= now), and_(*ended, Move.rescore_at.is_(None))],
        PENDING,
        "snooze ended",
        now,
        # Pending again, it may be past its shelf life: due now, so `expire` sees it.
        rescore_at=now,
    )


async def expire(session: AsyncSession, now: datetime) -> int:
    """Pending moves past their shelf life expire; returns how many."""
    late = (Move.status == PENDING, Move.expires_at.is_not(None), Move.expires_at <= now)
    # A pending move's rescore_at is never after its expiry (see NEVER), so only moves due
    # for attention need looking at: two ranges of the (status, rescore_at) index.
    return await _transition_all(
        session,
        [and_(*late, Move.rescore_at <= now), and_(*late, Move.rescore_at.is_(None))],
        EXPIRED,
        "past its shelf life",
        now,
    )


@dataclass(frozen=True)
class RescoreStep:
    """What one step of rescoring did, and the moves still due after it, in order."""

    rescored: int
    broken: int
    due: tuple[int, ...] = ()

    @property
    def remaining(self) -> int:
        return len(self.due)


async def rescore(
    session: AsyncSession,
    now: datetime,
    cfg: ScoringConfig,
    learned: Learned,
    limit: int,
    after: RescoreStep | None = None,
) -> RescoreStep:
    """Rescore up to `limit` open moves whose score is due; the step says which are left.

    Due means `rescore_at` has passed, or the move never had one (rows from before
    migration 0005). A move whose inputs cannot be scored keeps its last
    score and is not tried again until something marks it (see `mark_for_rescore`).

    The first step of a pass lists the ids of every move due (one read of the index, kept
    in the step); the steps `after` it take the next `limit` of those, so each step reads
    only its own moves and a pass rescores each move due at its start once. A listed move
    that stopped being due in between (decided, or refreshed by a proposal) is skipped.
    """
    # Moves waiting to expire or to wake are housekeeping's (`expire`, `wake`), not ours:
    # left in, a backlog of them would fill every step and starve the rest.
    waiting = or_(
        and_(Move.status == PENDING, Move.expires_at.is_not(None), Move.expires_at <= now),
        and_(Move.status == SNOOZED, Move.snoozed_until.is_not(None), Move.snoozed_until <= now),
    )
    open_ = and_(Move.status.in_(OPEN), ~waiting)
    if after is None:
        due = list(
            (await session.scalars(select(Move.id).where(open_, Move.rescore_at <= now))).all()
        )
        due += (
            await session.scalars(select(Move.id).where(open_, Move.rescore_at.is_(None)))
        ).all()
        # In id order, the order of the table's pages: each step reads and writes a run of
        # neighbouring rows, not rows spread over the whole file (at 100,000 moves, in
        # rescore_at order, nearly every row cost a page of its own). A pass goes on until
        # the list is done, so the order does not decide which moves are rescored.
        due.sort()
    else:
        due = list(after.due)
    ids, left = due[:limit], tuple(due[limit:])
    if not ids:
        return RescoreStep(0, 0, left)
    cols = (
        Move.id,
        Move.agent,
        Move.move_type,
        Move.contact_id,
        Move.score_inputs,
        Move.status,
        Move.expires_at,
        Move.snoozed_until,
    )
    still_due = or_(Move.rescore_at <= now, Move.rescore_at.is_(None))
    rows: list[Any] = []
    for chunk in chunks(ids):
        rows += (
            await session.execute(
                select(*cols).where(Move.id.in_(chunk), open_, still_due).order_by(Move.id)
            )
        ).all()
    changes: list[dict[str, Any]] = []
    broken = 0
    for n, (move_id, agent, move_type, contact_id, inputs, *when) in enumerate(rows, 1):
        if n % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # scoring is pure Python: let clients in between
        try:
            aps, breakdown = score(inputs, now, cfg, learned.for_move(agent, move_type, contact_id))
            at = attention_at(next_rescore(inputs, now, cfg), *when)
        except ScoringError:
            broken += 1  # keeps its last score; logged once per call below
            changes.append({"_id": move_id, "rescore_at": attention_at(NEVER, *when)})
            continue
        changes.append({"_id": move_id, "aps": aps, "aps_breakdown": breakdown, "rescore_at": at})
    if broken:
        log.warning("%d moves could not be rescored and keep their last score", broken)
    await _update_by_id(session, changes)
    return RescoreStep(len(changes) - broken, broken, left)


async def mark_for_rescore(
    session: AsyncSession,
    now: datetime,
    *,
    kinds: Iterable[tuple[str, str]] = (),
    contacts: Iterable[int] = (),
    everything: bool = False,
) -> int:
    """Make open moves due for rescoring now: those of these (agent, move type) pairs or
    contacts, or all. Only `rescore_at` changes; `rescore` does the work in bounded steps."""
    table = cast(Table, Move.__table__)
    not_due = table.c.rescore_at > now  # NULL rows and passed times are due already
    open_ = table.c.status.in_(OPEN)
    conditions: list[ColumnElement[bool]] = []
    if everything:
        conditions.append(open_)
    else:
        pairs = sorted(set(kinds))
        if pairs:
            conditions.append(
                and_(
                    open_,
                    or_(*(and_(table.c.agent == a, table.c.move_type == t) for a, t in pairs)),
                )
            )
        for chunk in chunks(sorted(set(contacts))):
            conditions.append(and_(open_, table.c.contact_id.in_(chunk)))
    marked = 0
    for condition in conditions:
        result = cast(
            CursorResult[Any],
            await session.execute(update(table).where(condition, not_due).values(rescore_at=now)),
        )
        marked += result.rowcount
    return marked


def _sync(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Give moves this session already holds the values a bulk UPDATE just wrote."""
    for change in changes:
        move = session.identity_map.get(identity_key(Move, change["_id"]))
        if move is not None:
            for attr, value in change.items():
                if attr != "_id":
                    set_committed_value(move, attr, value)


def today_parts(now: datetime, end_of_today: datetime) -> list[ColumnElement[bool]]:
    """Today: pending moves due today or earlier, and snoozes whose time came.

    A snooze that ended has its rescore_at passed too (see NEVER), so those are found
    through the (status, rescore_at) index instead of by reading the wake-up time of every
    snoozed move.
    """
    ended = and_(Move.status == SNOOZED, Move.snoozed_until <= now)
    return [
        and_(Move.status == PENDING, Move.due_at < end_of_today),
        # Two parts, not one OR: SQLite only turns separate terms into index ranges.
        and_(ended, Move.rescore_at <= now),
        and_(ended, Move.rescore_at.is_(None)),
    ]


def today_filter(now: datetime, end_of_today: datetime) -> ColumnElement[bool]:
    return or_(*today_parts(now, end_of_today))


async def today(
    session: AsyncSession,
    now: datetime,
    end_of_today: datetime,
    limit: int | None,
    offset: int = 0,
) -> tuple[Sequence[Move], int]:
    """Today's moves by APS, then due time.

    Each part is fetched by its own index-driven query and the parts are merged, instead of
    one OR that makes SQLite scan and sort the whole table. Pending moves come in rank order
    from (status, aps); ended snoozes are few, so they are found through (status,
    rescore_at) and sorted: `aps + 0` keeps the planner from walking every snoozed move in
    rank order instead. The counts are one statement; the score's inputs and breakdown,
    which a list does not show, are not read.
    """
    parts = today_parts(now, end_of_today)
    counts = (
        await session.execute(
            select(
                *(
                    select(func.count()).select_from(Move).where(part).scalar_subquery()
                    for part in parts
                )
            )
        )
    ).one()
    moves: list[Move] = []
    orders = [Move.aps.desc()] + [(Move.aps + 0).desc()] * (len(parts) - 1)
    for part, order, count in zip(parts, orders, counts, strict=True):
        if not count:
            continue  # usually true of the ended snoozes: the pass wakes them every minute
        query = (
            select(Move)
            .where(part)
            .order_by(order, Move.due_at.asc(), Move.id)
            .options(defer(Move.aps_breakdown), defer(Move.score_inputs))
        )
        if limit:
            query = query.limit(offset + limit)
        moves += (await session.scalars(query)).all()
    moves.sort(key=lambda m: (-m.aps, m.due_at, m.id))
    return (moves[offset : offset + limit] if limit else moves[offset:]), int(sum(counts))
