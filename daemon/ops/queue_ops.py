"""queue.*: Today's Moves and what the operator does with them."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy import func, select

from agents.base import Proposal
from daemon.context import OpContext
from daemon.domain import paging, queue, settings
from daemon.domain import undo as undo_domain
from daemon.domain.facts import StoreFacts
from daemon.domain.learning import load as load_learned
from daemon.domain.paging import PAGE_MAX, Key
from daemon.domain.pipeline import scoring_config
from daemon.domain.records import people
from daemon.errors import InvalidParams
from daemon.ops import lookups, pages
from daemon.ops.pages import PageInfo, PageParams
from daemon.ops.views import MoveOut, SignalOut, move_view, move_views, signal_view
from daemon.registry import EVERYWHERE, Params, operation
from daemon.store.models import Move, MoveEvent, MoveSignal, Outcome, Signal
from daemon.timeparse import TimeParseError, end_of_day, parse_when
from daemon.vocabulary import MoveStatus
from daemon.wire import WireModel


class MoveId(Params):
    id: int = Field(description="The move's id, as shown by `queue today`.")


class MoveResult(WireModel):
    move: MoveOut
    timezone: str = Field("UTC", description="The operator's zone, for showing times.")
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


class TodayParams(PageParams):
    limit: int = Field(25, ge=1, le=PAGE_MAX, description="At most this many moves.")


class TodayResult(PageInfo):
    moves: list[MoveOut]
    now: datetime
    timezone: str
    workspace: str


@operation(
    "queue.today",
    params=TodayParams,
    result=TodayResult,
    effect="read",
    description="Today's Moves: pending moves due today or earlier and woken snoozes, "
    "ranked by APS.",
    expose=EVERYWHERE,
)
async def today(ctx: OpContext, p: TodayParams) -> TodayResult:
    now = ctx.now()
    tz = await settings.timezone(ctx.session)
    # Ranked lists move as scores change: a page is found by its place in today's order.
    start, scope_id = pages.offset("queue.today", p)
    moves, total = await queue.today(ctx.session, now, end_of_day(now, tz), p.limit, start)
    return TodayResult(
        moves=await move_views(ctx.session, moves),
        total=total,
        next_cursor=paging.next_offset(start, len(moves), total, scope_id),
        now=now,
        timezone=str(tz),
        workspace=ctx.workspace.name,
    )


class ListParams(PageParams):
    status: list[MoveStatus] = Field(default_factory=list, description="Only these statuses.")
    limit: int = Field(50, ge=1, le=PAGE_MAX, description="At most this many moves.")


class ListResult(PageInfo):
    moves: list[MoveOut]
    timezone: str
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


RECENTLY_CHANGED = (Key(Move.updated_at, descending=True), Key(Move.id, descending=True))


@operation(
    "queue.list",
    params=ListParams,
    result=ListResult,
    effect="read",
    description="All moves, newest first, optionally filtered by status.",
    expose=EVERYWHERE,
)
async def list_moves(ctx: OpContext, p: ListParams) -> ListResult:
    query = select(Move)
    if p.status:
        query = query.where(Move.status.in_(p.status))
    page = await pages.keyset(ctx.session, "queue.list", query, RECENTLY_CHANGED, p)
    tz = await settings.timezone(ctx.session)
    return ListResult(
        moves=await move_views(ctx.session, page.rows),
        timezone=str(tz),
        now=ctx.now(),
        total=page.total,
        next_cursor=page.next_cursor,
    )


class HistoryItem(WireModel):
    from_status: str | None
    to_status: str
    reason: str | None
    at: datetime


class OutcomeOut(WireModel):
    id: int
    move_id: int
    kind: str
    source: str
    note: str | None
    occurred_at: datetime


class ShowResult(WireModel):
    move: MoveOut
    breakdown: dict[str, Any]
    signals: list[SignalOut]
    history: list[HistoryItem]
    outcomes: list[OutcomeOut]
    timezone: str
    now: datetime = Field(description="The daemon's clock when it answered, for relative times.")


@operation(
    "queue.show",
    params=MoveId,
    result=ShowResult,
    effect="read",
    description="One move with its score breakdown, causing signals, history and outcomes.",
    expose=EVERYWHERE,
)
async def show(ctx: OpContext, p: MoveId) -> ShowResult:
    s = ctx.session
    move = await queue.get(s, p.id)
    signals = (
        await s.scalars(
            select(Signal)
            .join(MoveSignal, MoveSignal.signal_id == Signal.id)
            .where(MoveSignal.move_id == move.id)
            .order_by(Signal.occurred_at)
        )
    ).all()
    history = (
        await s.scalars(
            select(MoveEvent).where(MoveEvent.move_id == move.id).order_by(MoveEvent.id)
        )
    ).all()
    outcomes = (
        await s.scalars(select(Outcome).where(Outcome.move_id == move.id).order_by(Outcome.id))
    ).all()
    return ShowResult(
        move=await move_view(s, move),
        breakdown=move.aps_breakdown,
        signals=[signal_view(x) for x in signals],
        history=[
            HistoryItem(from_status=h.from_status, to_status=h.to_status, reason=h.reason, at=h.at)
            for h in history
        ],
        outcomes=[
            OutcomeOut(
                id=o.id,
                move_id=o.move_id,
                kind=o.kind,
                source=o.source,
                note=o.note,
                occurred_at=o.occurred_at,
            )
            for o in outcomes
        ],
        timezone=str(await settings.timezone(s)),
        now=ctx.now(),
    )


class ExplainResult(WireModel):
    id: int
    title: str
    aps: float
    breakdown: dict[str, Any]


@operation(
    "queue.explain",
    params=MoveId,
    result=ExplainResult,
    effect="read",
    description="The APS breakdown of one move: each component, its weight and why.",
    expose=EVERYWHERE,
)
async def explain(ctx: OpContext, p: MoveId) -> ExplainResult:
    move = await queue.get(ctx.session, p.id)
    return ExplainResult(id=move.id, title=move.title, aps=move.aps, breakdown=move.aps_breakdown)


async def _change(
    ctx: OpContext, move_id: int, to: str, reason: str | None, until: datetime | None = None
) -> MoveResult:
    move = await queue.get(ctx.session, move_id)
    event = await queue.change(ctx.session, move, to, ctx.now(), reason)
    if until is not None:
        queue.set_snooze(move, until, event)
    ctx.emit("move.updated", {"id": move.id, "status": to, "workspace": ctx.workspace.name})
    return MoveResult(
        move=await move_view(ctx.session, move),
        timezone=str(await settings.timezone(ctx.session)),
        now=ctx.now(),
    )


@operation(
    "queue.accept",
    params=MoveId,
    result=MoveResult,
    effect="local",
    description="Accept a pending move: you will do it.",
    expose=EVERYWHERE,
    destructive=False,
    # Repeating it is refused as a conflict, so the second call changes nothing.
    idempotent=True,
)
async def accept(ctx: OpContext, p: MoveId) -> MoveResult:
    return await _change(ctx, p.id, queue.ACCEPTED, "accepted")


class DismissParams(MoveId):
    reason: str | None = Field(None, max_length=500, description="Why it is not worth doing.")


@operation(
    "queue.dismiss",
    params=DismissParams,
    result=MoveResult,
    effect="local",
    description="Dismiss a pending move, with an optional reason that teaches the score.",
    expose=EVERYWHERE,
    destructive=True,  # a final status: the move cannot be reopened
    idempotent=True,
)
async def dismiss(ctx: OpContext, p: DismissParams) -> MoveResult:
    return await _change(ctx, p.id, queue.DISMISSED, p.reason or "dismissed")


class SnoozeParams(MoveId):
    until: str = Field(
        description="When it comes back: 'mon 9am', 'tomorrow', 'in 2h', "
        "'2026-12-01 14:00' (operator's time zone)."
    )


@operation(
    "queue.snooze",
    params=SnoozeParams,
    result=MoveResult,
    effect="local",
    description="Snooze a pending or accepted move until a time; it returns to pending then.",
    expose=EVERYWHERE,
    destructive=False,
    idempotent=True,
)
async def snooze(ctx: OpContext, p: SnoozeParams) -> MoveResult:
    now = ctx.now()
    tz = await settings.timezone(ctx.session)
    try:
        until = parse_when(p.until, now=now, tz=tz)
    except TimeParseError as exc:
        raise InvalidParams(str(exc), field="until") from None
    if until <= now:
        when = "now" if until == now else "in the past"
        raise InvalidParams(
            f"{p.until!r} is {when}; snooze until a later time, e.g. 'tomorrow 9am'",
            field="until",
        )
    local = until.astimezone(tz)
    reason = f"snoozed until {local:%a} {local.day} {local:%b}, {local:%H:%M}"
    return await _change(ctx, p.id, queue.SNOOZED, reason, until)


@operation(
    "queue.done",
    params=MoveId,
    result=MoveResult,
    effect="local",
    description="Mark a move done; a pending or snoozed move is accepted first, "
    "and every step is kept in its history.",
    expose=EVERYWHERE,
    destructive=True,  # a final status: the move cannot be reopened
    idempotent=True,
)
async def done(ctx: OpContext, p: MoveId) -> MoveResult:
    move = await queue.get(ctx.session, p.id)
    if move.status == queue.SNOOZED:
        await queue.change(ctx.session, move, queue.PENDING, ctx.now(), queue.DONE_WHILE_SNOOZED)
    if move.status in (queue.PENDING, queue.FAILED):
        await queue.change(ctx.session, move, queue.ACCEPTED, ctx.now(), "accepted")
    return await _change(ctx, p.id, queue.DONE, "done")


class UndoResult(MoveResult):
    undid: list[str] = Field(
        description="The statuses the undone steps had moved the move to, in order, "
        "e.g. ['accepted', 'done']."
    )


@operation(
    "queue.undo",
    params=MoveId,
    result=UndoResult,
    effect="local",
    description="Undo your latest decision on a move (accept, dismiss, snooze, done) made "
    f"in the last {undo_domain.UNDO_WINDOW.seconds // 60} minutes: the move is back where "
    "it was, and the decision is forgotten.",
    expose=EVERYWHERE,
    destructive=True,  # the decision's history is deleted, and an undo cannot be redone
    # A second call finds the decision before, if any: each call undoes one more.
    idempotent=False,
)
async def undo(ctx: OpContext, p: MoveId) -> UndoResult:
    s, now = ctx.session, ctx.now()
    undone = await undo_domain.undo(s, p.id, now)
    move = undone.move
    ctx.emit(
        "move.updated", {"id": move.id, "status": move.status, "workspace": ctx.workspace.name}
    )
    return UndoResult(
        move=await move_view(s, move),
        timezone=str(await settings.timezone(s)),
        now=now,
        undid=undone.undid,
    )


class AddParams(Params):
    title: str = Field(
        min_length=1, max_length=255, description="What to do, as it shows in the queue."
    )
    contact: str | None = Field(
        None,
        max_length=320,
        description="The contact the move is about: an id, an email, or a name only one has.",
    )
    due: str = Field(
        "today", description="When it is due: 'tomorrow', 'fri 3pm', ... (operator's time zone)."
    )
    why: str | None = Field(None, max_length=1000, description="Why now, in your words.")


@operation(
    "queue.add",
    params=AddParams,
    result=MoveResult,
    effect="local",
    description="Add a move by hand (type task), optionally about a contact.",
    expose=EVERYWHERE,
    destructive=False,
    idempotent=False,
)
async def add(ctx: OpContext, p: AddParams) -> MoveResult:
    s, now = ctx.session, ctx.now()
    tz = await settings.timezone(s)
    try:
        due = parse_when(p.due, now=now, tz=tz)
    except TimeParseError as exc:
        raise InvalidParams(str(exc), field="due") from None
    contact = None
    if p.contact:
        with lookups.record("contact"):
            contact = await people.find_contact(s, p.contact)
    facts: dict[str, Any] | None = None
    if contact is not None:
        cf = await StoreFacts(s, now, tz, None).contact(contact.id)
        facts = cf.scoring() if cf else None
    proposal = Proposal(
        # Every hand-added move is its own fact: nothing to deduplicate against.
        dedup_key=f"manual:{uuid.uuid4().hex}",
        move_type="task",
        title=p.title,
        why_now=p.why or "Added by you.",
        due_at=due,
        contact_id=contact.id if contact else None,
        company_id=contact.company_id if contact else None,
        score_inputs={
            "move_type": "task",
            "fact_at": now.isoformat(),
            "urgency": {"basis": "due", "at": due.isoformat()},
            "contact": facts,
            "deal": None,
            "prepared": False,
        },
    )
    move, _ = await queue.upsert(
        s, "manual", proposal, now, await scoring_config(s), await load_learned(s, now)
    )
    ctx.emit("move.created", {"id": move.id, "workspace": ctx.workspace.name})
    return MoveResult(move=await move_view(s, move), timezone=str(tz), now=now)


class StatsParams(Params):
    pass


class AgentStats(WireModel):
    proposed: int
    accepted: int
    by_status: dict[str, int]
    acceptance_rate: float | None


class StatsResult(WireModel):
    total: int
    accepted: int
    by_status: dict[str, int]
    by_agent: dict[str, AgentStats]
    acceptance_rate: float | None = Field(
        description="Moves you ever accepted (their history has an 'accepted' step, so done "
        "and failed count) over moves proposed, as docs/DOMAIN.md defines it."
    )


def _rate(accepted: int, proposed: int) -> float | None:
    return round(accepted / proposed, 3) if proposed else None


@operation(
    "queue.stats",
    params=StatsParams,
    result=StatsResult,
    effect="read",
    description="Move counts by status and by agent, with acceptance rates.",
    expose=EVERYWHERE,
)
async def stats(ctx: OpContext, p: StatsParams) -> StatsResult:
    s = ctx.session
    rows = (
        await s.execute(
            select(Move.agent, Move.status, func.count()).group_by(Move.agent, Move.status)
        )
    ).all()
    accepted_rows = (
        await s.execute(
            select(Move.agent, func.count(func.distinct(Move.id)))
            .join(MoveEvent, MoveEvent.move_id == Move.id)
            .where(MoveEvent.to_status == queue.ACCEPTED)
            .group_by(Move.agent)
        )
    ).all()
    accepted = {agent: int(n) for agent, n in accepted_rows}
    overall: Counter[str] = Counter()
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for agent, status, n in rows:
        overall[status] += n
        per[agent][status] += n
    total = sum(overall.values())
    taken = sum(accepted.values())
    return StatsResult(
        total=total,
        accepted=taken,
        by_status=dict(overall),
        by_agent={
            a: AgentStats(
                proposed=sum(c.values()),
                accepted=accepted.get(a, 0),
                by_status=dict(c),
                acceptance_rate=_rate(accepted.get(a, 0), sum(c.values())),
            )
            for a, c in sorted(per.items())
        },
        acceptance_rate=_rate(taken, total),
    )
