"""proposal: a deal reached the proposal stage and no proposal went out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from agents.base import (
    Agent,
    ContactFacts,
    DealFacts,
    DocumentFacts,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    score_inputs,
    when,
    words,
)

# HubSpot's default pipeline has no "proposal" stage: the proposal goes out once the
# decision maker bought in, before the contract ("contractsent" means it already went).
# Pipelines with a stage named Proposal import it as "proposal".
STAGES = ("decisionmakerboughtin", "proposal")
WORDS = ("proposal", "pricing", "quote", "order form")


class ProposalDue(Agent):
    """Proposes `send_proposal` when an open deal entered a proposal stage (the `stages`
    knob, HubSpot stage ids) and none of our mail to the deal's contacts since mentions a
    proposal, pricing or a quote (the `words` knob). A deal that waits in this stage without
    a proposal is the pipeline's most expensive silence. The move links the Drive document
    whose name holds the company's or the deal's name, preferring one that says proposal,
    and comes with a cover email to fill in. Settled when a proposal email goes out or the
    deal moves stage."""

    name = "proposal"
    domain = "sales"
    description = "Proposes sending a proposal when a deal reached the proposal stage without one."
    consumes = frozenset({"deal.proposal_stage"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "stages": Knob(STAGES, "deal stage ids that mean a proposal is due"),
        "words": Knob(WORDS, "words in our mail that mean a proposal went out"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        stages = words(await self.knob(facts, "stages"))
        said = words(await self.knob(facts, "words"))
        proposals = []
        for sig in signals:
            if sig.deal_id is None:
                continue
            deal = await facts.deal(sig.deal_id)
            if deal is None or deal.stage.lower() not in stages:
                continue
            entered = deal.stage_entered_at or sig.occurred_at
            sent = await facts.sent_to(deal.contact_ids, entered)
            if any(mentions(f"{m.subject} {m.snippet}", said) for m in sent):
                continue
            people = [await facts.contact(i) for i in deal.contact_ids]
            to = [c for c in people if c is not None and not getattr(c, "do_not_contact", False)]
            lead = to[0] if to else None
            company = next((c.company_name for c in to if c.company_name), None)
            doc = pick_document(
                await facts.documents(deal.company_id, names(deal, company)),
                names(deal, company),
                said,
            )
            why = f"{deal.summary} entered {deal.stage_label} {when(entered, facts)}"
            why += "; no proposal sent since" if to else "; no contact on the deal to send it to"
            if doc is not None:
                why += f". Drive has “{doc.name}”"
            proposals.append(
                Proposal(
                    dedup_key=f"send_proposal:{deal.id}:{deal.stage}",
                    move_type="send_proposal",
                    title=f"Send proposal for {deal.name}",
                    why_now=why + ".",
                    due_at=entered,
                    contact_id=lead.id if lead else None,
                    company_id=deal.company_id,
                    deal_id=deal.id,
                    score_inputs=score_inputs(
                        "send_proposal",
                        entered,
                        {
                            "basis": "stage",
                            "since": entered.isoformat(),
                            "normal_days": 7,
                        },
                        contact=lead,
                        deal=deal,
                        prepared=doc is not None,
                    ),
                    prepared_action=draft(deal, to, doc),
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind == "deal.stage_changed" and signal.deal_id is not None:
            return [Resolution("send_proposal", "deal_id", signal.deal_id, "the deal moved stage")]
        if signal.kind == "email.sent" and signal.contact_id is not None:
            text = f"{signal.payload.get('subject', '')} {signal.payload.get('snippet', '')}"
            if mentions(text, WORDS):
                return [
                    Resolution(
                        "send_proposal", "contact_id", signal.contact_id, "you sent a proposal"
                    )
                ]
        return []


def mentions(text: str, said: Sequence[str]) -> bool:
    """Whether `text` holds one of `said` as whole words, ignoring case."""
    low = text.lower()
    return any(re.search(rf"\b{re.escape(w)}\b", low) for w in said)


def names(deal: DealFacts, company: str | None) -> list[str]:
    """What a matching file's name holds: the company, the deal, the deal's account part
    ('Acme' of 'Acme - Expansion')."""
    found = [deal.name, re.split(r"\s+[-–—:|]\s+", deal.name)[0]]
    if company:
        found.append(company)
    return sorted({n.strip() for n in found if len(n.strip()) >= 3}, key=lambda n: (-len(n), n))


def pick_document(
    docs: Sequence[DocumentFacts], wanted: Sequence[str], said: Sequence[str]
) -> DocumentFacts | None:
    """The newest file named after the deal or company, one that says proposal first."""
    named = [d for d in docs if any(n.lower() in d.name.lower() for n in wanted)]
    saying = [d for d in named if mentions(d.name, said)]
    return next(iter(saying or named), None)


def draft(deal: DealFacts, to: list[ContactFacts], doc: DocumentFacts | None) -> dict[str, object]:
    hello = " and ".join(c.first_name for c in to[:2]) or "there"
    attached = (
        f"The proposal is here: {doc.link or doc.name}"
        if doc is not None
        else "The proposal is attached."
    )
    body = "\n".join(
        [
            f"Hi {hello},",
            "",
            f"As promised, here is our proposal for {deal.name}.",
            attached,
            "",
            "Happy to walk you through it; would a short call this week work?",
        ]
    )
    action: dict[str, object] = {
        "type": "send_email",
        "to": [c.email for c in to],
        "subject": f"Proposal: {deal.name}",
        "body": body,
    }
    if doc is not None:
        action["document"] = {"name": doc.name, "link": doc.link}
    return action
