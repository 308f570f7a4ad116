"""The domain's fixed words (DOMAIN.md), shared by the daemon and the CLI. Stdlib only."""

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
