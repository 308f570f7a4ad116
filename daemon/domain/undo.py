"""Undo: take back the operator's latest decision on a move, shortly after making it.

A decision is what an operation did to a move: accept, dismiss, snooze, done (which on a
pending or snoozed move records its steps at one instant). Undoing it deletes those events
and restores the move as it was before them, so the queue's statistics and the learned
adjustments, which count events and statuses, stop counting it. The daemon's own changes
(a proposal, a snooze ending, a shelf life ending, a later fact resolving the move) are not
decisions and are never undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.domain import queue
from daemon.errors import Conflict
from daemon.store.models import Move, MoveEvent, Outcome

UNDO_WINDOW = timedelta(minutes=15)
# The statuses only an operation of the operator moves a move to; the daemon's passes
# move them to pending (proposed, snooze ended), expired and resolved.
DECISIONS = frozenset({queue.ACCEPTED, queue.DISMISSED, queue.SNOOZED, queue.DONE})
# The decisions as the operator's words, for messages.
_AS_DONE = {
    queue.ACCEPTED: "accept",
    queue.DISMISSED: "dismissal",
    queue.SNOOZED: "snooze",
    queue.DONE: "done",
}


def by_operator(event: MoveEvent) -> bool:
    """Whether an operation of the operator made this event, not a pass of the daemon."""
    if event.to_status in DECISIONS:
        return True
    return event.to_status == queue.PENDING and event.reason == queue.DONE_WHILE_SNOOZED


def _same_operation(earlier: MoveEvent, later: MoveEvent) -> bool:
    """Whether `earlier` is a step `queue.done` took on its way to `later`: it records
    snoozed -> pending -> accepted -> done (from where the move was) at one instant. Other
    operations record one step, so a decision made at the same instant as the one before
    (as under a pinned clock) is still undone alone."""
    if earlier.at != later.at:
        return False
    if later.to_status == queue.DONE:
        return earlier.to_status == queue.ACCEPTED
    if later.to_status == queue.ACCEPTED:
        return earlier.to_status == queue.PENDING and earlier.reason == queue.DONE_WHILE_SNOOZED
    return False


@dataclass(frozen=True)
class Undone:
    move: Move
    undid: list[str]  # the statuses the undone events moved to, in order


def _ago(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours ago"
    return f"{hours // 24} days ago"


async def undo(session: AsyncSession, move_id: int, now: datetime) -> Undone:
    """Revert the latest decision on a move made within UNDO_WINDOW, or raise Conflict
    saying why not (NotFound for an unknown move)."""
    move = await queue.get(session, move_id)
    history = list(
        (
            await session.scalars(
                select(MoveEvent).where(MoveEvent.move_id == move.id).order_by(MoveEvent.id)
            )
        ).all()
    )
    latest = history[-1] if history else None
    if latest is None or not by_operator(latest):
        last = (
            f"its last change ({latest.to_status}: {latest.reason or 'no reason'}) was the "
            "daemon's, not a decision of yours"
            if latest is not None
            else "it has no history"
        )
        raise Conflict(f"nothing to undo on move {move.id}: {last}")
    # The decision is the latest step and the steps `queue.done` took before it.
    start = len(history) - 1
    while start > 0 and _same_operation(history[start - 1], history[start]):
        start -= 1
    steps, before = history[start:], history[:start]
    what = _AS_DONE.get(latest.to_status, latest.to_status)
    age = now - latest.at
    if age > UNDO_WINDOW:
        window = int(UNDO_WINDOW.total_seconds() // 60)
        raise Conflict(
            f"the {what} of move {move.id} was made {_ago(age)}; "
            f"undo works for {window} minutes after a decision"
        )
    outcome = await session.scalar(
        select(Outcome.kind)
        .where(Outcome.move_id == move.id, Outcome.created_at >= steps[0].at)
        .order_by(Outcome.id)
        .limit(1)
    )
    if outcome is not None:
        raise Conflict(
            f"move {move.id} has an outcome ({outcome}) recorded since its {what}; "
            "undo would leave the outcome on a decision that never happened"
        )
    status = steps[0].from_status
    if status is None:  # a decision is never a move's first event; kept for the type
        raise Conflict(f"nothing to undo on move {move.id}: it has no status before")
    previous = before[-1] if before else None
    snoozed_until = None
    if status == queue.SNOOZED:
        snoozed_until = previous.snoozed_until if previous is not None else None
        if snoozed_until is None:
            raise Conflict(
                f"move {move.id} was snoozed before wake-up times were kept, so its snooze "
                "cannot be restored; snooze it again instead"
            )
    await session.execute(delete(MoveEvent).where(MoveEvent.id.in_([e.id for e in steps])))
    move.status = status
    # A move's reason is that of the event that brought it to its status; a new move has none.
    move.status_reason = (
        previous.reason if previous is not None and previous.from_status is not None else None
    )
    move.snoozed_until = snoozed_until
    move.updated_at = now
    # Due for rescoring now, so its score and its next time of attention are current.
    move.rescore_at = now
    return Undone(move, [e.to_status for e in steps])
