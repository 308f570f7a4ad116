"""The Action Priority Score: four components computed from facts, plus a learned nudge.

APS = 100 * (w_r * revenue + w_u * urgency + w_s * strategic + w_e * (1 - effort)) + learned,
clamped to 0..100. Each component is 0..1 with a one-line reason; the whole breakdown is
stored on the move so `caseyos queue explain` shows exactly how a score came about.
Scoring is pure: the same inputs and `now` give the same score, so rescoring is cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from daemon.timeparse import business_days_between, next_business_day_start
from daemon.vocabulary import plural

BASE_EFFORT = {
    "reply": 0.3,
    "follow_up": 0.25,
    "meeting_prep": 0.5,
    "meeting_follow_up": 0.35,
    "deal_review": 0.6,
    "task": 0.5,
    "first_touch": 0.5,
    "book_meeting": 0.45,
    "send_proposal": 0.7,
    "renewal": 0.5,
    "check_in": 0.3,
    "data_fix": 0.2,
}
TIER_VALUE = {"A": 0.9, "B": 0.6, "C": 0.35}
# The chance a deal in each of HubSpot's default stages closes won; other stages count half.
# The revenue a move stands for is its deal's amount weighted by this, as in the forecast.
WIN_CHANCE = {
    "appointmentscheduled": 0.2,
    "qualifiedtobuy": 0.4,
    "presentationscheduled": 0.6,
    "decisionmakerboughtin": 0.8,
    "contractsent": 0.9,
}
OTHER_CHANCE = 0.5


def win_chance(stage: str | None) -> float:
    return WIN_CHANCE.get((stage or "").lower(), OTHER_CHANCE)


LIFECYCLE_BONUS = {
    "customer": 0.2,
    "opportunity": 0.2,
    "salesqualifiedlead": 0.1,
    "evangelist": 0.1,
}
SENIOR = (
    "chief",
    "ceo",
    "cfo",
    "cto",
    "coo",
    "cro",
    "founder",
    "owner",
    "president",
    "vp",
    "vice president",
)
MIDDLE = ("head", "director", "lead")


class ScoringError(Exception):
    """A move's inputs could not be scored; the message names the move type and cause."""


@dataclass(frozen=True)
class ScoringConfig:
    weights: dict[str, float]
    typical_deal_size: float
    icp: dict[str, Any]
    tz: ZoneInfo


