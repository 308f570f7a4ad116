"""The domain's fixed words (docs/DOMAIN.md) and counting them, shared by the daemon and the CLI.

Standard library only.
"""

from __future__ import annotations

from typing import Literal, get_args

OutcomeKind = Literal[
    "replied",
    "meeting_booked",
    "deal_advanced",
    "deal_won",
    "deal_lost",
    "no_response",
    "bounced",
    "unsubscribed",
]
OUTCOME_KINDS: tuple[str, ...] = get_args(OutcomeKind)

MoveStatus = Literal[
    "pending", "accepted", "done", "dismissed", "snoozed", "failed", "expired", "resolved"
]
MOVE_STATUSES: tuple[str, ...] = get_args(MoveStatus)

JobStatus = Literal["running", "succeeded", "failed", "cancelled", "interrupted"]
JOB_STATUSES: tuple[str, ...] = get_args(JobStatus)


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 move', '2 moves', '1,204 companies': the count and its noun, agreeing.

    `noun` is the singular; the plural is regular English unless `many` gives it.
    """
    if count == 1:
        return f"{count:,} {noun}"
    if many is None:
        if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
            many = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "z", "ch", "sh")):
            many = noun + "es"
        else:
            many = noun + "s"
    return f"{count:,} {many}"


def singular(noun: str) -> str:
    """The singular of a regular plural, for counts keyed by plural nouns ('companies')."""
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "sses", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def counted(count: int, plural_noun: str) -> str:
    """`plural` for a noun given in the plural, as import counts name theirs."""
    return plural(count, singular(plural_noun), plural_noun)
