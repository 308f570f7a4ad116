"""deal_health: an open deal stalled in its stage, or its close date passed."""

from __future__ import annotations

from agents.base import (
    Agent,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    money,
    score_inputs,
    stage_label,
    when,
)


class DealHealth(Agent):
    """Proposes a deal review for an open deal that has sat in one stage longer than
    `stalled_days` (time in a stage is the plainest sign a deal lost momentum: emails alone
    do not move it on), and an update when a deal's close date passed while it is still
    open, because a forecast built on past dates is wrong. Closed deals get nothing."""

    name = "deal_health"
    domain = "sales"
    description = "Proposes a deal review when a deal stalls in its stage or misses its close date."
    consumes = frozenset({"deal.stalled", "deal.close_date_passed"})
    knobs = {  # noqa: RUF012
        "stalled_days": Knob(14, "days in one stage before an open deal counts as stalled"),
        "close_dates": Knob(True, "whether a passed close date on an open deal gets a move"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        stalled_days = await self.knob(facts, "stalled_days")
        close_dates = await self.knob(facts, "close_dates")
        for sig in signals:
            if sig.deal_id is None:
                continue
            if sig.kind == "deal.close_date_passed" and not close_dates:
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
                    score_inputs=score_inputs(
                        "deal_review",
                        sig.occurred_at,
                        {
                            "basis": "stage",
                            "days_in_stage": days,
                            "since": entered.isoformat(),
                            "normal_days": sig.payload.get("stalled_days", stalled_days),
                        },
                        contact=contact,
                        deal=deal,
                    ),
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind == "deal.stage_changed" and signal.deal_id is not None:
            return [Resolution("deal_review", "deal_id", signal.deal_id, "the deal moved stage")]
        return []