def _clamp(x: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return max(lo, min(hi, x))


def _money(amount: float) -> str:
    return f"${amount / 1000:.0f}k" if amount >= 1000 else f"${amount:.0f}"


def revenue(inputs: dict[str, Any], cfg: ScoringConfig) -> tuple[float, str]:
    deal = inputs.get("deal") or {}
    amount = deal.get("amount")
    if amount:
        # Money near a signature counts for more than the same money at a first meeting: the
        # amount is weighted by its stage's chance to close against even odds (a deal in a
        # stage of unknown chance counts as its amount).
        chance = win_chance(deal.get("stage"))
        weighted = amount * chance / OTHER_CHANCE
        value = _clamp(0.5 + 0.25 * math.log2(weighted / cfg.typical_deal_size), 0.05, 1.0)
        return value, (
            f"open deal {deal.get('name', '')} {_money(amount)}, {chance:.0%} to close, "
            f"counts {_money(weighted)} vs typical {_money(cfg.typical_deal_size)}"
        ).replace("  ", " ")
    contact = inputs.get("contact") or {}
    if not contact:
        return 0.2, "no deal and no contact to judge fit"
    title = (contact.get("title") or "").lower()
    parts: list[float] = []
    notes: list[str] = []
    if any(w in title for w in SENIOR):
        parts.append(1.0)
        notes.append("senior title")
    elif any(w in title for w in MIDDLE):
        parts.append(0.75)
        notes.append("manager-level title")
    else:
        parts.append(0.35 if title else 0.25)
    icp = cfg.icp or {}
    size = contact.get("company_size")
    lo, hi = icp.get("min_employees"), icp.get("max_employees")
    if size and (lo or hi):
        fits = (lo is None or size >= lo) and (hi is None or size <= hi)
        parts.append(1.0 if fits else 0.4)
        notes.append(f"{size} employees {'in' if fits else 'outside'} ICP")
    industry = (contact.get("industry") or "").lower()
    icp_industries = [i.lower() for i in icp.get("industries") or []]
    if industry and icp_industries:
        fits = industry in icp_industries
        parts.append(1.0 if fits else 0.4)
        notes.append(f"{industry} {'is' if fits else 'is not'} an ICP industry")
    # Without a deal, fit alone never outranks real pipeline money.
    value = 0.6 * sum(parts) / len(parts)
    return value, "no open deal; ICP fit: " + (", ".join(notes) or "unknown")


def urgency(inputs: dict[str, Any], now: datetime, cfg: ScoringConfig) -> tuple[float, str]:
    u = inputs.get("urgency") or {}
    basis = u.get("basis")
    if basis == "reply":
        since = datetime.fromisoformat(u["since"])
        hours = max(0.0, (now - since).total_seconds() / 3600)
        return (
            _clamp(REPLY_FLOOR + (1 - REPLY_FLOOR) * (1 - math.exp(-hours / 48))),
            f"their message has waited {_span(hours)}; the next move is yours",
        )
    if basis == "follow_up":
        since = datetime.fromisoformat(u["since"])
        days = business_days_between(since, now, cfg.tz)
        threshold = int(u.get("threshold", 3))
        value, phase = follow_up_curve(days, threshold)
        return (
            value,
            f"no answer for {plural(days, 'business day')} (follow up after {threshold}); " + phase,
        )
    if basis == "meeting":
        start = datetime.fromisoformat(u["at"])
        hours = (start - now).total_seconds() / 3600
        if hours <= 0:
            return 1.0, "the meeting has started"
        return _clamp(1 - hours / 48, 0.2, 1.0), f"starts in {_span(hours)}"
    if basis == "due":
        due = datetime.fromisoformat(u["at"])
        hours = (now - due).total_seconds() / 3600
        if hours >= 0:
            return _clamp(0.6 + 0.4 * min(1.0, hours / 168)), f"due {_span(hours)} ago"
        return _clamp(0.6 - 0.3 * min(1.0, -hours / 168), 0.3, 0.6), f"due in {_span(-hours)}"
    if basis == "stage":
        # Moves that know when the deal entered its stage grow more urgent day by day; older
        # ones carry the days counted when they were proposed.
        entered = u.get("since")
        in_stage = (
            float(max(0, (now - datetime.fromisoformat(entered)).days))
            if entered
            else float(u.get("days_in_stage", 0))
        )
        normal = float(u.get("normal_days", 14)) or 14.0
        ratio = in_stage / normal
        return (
            _clamp(0.3 + 0.35 * (ratio - 1), 0.3, 1.0),
            f"{plural(round(in_stage), 'day')} in stage vs {normal:.0f} normal",
        )
    return 0.3, "no time pressure known"


# Whose turn it is: a contact's message waiting on the operator starts above where chasing
# our own unanswered mail ever peaks, and climbs from there.
REPLY_FLOOR = 0.6
FOLLOW_UP_EARLY = 0.25  # not due yet
FOLLOW_UP_DUE = 0.45  # on the day it falls due
FOLLOW_UP_PEAK = 0.6  # a couple of business days after it fell due
FOLLOW_UP_PEAK_AFTER = 2  # business days past the threshold
FOLLOW_UP_COLD = 0.35  # the thread has gone cold...
FOLLOW_UP_COLD_DAYS = 10  # ...this many business days after our message (at the earliest)
FOLLOW_UP_FLOOR = 0.15


def follow_up_curve(days: int, threshold: int) -> tuple[float, str]:
    """What chasing our own unanswered mail is worth after `days` business days of silence:
    it rises over the first days past the threshold, peaks, then falls as the thread goes
    cold. Returns the urgency and the phase, in words."""
    peak_day = threshold + FOLLOW_UP_PEAK_AFTER
    cold_day = max(FOLLOW_UP_COLD_DAYS, peak_day + 3)
    if days < threshold:
        return FOLLOW_UP_EARLY, "not due yet"
    if days <= peak_day:
        step = (FOLLOW_UP_PEAK - FOLLOW_UP_DUE) / FOLLOW_UP_PEAK_AFTER
        value = FOLLOW_UP_DUE + step * (days - threshold)
        return value, "best followed up now" if days == peak_day else "rising"
    if days <= cold_day:
        share = (days - peak_day) / (cold_day - peak_day)
        return FOLLOW_UP_PEAK - (FOLLOW_UP_PEAK - FOLLOW_UP_COLD) * share, "cooling off"
    value = max(FOLLOW_UP_FLOOR, FOLLOW_UP_COLD * math.exp(-(days - cold_day) / 10))
    return value, "the thread has gone cold"


# How far apart the moments are at which a climbing urgency is worth scoring again. Between
# two of them the score drifts by well under a point (see tests/test_rescoring.py).
REPLY_STEP = timedelta(hours=1)
REPLY_FLAT_AFTER = timedelta(days=15)  # 1 - exp(-360/48): within 0.001 of its ceiling
MEETING_FAR_STEP = timedelta(minutes=30)
MEETING_NEAR_STEP = timedelta(minutes=15)
MEETING_NEAR = timedelta(hours=4)
DUE_STEP = timedelta(hours=1)
DUE_RAMP = timedelta(hours=168)
STAGE_STEP = timedelta(days=1)
MEETING_FLOOR_HOURS = 48 * 0.8  # urgency 1 - h/48 sits at its 0.2 floor before this


def _next_step(origin: datetime, now: datetime, step: timedelta) -> datetime:
    """The first instant origin + k * step (k any integer) strictly after now."""
    return origin + step * ((now - origin) // step + 1)


def next_change(inputs: dict[str, Any], now: datetime, cfg: ScoringConfig) -> datetime | None:
    """When the score of these inputs next changes with time alone; None if it never does.

    Urgency is the only part that depends on `now` (the learned nudge decays too, but the
    pipeline follows that separately). A continuous curve is sampled at steps small enough
    that a move is never more than a fraction of a point away from its exact score.
    """
    try:
        return _next_change(inputs.get("urgency") or {}, now, cfg)
    except Exception as exc:
        raise ScoringError(f"cannot schedule a {inputs.get('move_type')} move: {exc!r}") from exc


def _next_change(u: dict[str, Any], now: datetime, cfg: ScoringConfig) -> datetime | None:
    basis = u.get("basis")
    if basis == "reply":
        since = datetime.fromisoformat(u["since"])
        if now - since >= REPLY_FLAT_AFTER:
            return None
        return since + REPLY_STEP if now < since else _next_step(since, now, REPLY_STEP)
    if basis == "follow_up":
        # Business days are counted in whole local days: the count moves at the start of
        # each Mon-Fri day, and never settles while nobody answers.
        since = datetime.fromisoformat(u["since"])
        return next_business_day_start(max(now, since), cfg.tz)
    if basis == "meeting":
        start = datetime.fromisoformat(u["at"])
        if now >= start:
            return None
        floor_until = start - timedelta(hours=MEETING_FLOOR_HOURS)
        if now < floor_until:
            return floor_until
        step = MEETING_NEAR_STEP if start - now <= MEETING_NEAR else MEETING_FAR_STEP
        return min(start, _next_step(start, now, step))
    if basis == "due":
        due = datetime.fromisoformat(u["at"])
        if now - due >= DUE_RAMP:
            return None
        if due - now > DUE_RAMP:
            return due - DUE_RAMP
        return _next_step(due, now, DUE_STEP)
    if basis == "stage" and u.get("since"):
        since = datetime.fromisoformat(u["since"])
        normal = float(u.get("normal_days", 14)) or 14.0
        # 0.3 + 0.35 * (ratio - 1) reaches its ceiling of 1.0 at three times the normal stay.
        if (now - since).days >= 3 * normal:
            return None
        return _next_step(since, now, STAGE_STEP)
    return None


PRIORITY_BONUS = {"HIGH": 0.25, "MEDIUM": 0.1}


def strategic(inputs: dict[str, Any]) -> tuple[float, str]:
    contact = inputs.get("contact") or {}
    if contact.get("starred"):
        return 1.0, "starred by you"
    tier = contact.get("tier")
    value = TIER_VALUE.get(tier or "", 0.3)
    notes = [f"tier {tier} account" if tier else "no account tier"]
    stage = (contact.get("lifecycle_stage") or "").lower()
    bonus = LIFECYCLE_BONUS.get(stage, 0.0)
    if stage:
        notes.append(f"lifecycle {stage}")
    priority = (inputs.get("priority") or "").upper()
    if priority in PRIORITY_BONUS:
        bonus += PRIORITY_BONUS[priority]
        notes.append(f"{priority.lower()} priority in the CRM")
    return _clamp(value + bonus), ", ".join(notes)


def effort(inputs: dict[str, Any]) -> tuple[float, str]:
    base = BASE_EFFORT.get(inputs.get("move_type", ""), 0.5)
    if inputs.get("prepared"):
        return base * 0.5, "action prepared (draft ready)"
    return base, f"typical effort for a {inputs.get('move_type', 'move').replace('_', ' ')}"


def _span(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))}m"
    if hours < 48:
        return f"{hours:.0f}h"
    return f"{hours / 24:.0f}d"


