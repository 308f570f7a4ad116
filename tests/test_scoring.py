"""APS from facts: bounded, monotonic where it should be, explained by its breakdown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.scoring import ScoringConfig, score
from daemon.domain.settings import DEFAULT_WEIGHTS

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)
CFG = ScoringConfig(
    weights=DEFAULT_WEIGHTS,
    typical_deal_size=25000,
    icp={"industries": ["fintech"], "min_employees": 50, "max_employees": 1000},
    tz=ZoneInfo("America/New_York"),
)
NONE = (0.0, "no history yet")


def reply(hours_ago: float, **extra: object) -> dict:
    return {
        "move_type": "reply",
        "urgency": {"basis": "reply", "since": (NOW - timedelta(hours=hours_ago)).isoformat()},
        "contact": {"title": "VP Finance", "company_size": 200, "industry": "fintech", "tier": "B"},
        "deal": None,
        "prepared": False,
        **extra,
    }


def test_older_unanswered_mail_scores_higher() -> None:
    scores = [score(reply(h), NOW, CFG, NONE)[0] for h in (1, 12, 48, 120)]
    assert scores == sorted(scores) and scores[0] < scores[-1]


def test_bigger_deals_score_higher_and_revenue_is_capped() -> None:
    def with_deal(amount: float) -> float:
        return score(reply(24, deal={"name": "D", "stage": "x", "amount": amount}), NOW, CFG, NONE)[
            1
        ]["components"]["revenue"]["value"]

    values = [with_deal(a) for a in (5000, 25000, 100000, 10_000_000)]
    assert values == sorted(values)
    assert values[1] == pytest.approx(0.5)
    assert values[-1] == 1.0


def test_the_same_money_nearer_a_signature_is_worth_more() -> None:
    """Revenue weighs a deal's amount by its stage's chance to close (the forecast's), so a
    $48k contract out for signature counts for more than $60k still being qualified."""

    def revenue(stage: str, amount: float) -> dict:
        deal = {"name": "D", "stage": stage, "amount": amount}
        return score(reply(24, deal=deal), NOW, CFG, NONE)[1]["components"]["revenue"]

    stages = ["appointmentscheduled", "qualifiedtobuy", "decisionmakerboughtin", "contractsent"]
    values = [revenue(s, 40000)["value"] for s in stages]
    assert values == sorted(values) and values[0] < values[-1]
    assert revenue("contractsent", 48000)["value"] > revenue("qualifiedtobuy", 60000)["value"]
    # A stage of unknown chance (another pipeline) counts at even odds: its plain amount.
    assert revenue("legal_review", 25000)["value"] == pytest.approx(0.5)
    assert "90% to close" in revenue("contractsent", 48000)["reason"]


def test_breakdown_adds_up_and_learned_is_bounded() -> None:
    aps, b = score(reply(30), NOW, CFG, (55.0, "from past outcomes"))
    assert b["learned"]["points"] == 20.0
    parts = sum(c["points"] for c in b["components"].values())
    assert aps == pytest.approx(min(100.0, parts + 20.0), abs=0.1)
    low, _ = score(reply(30), NOW, CFG, (-99.0, "ignored a lot"))
    assert 0.0 <= low < aps <= 100.0


def test_prepared_actions_cost_less_effort() -> None:
    plain = score(reply(5), NOW, CFG, NONE)[1]["components"]["effort"]["value"]
    ready = score(reply(5, prepared=True), NOW, CFG, NONE)[1]["components"]["effort"]["value"]
    assert ready < plain


def test_meetings_get_more_urgent_as_they_approach() -> None:
    def at(hours: float) -> float:
        inputs = {
            "move_type": "meeting_prep",
            "contact": None,
            "deal": None,
            "urgency": {"basis": "meeting", "at": (NOW + timedelta(hours=hours)).isoformat()},
        }
        return score(inputs, NOW, CFG, NONE)[1]["components"]["urgency"]["value"]

    assert at(1) > at(6) > at(30)
    assert at(-1) == 1.0


def test_deals_longer_in_stage_are_more_urgent() -> None:
    def days(n: int) -> tuple[float, str]:
        inputs = {
            "move_type": "deal_review",
            "contact": None,
            "deal": {"name": "D", "stage": "contractsent", "amount": 48000},
            "urgency": {"basis": "stage", "days_in_stage": n, "normal_days": 14},
        }
        c = score(inputs, NOW, CFG, NONE)[1]["components"]["urgency"]
        return c["value"], c["reason"]

    assert days(14)[0] < days(28)[0] < days(60)[0] <= 1.0
    assert days(28)[1] == "28 days in stage vs 14 normal"
    assert days(1)[1] == "1 day in stage vs 14 normal"


def test_a_follow_up_one_business_day_old_says_day() -> None:
    inputs = {
        "move_type": "follow_up",
        "contact": None,
        "deal": None,
        # Tuesday 10:00 in New York, seen on Wednesday: one business day.
        "urgency": {"basis": "follow_up", "since": "2026-11-24T15:00:00+00:00", "threshold": 3},
    }
    reason = score(inputs, NOW, CFG, NONE)[1]["components"]["urgency"]["reason"]
    assert reason == "no answer for 1 business day (follow up after 3); not due yet"


@pytest.mark.parametrize("basis", ["reply", "follow_up", "meeting", "due", "stage", None])
def test_every_urgency_basis_scores_within_bounds(basis: str | None) -> None:
    at = (NOW - timedelta(days=3)).isoformat()
    inputs = {
        "move_type": "task",
        "contact": None,
        "deal": None,
        "urgency": {"basis": basis, "since": at, "at": at, "days_in_stage": 20},
    }
    aps, b = score(inputs, NOW, CFG, NONE)
    assert 0 <= aps <= 100
    assert all(0 <= c["value"] <= 1 for c in b["components"].values())
    assert all(c["reason"] for c in b["components"].values())


def test_crm_priority_raises_strategic_value_with_its_reason() -> None:
    base = {
        "move_type": "task",
        "deal": None,
        "contact": {"tier": "C"},
        "urgency": {"basis": "due", "at": NOW.isoformat()},
    }
    plain = score(base, NOW, CFG, NONE)[1]["components"]["strategic"]
    high = score({**base, "priority": "HIGH"}, NOW, CFG, NONE)[1]["components"]["strategic"]
    assert high["value"] > plain["value"]
    assert "high priority in the CRM" in high["reason"]
    assert "starred" not in high["reason"]
