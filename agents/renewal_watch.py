"""renewal_watch: a customer's renewal deal closes within the window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar

from agents.base import Agent, Facts, Knob, Proposal, Resolution, SignalView, money, score_inputs


class RenewalWatch(Agent):
    """Proposes `renewal` when an open renewal deal closes within `window_days` (60): a
    renewal worked two months ahead is a conversation, one worked the week before is a
    rescue. A renewal is what the CRM import carries: a deal whose pipeline or name holds
    one of the `markers` ("renewal"), by its close date (company records carry no contract
    end date). One move per deal, updated if the date moves; settled when the deal changes
    to won or lost."""

    name = "renewal_watch"
    domain = "sales"
    description = "Proposes working a customer's renewal when its deal closes within the window."
    consumes = frozenset({"deal.renewal_due"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "window_days": Knob(60, "days before a renewal's close date it becomes a move"),
        "markers": Knob(("renewal",), "words in a deal's pipeline or name that mark a renewal"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        for sig in signals:
            if sig.deal_id is None:
                continue
            deal = await facts.deal(sig.deal_id)
            if deal is None or deal.stage.lower() in ("closedwon", "closedlost"):
                continue
            closes = date.fromisoformat(str(sig.payload["close_date"]))
            days = (closes - facts.local(facts.now).date()).days
            if days < 0:
                continue
            contact = await facts.contact(deal.contact_ids[0]) if deal.contact_ids else None
            why = (
                f"{deal.name} ({money(deal.amount)}) is up for renewal on {closes:%a} "
                f"{closes.day} {closes:%b %Y}, in {days} days; it is in {deal.stage_label}"
            )
            if contact is not None:
                why += f". Main contact: {contact.display}"
            proposals.append(
                Proposal(
                    dedup_key=f"renewal:{deal.id}",
                    move_type="renewal",
                    title=f"Work the renewal of {deal.name}",
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    contact_id=contact.id if contact else None,
                    company_id=deal.company_id,
                    deal_id=deal.id,
                    score_inputs=score_inputs(
                        "renewal",
                        sig.occurred_at,
                        {"basis": "due", "at": f"{closes.isoformat()}T00:00:00+00:00"},
                        contact=contact,
                        deal=deal,
                    ),
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        closed = str(signal.payload.get("to", "")).lower() in ("closedwon", "closedlost")
        if signal.kind == "deal.stage_changed" and signal.deal_id is not None and closed:
            return [Resolution("renewal", "deal_id", signal.deal_id, "the renewal closed")]
        return []
