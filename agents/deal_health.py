"""deal_health: an open deal stalled in its stage, or its close date passed."""

from __future__ import annotations

from agents.base import Agent, Facts, Proposal, Resolution, SignalView, money, stage_label, when


class DealHealth(Agent):
    name = "deal_health"
    domain = "sales"
    description = "Proposes a deal review when a deal stalls in its stage or misses its close date."
    consumes = frozenset({"deal.stalled", "deal.close_date_passed"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        for sig in signals:
            if sig.deal_id is None:
                continue
            deal = await facts.deal(sig.deal_id)
            if deal is None or deal.stage.lower() in ("closedwon", "closedlost"):
                continue
            contact = await facts.contact(deal.contact_ids[0]) if deal.contact_ids else None
            entered = deal.stage_entered_at or sig.occurred_at
            days = max(0, (facts.now - entered).days)
            if sig.kind == "deal.stalled":
                why = (
                    f"{deal.name} ({money(deal.amount)}) has been in "
                    f"{stage_label(deal.stage)} for {days} days"
                )
                if deal.last_activity_at:
                    why += f"; last activity {when(deal.last_activity_at, facts)}"
                key = f"deal_review:{deal.id}:{deal.stage}"
                title = f"Review stalled deal {deal.name}"
            else:
                why = (
                    f"The close date of {deal.name} ({money(deal.amount)}) passed on "
                    f"{sig.payload.get('close_date')}; update it or the stage"
                )
                key = f"deal_review:{deal.id}:close:{sig.payload.get('close_date')}"
                title = f"Update close date of {deal.name}"
            if contact is not None:
                why += f". Main contact: {contact.display}"
            proposals.append(
                Proposal(
                    dedup_key=key,
                    move_type="deal_review",
                    title=title,
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    contact_id=contact.id if contact else None,
                    company_id=deal.company_id,
                    deal_id=deal.id,
                    score_inputs={
                        "move_type": "deal_review",
                        "fact_at": sig.occurred_at.isoformat(),
                        "urgency": {
                            "basis": "stage",
                            "days_in_stage": days,
                            "since": entered.isoformat(),
                            "normal_days": sig.payload.get("stalled_days", 14),
                        },
                        "contact": contact.scoring() if contact else None,
                        "deal": deal.scoring(),
                        "prepared": False,
                    },
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind == "deal.stage_changed" and signal.deal_id is not None:
            return [Resolution("deal_review", "deal_id", signal.deal_id, "the deal moved stage")]
        return []
