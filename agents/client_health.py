"""client_health: a customer went quiet, wrote negatively, or waits for an answer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from agents.base import (
    Agent,
    ContactFacts,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    clip,
    score_inputs,
    when,
    with_contacts,
    words,
)

# Said by an unhappy customer, seldom by a happy one: each matches at the start of a word
# ("frustrat" finds frustrated and frustrating). "cancel" alone is not here: "can we cancel
# Tuesday's call" is no risk.
NEGATIVE = (
    "cancel our",
    "cancel my",
    "cancel the contract",
    "cancel the subscription",
    "cancellation",
    "disappoint",
    "frustrat",
    "unhappy",
    "not happy",
    "unacceptable",
    "terminate",
    "termination",
    "refund",
    "escalat",
    "complain",
    "switching to",
    "not renew",
    "not to renew",
    "downgrade",
)


def negative(text: str, phrases: Sequence[str] = NEGATIVE) -> str | None:
    """The first phrase of `phrases` that `text` holds at a word start, ignoring case."""
    low = " ".join(text.lower().split())
    return next((p for p in phrases if re.search(rf"\b{re.escape(p)}", low)), None)


class ClientHealth(Agent):
    """Proposes a `check_in` (a risk) on a customer (lifecycle stage customer) who went
    quiet (no mail from them for `quiet_days`), wrote something negative (cancel our
    contract, disappointed, refund... the `negative_words` knob), or whose mail has waited
    for an answer longer than `unanswered_days`. Customers leave quietly; the first sign is
    silence or one unhappy sentence. One move per customer and last message from them (a negative
    mail left unanswered is one move), settled when you write to them, or, for silence,
    when they write."""

    name = "client_health"
    domain = "sales"
    description = "Proposes a check-in when a customer goes quiet, complains or waits on us."
    consumes = frozenset({"customer.quiet", "customer.unanswered", "email.received"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "quiet_days": Knob(30, "days without mail from a customer before it is a risk"),
        "unanswered_days": Knob(3, "days a customer's mail may wait for an answer"),
        "negative_words": Knob(NEGATIVE, "phrases that make a customer's mail a risk"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        phrases = words(await self.knob(facts, "negative_words"))
        proposals = []
        async for sig, contact in with_contacts(signals, facts):
            if (contact.lifecycle_stage or "").lower() != "customer":
                continue
            inbound = contact.last_inbound_at
            if sig.kind == "email.received":
                if sig.payload.get("automated"):
                    continue
                text = f"{sig.payload.get('subject', '')} {sig.payload.get('snippet', '')}"
                said = negative(text, phrases)
                if said is None:
                    continue
                why = (
                    f"{contact.first_name} wrote {when(sig.occurred_at, facts)}: "
                    f"“{clip(str(sig.payload.get('snippet') or text), 90)}” (says “{said}”)"
                )
                since = sig.occurred_at
            else:
                # Only while the situation the signal saw still holds.
                if inbound is None or inbound.isoformat() != sig.payload.get("last_inbound_at"):
                    continue
                answered = contact.last_outbound_at is not None and (
                    contact.last_outbound_at >= inbound
                )
                if sig.kind == "customer.unanswered" and answered:
                    continue
                days = (facts.now - inbound).days
                since = inbound
                why = (
                    f"{contact.first_name}'s mail of {when(inbound, facts)} has waited "
                    f"{days} days for an answer"
                    if sig.kind == "customer.unanswered"
                    else f"No mail from {contact.first_name} for {days} days "
                    f"(last {when(inbound, facts)})"
                )
            quiet = sig.kind == "customer.quiet"
            key = f"{quiet_key(contact.id) if quiet else f'client_health:{contact.id}:'}"
            proposals.append(self._move(contact, sig, key + since.isoformat(), why))
        return proposals

    def _move(self, contact: ContactFacts, sig: SignalView, key: str, why: str) -> Proposal:
        at = sig.occurred_at
        return Proposal(
            dedup_key=key,
            move_type="check_in",
            title=f"Check in with {contact.display} (at risk)",
            why_now=f"Customer at risk: {why}.",
            due_at=at,
            contact_id=contact.id,
            company_id=contact.company_id,
            score_inputs=score_inputs(
                "check_in",
                at,
                {"basis": "reply", "since": at.isoformat()},
                contact=contact,
                risk=True,
            ),
            signal_ids=[sig.id],
        )

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.contact_id is None:
            return []
        if signal.kind == "email.sent":
            return [Resolution("check_in", "contact_id", signal.contact_id, "you wrote")]
        if signal.kind == "email.received" and not signal.payload.get("automated"):
            return [
                Resolution(
                    "check_in", "dedup_key_prefix", quiet_key(signal.contact_id), "they wrote"
                )
            ]
        return []


def quiet_key(contact_id: int) -> str:
    """How the keys of this agent's moves about a quiet customer start."""
    return f"client_health:quiet:{contact_id}:"
