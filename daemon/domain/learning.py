"""The learned part of APS: what worked before, per contact and per agent/move type.

Outcomes and the operator's decisions nudge future scores by at most ±20 points, and the
nudge decays with a three-week half-life so old history fades. A dismissal also counts
against that agent for that contact: more when the operator gave a reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from daemon.store.models import Move, MoveEvent, Outcome

HALF_LIFE_DAYS = 21.0
WINDOW_DAYS = 180
CAP = 20.0
OUTCOME_POINTS = {
    "replied": 5.0,
    "meeting_booked": 7.0,
    "deal_advanced": 6.0,
    "deal_won": 8.0,
    "no_response": -3.0,
    "deal_lost": -4.0,
    "bounced": -10.0,
    "unsubscribed": -12.0,
}
POSITIVE_OUTCOMES = frozenset(k for k, v in OUTCOME_POINTS.items() if v > 0)
DECISION_POINTS = {"done": 1.0, "dismissed": -2.0, "expired": -0.5}
# Against the agent for that contact, per dismissal; the CLI's dismissal without a reason
# stores the reason "dismissed".
DISMISSED_WITH_REASON = -3.0
DISMISSED_PLAINLY = -1.0
PLAIN_DISMISSAL = "dismissed"


def _decay(at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - at).total_seconds() / 86400)
    return float(0.5 ** (age_days / HALF_LIFE_DAYS))


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


@dataclass
class Learned:
    by_contact: dict[int, float] = field(default_factory=dict)
    by_kind: dict[tuple[str, str], float] = field(default_factory=dict)
    # (agent, contact): the dismissals of that agent's moves for that contact, and how many.
    by_agent_contact: dict[tuple[str, int], float] = field(default_factory=dict)
    dismissals: dict[tuple[str, int], int] = field(default_factory=dict)

    def for_move(self, agent: str, move_type: str, contact_id: int | None) -> tuple[float, str]:
        kind = self.by_kind.get((agent, move_type), 0.0)
        person = self.by_contact.get(contact_id, 0.0) if contact_id is not None else 0.0
        pair = (agent, contact_id) if contact_id is not None else None
        dismissed = self.by_agent_contact.get(pair, 0.0) if pair else 0.0
        total = max(-CAP, min(CAP, kind + person + dismissed))
        if abs(total) < 0.05:
            return 0.0, "no history yet"
        notes = []
        if abs(kind) >= 0.05:
            notes.append(f"{move_type.replace('_', ' ')} moves {kind:+.1f}")
        if abs(person) >= 0.05:
            notes.append(f"this contact {person:+.1f}")
        if pair and abs(dismissed) >= 0.05:
            times = _times(self.dismissals.get(pair, 0))
            notes.append(f"dismissed {times} for this contact {dismissed:+.1f}")
        return total, "from past outcomes: " + ", ".join(notes)


async def load(session: AsyncSession, now: datetime) -> Learned:
    since = now - timedelta(days=WINDOW_DAYS)
    by_contact: dict[int, float] = defaultdict(float)
    by_kind: dict[tuple[str, str], float] = defaultdict(float)
    # Outcomes and decisions first, then their moves by primary key: joined in one query,
    # SQLite may walk every move (statistics are only as fresh as the last start-up).
    outcomes = (
        await session.execute(
            select(Outcome.kind, Outcome.occurred_at, Outcome.move_id).where(
                Outcome.occurred_at >= since
            )
        )
    ).all()
    decisions = (
        await session.execute(
            select(MoveEvent.to_status, MoveEvent.at, MoveEvent.move_id, MoveEvent.reason).where(
                MoveEvent.at >= since, MoveEvent.to_status.in_(list(DECISION_POINTS))
            )
        )
    ).all()
    moves = await _moves(session, {r.move_id for r in outcomes} | {r.move_id for r in decisions})
    for kind, at, move_id in outcomes:
        if move_id not in moves:
            continue
        contact_id, agent, move_type = moves[move_id]
        points = OUTCOME_POINTS.get(kind, 0.0) * _decay(at, now)
        if contact_id is not None:
            by_contact[contact_id] += points
        by_kind[(agent, move_type)] += points / 2
    by_pair: dict[tuple[str, int], float] = defaultdict(float)
    dismissals: dict[tuple[str, int], int] = defaultdict(int)
    for status, at, move_id, reason in decisions:
        if move_id in moves:
            contact_id, agent, move_type = moves[move_id]
            by_kind[(agent, move_type)] += DECISION_POINTS[status] * _decay(at, now)
            if status == "dismissed" and contact_id is not None:
                plain = (reason or PLAIN_DISMISSAL).strip() == PLAIN_DISMISSAL
                points = DISMISSED_PLAINLY if plain else DISMISSED_WITH_REASON
                by_pair[(agent, contact_id)] += points * _decay(at, now)
                dismissals[(agent, contact_id)] += 1
    return Learned(dict(by_contact), dict(by_kind), dict(by_pair), dict(dismissals))


async def _moves(session: AsyncSession, ids: set[int]) -> dict[int, tuple[int | None, str, str]]:
    found: dict[int, tuple[int | None, str, str]] = {}
    ordered = sorted(ids)
    # Large slices: a decision history has thousands of moves, each found by its key.
    for start in range(0, len(ordered), 5000):
        rows = await session.execute(
            select(Move.id, Move.contact_id, Move.agent, Move.move_type).where(
                Move.id.in_(ordered[start : start + 5000])
            )
        )
        for move_id, contact_id, agent, move_type in rows:
            found[move_id] = (contact_id, agent, move_type)
    return found


# The learned nudge a stored score carries may lag the current one: it is only refreshed
# when a value moved by more than this since the moves were last marked, so a move is at
# most 2 * DRIFT_POINTS off per part (agent/move type, contact).
DRIFT_POINTS = 0.125


@dataclass
class Drift:
    """Which parts of the learned nudge moved enough to rescore their moves."""

    kinds: set[tuple[str, str]]
    contacts: set[int]
    applied: dict[str, dict[str, float]]


def _kind_key(agent: str, move_type: str) -> str:
    return f"{agent}\t{move_type}"


def drift(applied: dict[str, Any] | None, learned: Learned) -> Drift:
    """Compare the nudges moves were last marked with (`applied`) with the current ones.

    Outcomes, decisions and the passing of time (the decay) all show up here the same way.
    The returned `applied` keeps old values where nothing moved enough, so small drifts add
    up until they are worth acting on instead of being forgotten.
    """
    old_kinds: dict[str, float] = dict((applied or {}).get("kinds", {}))
    old_contacts: dict[str, float] = dict((applied or {}).get("contacts", {}))
    kinds: set[tuple[str, str]] = set()
    contacts: set[int] = set()
    # A move's nudge is clamp(kind + contact) to ±CAP, so a part beyond CAP plus the largest
    # other part moves no score however it drifts; long histories decay far out there.
    kind_reach = CAP + max((abs(v) for v in learned.by_contact.values()), default=0.0)
    contact_reach = CAP + max((abs(v) for v in learned.by_kind.values()), default=0.0)
    current_kinds = {
        _kind_key(*k): max(-kind_reach, min(kind_reach, v)) for k, v in learned.by_kind.items()
    }
    for key in set(old_kinds) | set(current_kinds):
        now_value = current_kinds.get(key, 0.0)
        if abs(now_value - old_kinds.get(key, 0.0)) > DRIFT_POINTS:
            agent, move_type = key.split("\t", 1)
            kinds.add((agent, move_type))
            old_kinds[key] = now_value
    current_contacts = {
        str(k): max(-contact_reach, min(contact_reach, v)) for k, v in learned.by_contact.items()
    }
    # A contact's dismissals of one agent move only that contact's moves: rescore them.
    old_pairs: dict[str, float] = dict((applied or {}).get("dismissals", {}))
    current_pairs = {
        f"{agent}\t{contact}": max(-CAP, min(CAP, v))
        for (agent, contact), v in learned.by_agent_contact.items()
    }
    for key in set(old_pairs) | set(current_pairs):
        now_value = current_pairs.get(key, 0.0)
        if abs(now_value - old_pairs.get(key, 0.0)) > DRIFT_POINTS:
            contacts.add(int(key.rsplit("\t", 1)[1]))
            old_pairs[key] = now_value
    for key in set(old_contacts) | set(current_contacts):
        now_value = current_contacts.get(key, 0.0)
        if abs(now_value - old_contacts.get(key, 0.0)) > DRIFT_POINTS:
            contacts.add(int(key))
            old_contacts[key] = now_value
    return Drift(
        kinds,
        contacts,
        {
            "kinds": {k: round(v, 4) for k, v in sorted(old_kinds.items()) if round(v, 4)},
            "contacts": {k: round(v, 4) for k, v in sorted(old_contacts.items()) if round(v, 4)},
            "dismissals": {k: round(v, 4) for k, v in sorted(old_pairs.items()) if round(v, 4)},
        },
    )
