"""follow_up_due: the operator's email got no answer after N business days."""

from __future__ import annotations

from agents.base import Agent, Facts, Proposal, Resolution, SignalView, money, stage_label, when


class FollowUpDue(Agent):
    """Proposes a follow-up, with a bump draft, when the operator's email is still the last
    word in an external thread after the workspace's business days of silence: unanswered
    mail is usually lost in an inbox, not refused. A reply, a new email from the operator or
    a bounce resolves the move."""

    name = "follow_up_due"
    domain = "sales"
    description = "Proposes a follow-up when an outbound email got no answer in time."
    consumes = frozenset({"email.no_reply"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        for sig in signals:
            if sig.thread_id is None or sig.contact_id is None:
                continue
            thread = await facts.thread(sig.thread_id)
            last = thread.last if thread else None
            # Only while our message is still the last word in the thread.
            if thread is None or last is None or last.message_id != sig.payload.get("message_id"):
                continue
            contact = await facts.contact(sig.contact_id)
            if contact is None:
                continue
            deal = await facts.open_deal(contact.id, contact.company_id)
            days = facts.business_days_between(last.sent_at, facts.now)
            threshold = int(sig.payload.get("business_days", 3))
            why = (
                f"You emailed {contact.first_name} {when(last.sent_at, facts)} about "
                f"“{thread.subject}”; no answer after {days} business days"
            )
            if deal is not None:
                why += f". {deal.name} ({money(deal.amount)}) is in {stage_label(deal.stage)}"
            proposals.append(
                Proposal(
                    dedup_key=f"{thread_key(sig.thread_id)}{last.message_id}",
                    move_type="follow_up",
                    title=f"Follow up with {contact.display}",
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    contact_id=contact.id,
                    company_id=contact.company_id,
                    deal_id=deal.id if deal else None,
                    thread_id=sig.thread_id,
                    score_inputs={
                        "move_type": "follow_up",
                        "fact_at": last.sent_at.isoformat(),
                        "urgency": {
                            "basis": "follow_up",
                            "since": last.sent_at.isoformat(),
                            "threshold": threshold,
                        },
                        "contact": contact.scoring(),
                        "deal": deal.scoring() if deal else None,
                        "prepared": False,
                    },
                    prepared_action={
                        "type": "reply_email",
                        "thread_id": sig.thread_id,
                        "to": [contact.email],
                        "subject": f"Re: {thread.subject}",
                    },
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        # The move's history records when; the reason says only what happened, so every
        # front end shows the time its own way (in the operator's zone).
        if signal.kind in ("email.received", "email.replied") and signal.thread_id is not None:
            return [Resolution("follow_up", *by_thread(signal.thread_id), "they answered")]
        if signal.kind == "email.sent" and signal.thread_id is not None:
            return [Resolution("follow_up", *by_thread(signal.thread_id), "you wrote again")]
        if signal.kind == "email.bounced" and signal.contact_id is not None:
            return [Resolution("follow_up", "contact_id", signal.contact_id, "the address bounced")]
        return []

    def thread_prefix(self, thread_id: int) -> str | None:
        return thread_key(thread_id)


def thread_key(thread_id: int) -> str:
    """How this agent's dedup keys start: a thread's moves are one range of the key index."""
    return f"follow_up:{thread_id}:"


def by_thread(thread_id: int) -> tuple[str, str]:
    """A resolution's (ref, value) for this agent's moves about a thread."""
    return "dedup_key_prefix", thread_key(thread_id)
