"""Four simulated weeks on a real workspace, with an explicit clock: the follow-ups of
`follow_up_due` are always answered, the replies `reply_needed` proposes are always
dismissed. The learned part of their scores diverges week by week as the decay formula
says, stays within ±20, and fades back toward 0 once the behaviour stops (half-life three
weeks). Mail comes in through the import path, the agents' pass runs at each moment, and
the operator's decisions go through the queue's transitions as the ops make them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon.domain import learning, outcome_stats, queue
from daemon.store.models import Move
from tests.conftest import PINNED_NOW
from tests.data_agents import agent_pass, import_file, moves
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_mbox
from tests.store_fixtures import Store

T0 = datetime.fromisoformat(PINNED_NOW)  # a Wednesday, 10:00 in New York
WEEKS = 4
PER_WEEK = (2, 3)  # follow-ups answered, questions dismissed, each week
ANSWERED = ("follow_up_due", "follow_up")
DISMISSED = ("reply_needed", "reply")
# The stored score lags the learned value by at most 2 * learning.DRIFT_POINTS.
LAG = 2 * learning.DRIFT_POINTS + 0.01


def address(who: str) -> str:
    return f"{who}@{who}-co.example"


def contacts_csv(path: Path, people: list[str]) -> Path:
    rows = [
        {
            "Record ID": str(100 + n),
            "First Name": who.capitalize(),
            "Last Name": "Buyer",
            "Email": address(who),
            "Job Title": "Head of Operations",
            "Company Name": f"{who.capitalize()} Co",
            "Lifecycle Stage": "opportunity",
            "Create Date": "2026-09-01 09:00",
        }
        for n, who in enumerate(people)
    ]
    return write_contacts_csv(path, rows)


def sent(who: str, at: datetime) -> Mail:
    """Our message to `who`, unanswered (its thread is `who`'s)."""
    return Mail(
        f"out-{who}@northwind",
        OPERATOR,
        address(who),
        f"Next steps, {who}",
        at,
        labels="Sent",
        thread=f"t-{who}",
    )


def answer(who: str, at: datetime) -> Mail:
    return Mail(
        f"re-{who}@buyer",
        address(who),
        OPERATOR,
        f"Re: Next steps, {who}",
        at,
        body="Thanks, Tuesday works. Send the invite.",
        in_reply_to=f"out-{who}@northwind",
        thread=f"t-{who}",
    )


def question(who: str, at: datetime) -> Mail:
    return Mail(
        f"q-{who}@buyer",
        address(who),
        OPERATOR,
        f"A question from {who}",
        at,
        body="Could you send the security questionnaire?",
        thread=f"t-{who}",
    )


class World:
    """The workspace, its clock, the mail imported so far, and what the operator did when."""

    def __init__(self, store: Store, tmp: Path, now: datetime):
        self.store, self.tmp, self.now, self.files = store, tmp, now, 0
        self.done: list[datetime] = []
        self.replied: list[datetime] = []
        self.dismissed: list[datetime] = []

    async def at(self, now: datetime) -> None:
        """The clock moves on: the pass the daemon runs then (housekeeping, rescoring)."""
        self.now = now
        await agent_pass(self.store, now)

    async def imports(self, path: Path) -> None:
        """What `import.file` does: the file's records and signals, then the agents' pass."""
        await import_file(self.store, path, self.now)
        await agent_pass(self.store, self.now)

    async def mail(self, mails: list[Mail]) -> None:
        self.files += 1
        await self.imports(write_mbox(self.tmp / f"mail{self.files}.mbox", mails))

    async def pending(self, agent: str) -> list[Move]:
        return await moves(self.store, agent)

    async def complete(self, move_id: int) -> None:
        """As `queue.done` does it: a pending move is accepted first."""
        async with self.store.transaction() as s:
            move = await queue.get(s, move_id)
            await queue.change(s, move, queue.ACCEPTED, self.now, "accepted")
            await queue.change(s, move, queue.DONE, self.now, "done")

    async def turn_down(self, move_id: int, reason: str) -> None:
        async with self.store.transaction() as s:
            await queue.change(s, await queue.get(s, move_id), queue.DISMISSED, self.now, reason)

    async def snooze(self, move_id: int, until: datetime) -> None:
        async with self.store.transaction() as s:
            move = await queue.get(s, move_id)
            await queue.change(s, move, queue.SNOOZED, self.now, f"snoozed until {until:%d %b %Y}")
            queue.set_snooze(move, until)

    async def learned(self, move_id: int) -> float:
        """The learned points of the move's stored breakdown, as `queue.explain` shows it."""
        async with self.store.transaction() as s:
            move = await queue.get(s, move_id)
            points: float = move.aps_breakdown["learned"]["points"]
            return points

    async def stats(self, by: outcome_stats.StatsBy) -> outcome_stats.Stats:
        async with self.store.transaction() as s:
            return await outcome_stats.stats(s, by)

    def expected(self, at: datetime) -> tuple[float, float]:
        """What learning.py's rule gives the two kinds at `at`, from what happened."""

        def decay(when: datetime) -> float:
            return float(0.5 ** ((at - when).total_seconds() / 86400 / learning.HALF_LIFE_DAYS))

        good = sum(learning.DECISION_POINTS["done"] * decay(t) for t in self.done) + sum(
            learning.OUTCOME_POINTS["replied"] / 2 * decay(t) for t in self.replied
        )
        bad = sum(learning.DECISION_POINTS["dismissed"] * decay(t) for t in self.dismissed)
        return good, bad


def clamp(x: float) -> float:
    return max(-learning.CAP, min(learning.CAP, x))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def test_four_weeks_of_answered_and_dismissed_moves_diverge_and_fade(
    store: Store, tmp_path: Path
) -> None:
    answered = [f"fay{w}{i}" for w in range(WEEKS) for i in range(PER_WEEK[0])]
    asked = [f"yan{w}{i}" for w in range(WEEKS) for i in range(PER_WEEK[1])]
    world = World(store, tmp_path, T0)
    await world.imports(contacts_csv(tmp_path / "c.csv", ["probea", "probeb", *answered, *asked]))
    # One open move of each kind for contacts with no history of their own, snoozed past
    # the test so it never expires: their learned points are the agent/move type's alone.
    await world.mail(
        [sent("probea", T0 - timedelta(days=10)), question("probeb", T0 - timedelta(hours=2))]
    )
    [probe_a] = [m.id for m in await world.pending(ANSWERED[0])]
    [probe_b] = [m.id for m in await world.pending(DISMISSED[0])]
    for probe in (probe_a, probe_b):
        await world.snooze(probe, T0 + timedelta(weeks=52))

    seen: list[tuple[float, float]] = []
    for week in range(WEEKS):
        monday = T0 + timedelta(weeks=week)
        if week:
            await world.at(monday)
        a, b = await world.learned(probe_a), await world.learned(probe_b)
        good, bad = world.expected(monday)
        assert a == pytest.approx(clamp(good), abs=LAG), f"week {week}"
        assert b == pytest.approx(clamp(bad), abs=LAG), f"week {week}"
        seen.append((a, b))
        # New mail: our unanswered follow-up threads, and questions waiting on us.
        mine = answered[week * PER_WEEK[0] : (week + 1) * PER_WEEK[0]]
        theirs = asked[week * PER_WEEK[1] : (week + 1) * PER_WEEK[1]]
        await world.mail(
            [sent(who, monday - timedelta(days=10)) for who in mine]
            + [question(who, monday - timedelta(hours=1)) for who in theirs]
        )
        bumps = [m.id for m in await world.pending(ANSWERED[0]) if m.id != probe_a]
        assert len(bumps) == len(mine), "one follow-up per silent thread"
        for move_id in bumps:
            await world.complete(move_id)
            world.done.append(monday)
        for m in await world.pending(DISMISSED[0]):
            await world.turn_down(m.id, "not worth an answer")
            world.dismissed.append(monday)
        # The next day the answers come in: each is a `replied` outcome of its follow-up,
        # and a question waiting on us that reply_needed proposes (and is dismissed).
        await world.at(monday + timedelta(days=1))
        await world.mail([answer(who, monday + timedelta(hours=5)) for who in mine])
        world.replied += [monday + timedelta(hours=5)] * len(mine)
        waiting = await world.pending(DISMISSED[0])
        assert len(waiting) == len(mine)
        for m in waiting:
            await world.turn_down(m.id, "they are just confirming")
            world.dismissed.append(monday + timedelta(days=1))

    stats = await world.stats("agent")
    groups = {g.key: g for g in stats.groups}
    assert groups["follow_up_due"].success_rate == 1.0
    assert groups["follow_up_due"].median_hours_to_outcome == 5.0
    assert groups["reply_needed"].acceptance_rate == 0.0
    assert stats.by_kind == {"replied": WEEKS * PER_WEEK[0]}
    assert stats.by_source == {"detected": WEEKS * PER_WEEK[0]}
    by_type = {g.key: g for g in (await world.stats("move_type")).groups}
    assert by_type["follow_up"].executed == WEEKS * PER_WEEK[0]
    assert by_type["reply"].executed == 0 and by_type["reply"].success_rate is None

    # Then nothing more happens: three and six weeks on.
    for weeks_on in (0, 3, 6):
        at = T0 + timedelta(weeks=WEEKS + weeks_on)
        await world.at(at)
        a, b = await world.learned(probe_a), await world.learned(probe_b)
        good, bad = world.expected(at)
        assert a == pytest.approx(clamp(good), abs=LAG), f"{weeks_on} weeks on"
        assert b == pytest.approx(clamp(bad), abs=LAG), f"{weeks_on} weeks on"
        seen.append((a, b))
    answered_points = [a for a, _ in seen]
    dismissed_points = [b for _, b in seen]
    assert seen[0] == (0.0, 0.0), "no history yet"
    # While the behaviour lasts they diverge every week; the dismissed kind hits the bound.
    for week in range(1, WEEKS + 1):
        assert answered_points[week] > answered_points[week - 1] > -0.01
        assert dismissed_points[week] < dismissed_points[week - 1] < 0.01
    assert dismissed_points[WEEKS] == -learning.CAP
    assert all(abs(x) <= learning.CAP for pair in seen for x in pair)
    # Afterwards both fade: the answered half every three weeks, the dismissed off the cap.
    for later in range(WEEKS + 1, len(seen)):
        assert 0 < answered_points[later] < answered_points[later - 1]
        assert answered_points[later] == pytest.approx(answered_points[later - 1] / 2, abs=LAG * 2)
        assert dismissed_points[later - 1] <= dismissed_points[later] < 0
    assert dismissed_points[-1] > -learning.CAP / 2