def score(
    inputs: dict[str, Any], now: datetime, cfg: ScoringConfig, learned: tuple[float, str]
) -> tuple[float, dict[str, Any]]:
    try:
        return _score(inputs, now, cfg, learned)
    except Exception as exc:
        raise ScoringError(f"cannot score a {inputs.get('move_type')} move: {exc!r}") from exc


def _score(
    inputs: dict[str, Any], now: datetime, cfg: ScoringConfig, learned: tuple[float, str]
) -> tuple[float, dict[str, Any]]:
    parts = {
        "revenue": revenue(inputs, cfg),
        "urgency": urgency(inputs, now, cfg),
        "strategic": strategic(inputs),
        "effort": effort(inputs),
    }
    components: dict[str, Any] = {}
    total = 0.0
    for name, (value, reason) in parts.items():
        weight = cfg.weights[name]
        contribution = value if name != "effort" else 1 - value
        points = 100 * weight * contribution
        total += points
        components[name] = {
            "value": round(value, 3),
            "weight": round(weight, 3),
            "points": round(points, 1),
            "reason": reason,
        }
    adj, why = learned
    adj = max(-20.0, min(20.0, adj))
    aps = round(max(0.0, min(100.0, total + adj)), 1)
    return aps, {
        "components": components,
        "learned": {"points": round(adj, 1), "reason": why},
        "total": aps,
        "scored_at": now.isoformat(),
    }
