"""nurture: a warm contact nobody touched for a while."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from agents.base import (
    Agent,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    score_inputs,
    when,
    with_contacts,
)

TOUCHES = ("email.sent", "email.received", "email.replied", "meeting.booked")


class Nurture(Agent):
    """Proposes a `check_in` with a warm contact (someone who wrote to us or met us) whom
    nobody touched, no mail either way and no meeting, for `untouched_days` (45): people
    who once engaged are the cheapest pipeline to revive, and they forget us in weeks.
    Not for customers (client_health watches them), not for contacts cold beyond
    `max_days`, never for a contact who asked not to be contacted. Settled by any touch."""

    name = "nurture"
    domain = "sales"
    description = "Proposes a check-in with a warm contact left untouched too long."
    consumes = frozenset({"contact.untouched"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "untouched_days": Knob(45, "days without mail or a meeting before a check-in"),
        "max_days": Knob(365, "days untouched after which a contact counts as cold, not warm"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        async for sig, contact in with_contacts(signals, facts):
            if (contact.lifecycle_stage or "").lower() == "customer":
                continue
            if getattr(contact, "do_not_contact", False):
                continue
            seen = [
                t
                for t in (
                    contact.last_inbound_at,
                    contact.last_outbound_at,
                    contact.last_meeting_at,
                )
                if t is not None
            ]
            last = max(seen, default=None)
            # Only while nothing touched them since the sweep saw it.
            if last is None or last.isoformat() != sig.payload.get("last_touch_at"):
                continue
            days = (facts.now - last).days
            how = (
                "you last met"
                if last == contact.last_meeting_at
                else "they last wrote"
                if last == contact.last_inbound_at
                else "you last wrote"
            )
            deal = await facts.open_deal(contact.id, contact.company_id)
            why = f"Warm contact untouched for {days} days: {how} {when(last, facts)}"
            if deal is not None:
                why += f". Open deal {deal.summary}"
            proposals.append(
                Proposal(
                    dedup_key=f"nurture:{contact.id}:{last.isoformat()}",
                    move_type="check_in",
                    title=f"Check in with {contact.display}",
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    contact_id=contact.id,
                    company_id=contact.company_id,
                    deal_id=deal.id if deal else None,
                    score_inputs=score_inputs(
                        "check_in", last, {"basis": "none"}, contact=contact, deal=deal
                    ),
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind in TOUCHES and signal.contact_id is not None:
            return [Resolution("check_in", "contact_id", signal.contact_id, "you were in touch")]
        return []
