"""Four simulated weeks through the real daemon: the follow-ups of `follow_up_due` are always
answered, the replies `reply_needed` proposes are always dismissed. The learned part of
their scores diverges week by week as the decay formula says, stays within ±20, and fades
back toward 0 once the behaviour stops (half-life three weeks)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon.domain import learning
from tests.conftest import PINNED_NOW, DaemonProcess, run_cli_tty
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_mbox

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
    """The daemon, the mail imported so far, and what the operator did when."""

    def __init__(self, d: DaemonProcess, tmp: Path):
        self.d, self.tmp, self.files = d, tmp, 0
        self.done: list[datetime] = []
        self.replied: list[datetime] = []
        self.dismissed: list[datetime] = []

    def restart(self, at: datetime) -> None:
        self.d = self.d.restart(now=at.isoformat())

    def imports(self, mails: list[Mail]) -> None:
        self.files += 1
        path = write_mbox(self.tmp / f"mail{self.files}.mbox", mails)
        self.d.run_job("import.file", {"path": str(path)})

    def pending(self, agent: str) -> list[dict]:
        moves = self.d.call("queue.list", {"status": ["pending"], "limit": 1000})["moves"]
        return [m for m in moves if m["agent"] == agent]

    def learned(self, move_id: int) -> float:
        points: float = self.d.call("queue.explain", {"id": move_id})["breakdown"]["learned"][
            "points"
        ]
        return points

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


def test_four_weeks_of_answered_and_dismissed_moves_diverge_and_fade(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    answered = [f"fay{w}{i}" for w in range(WEEKS) for i in range(PER_WEEK[0])]
    asked = [f"yan{w}{i}" for w in range(WEEKS) for i in range(PER_WEEK[1])]
    world = World(blank_daemon, tmp_path)
    world.d.run_job(
        "import.file",
        {"path": str(contacts_csv(tmp_path / "c.csv", ["probea", "probeb", *answered, *asked]))},
    )
    # One open move of each kind for contacts with no history of their own, snoozed past
    # the test so it never expires: their learned points are the agent/move type's alone.
    world.imports(
        [sent("probea", T0 - timedelta(days=10)), question("probeb", T0 - timedelta(hours=2))]
    )
    [probe_a] = world.pending(ANSWERED[0])
    [probe_b] = world.pending(DISMISSED[0])
    for probe in (probe_a, probe_b):
        world.d.call("queue.snooze", {"id": probe["id"], "until": "2027-09-01 09:00"})

    seen: list[tuple[float, float]] = []
    for week in range(WEEKS):
        monday = T0 + timedelta(weeks=week)
        if week:
            world.restart(monday)
        a, b = world.learned(probe_a["id"]), world.learned(probe_b["id"])
        good, bad = world.expected(monday)
        assert a == pytest.approx(clamp(good), abs=LAG), f"week {week}"
        assert b == pytest.approx(clamp(bad), abs=LAG), f"week {week}"
        seen.append((a, b))
        # New mail: our unanswered follow-up threads, and questions waiting on us.
        mine = answered[week * PER_WEEK[0] : (week + 1) * PER_WEEK[0]]
        theirs = asked[week * PER_WEEK[1] : (week + 1) * PER_WEEK[1]]
        world.imports(
            [sent(who, monday - timedelta(days=10)) for who in mine]
            + [question(who, monday - timedelta(hours=1)) for who in theirs]
        )
        bumps = [m for m in world.pending(ANSWERED[0]) if m["id"] != probe_a["id"]]
        assert len(bumps) == len(mine), "one follow-up per silent thread"
        for m in bumps:
            world.d.call("queue.done", {"id": m["id"]})
            world.done.append(monday)
        for m in world.pending(DISMISSED[0]):
            world.d.call("queue.dismiss", {"id": m["id"], "reason": "not worth an answer"})
            world.dismissed.append(monday)
        # The next day the answers come in: each is a `replied` outcome of its follow-up,
        # and a question waiting on us that reply_needed proposes (and is dismissed).
        world.restart(monday + timedelta(days=1))
        world.imports([answer(who, monday + timedelta(hours=5)) for who in mine])
        world.replied += [monday + timedelta(hours=5)] * len(mine)
        waiting = world.pending(DISMISSED[0])
        assert len(waiting) == len(mine)
        for m in waiting:
            world.d.call("queue.dismiss", {"id": m["id"], "reason": "they are just confirming"})
            world.dismissed.append(monday + timedelta(days=1))

    stats = world.d.call("outcomes.stats", {"by": "agent"})
    groups = {g["agent"]: g for g in stats["groups"]}
    assert groups["follow_up_due"]["success_rate"] == 1.0
    assert groups["follow_up_due"]["median_hours_to_outcome"] == 5.0
    assert groups["reply_needed"]["acceptance_rate"] == 0.0
    assert stats["by_kind"] == {"replied": WEEKS * PER_WEEK[0]}
    assert stats["by_source"] == {"detected": WEEKS * PER_WEEK[0]}
    by_type = {
        g["move_type"]: g for g in world.d.call("outcomes.stats", {"by": "move_type"})["groups"]
    }
    assert by_type["follow_up"]["executed"] == WEEKS * PER_WEEK[0]
    assert by_type["reply"]["executed"] == 0 and by_type["reply"]["success_rate"] is None
    code, text = run_cli_tty("outcomes", "stats", "--by", "move_type", env=world.d.env)
    assert code == 0 and "move type" in text and "follow_up" in text
    lines = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).splitlines()
    assert max(len(line) for line in lines) <= 80, text

    # Then nothing more happens: three and six weeks on.
    for weeks_on in (0, 3, 6):
        at = T0 + timedelta(weeks=WEEKS + weeks_on)
        world.restart(at)
        a, b = world.learned(probe_a["id"]), world.learned(probe_b["id"])
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
