"""What the data agents share: a data_fix proposal about records, and closing it when the
daily data check (daemon.domain.detectors.data_quality) no longer finds its issue."""

from __future__ import annotations

from typing import Any

from agents.base import ContactFacts, Proposal, Resolution, SignalView, score_inputs


def data_fix(
    sig: SignalView,
    issue: str,
    title: str,
    why: str,
    prepared: dict[str, Any],
    contact: ContactFacts | None = None,
    company_id: int | None = None,
) -> Proposal:
    """One data_fix move per issue (its key is the issue's), refreshed while it lasts."""
    return Proposal(
        dedup_key=issue,
        move_type="data_fix",
        title=title,
        why_now=why,
        due_at=sig.occurred_at,
        contact_id=contact.id if contact else sig.contact_id,
        company_id=contact.company_id if contact else company_id,
        score_inputs=score_inputs("data_fix", sig.occurred_at, {"basis": "none"}, contact=contact),
        prepared_action=prepared,
        signal_ids=[sig.id],
    )


def issue_of(sig: SignalView) -> str:
    """The issue a data check's signal names: the dedup key of its move."""
    return str(sig.payload["issue"])


def fixed(signal: SignalView) -> list[Resolution]:
    """The daily check found the issue of a pending data_fix move gone."""
    issue = signal.payload.get("issue")
    if signal.kind == "data.fixed" and isinstance(issue, str):
        return [Resolution("data_fix", "dedup_key_prefix", issue, "the record was fixed")]
    return []
