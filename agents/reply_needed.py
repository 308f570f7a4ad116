"""reply_needed: a contact wrote and the operator has not answered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

from agents.base import (
    Agent,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    clip,
    score_inputs,
    when,
)
from agents.follow_up_due import opted_out_reason


class ReplyNeeded(Agent):
    """Proposes a reply, with a draft, when a contact wrote in an external thread and the
    operator has not answered: a question waiting on us is the move most likely to cost a
    deal when it slips. Internal threads, automated mail and messages older than
    `max_age_days` (two weeks) get nothing: by then a reply is a new conversation."""

    name = "reply_needed"
    domain = "sales"
    description = "Proposes a reply when a contact's message in an external thread is unanswered."
    consumes = frozenset({"email.received", "email.replied"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "max_age_days": Knob(
            14, "days after which an unanswered message no longer gets a reply move"
        ),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        max_age = timedelta(days=float(await self.knob(facts, "max_age_days")))
        by_thread: dict[int, list[int]] = {}
        for sig in signals:
            if sig.thread_id is not None:
                by_thread.setdefault(sig.thread_id, []).append(sig.id)
        for thread_id, signal_ids in by_thread.items():
            thread = await facts.thread(thread_id)
            last = thread.last if thread else None
            if thread is None or last is None or thread.is_internal:
                continue
            if last.direction != "inbound" or last.automated or last.contact_id is None:
                continue
            if facts.now - last.sent_at > max_age:
                continue
            contact = await facts.contact(last.contact_id)
            if contact is None:
                continue
            # Their request not to be contacted (and anything before it) wants no answer.
            stop = contact.do_not_contact_at
            if stop is not None and last.sent_at <= stop:
                continue
            deal = await facts.open_deal(contact.id, contact.company_id)
            answered_before = any(m.direction == "outbound" for m in thread.messages)
            verb = "replied" if answered_before else "wrote"
            why = (
                f"{contact.first_name} {verb} {when(last.sent_at, facts)} on "
                f"“{thread.subject}”, not answered yet"
            )
            if last.snippet:
                why += f": “{clip(last.snippet, 90)}”"
            if deal is not None:
                why += f". Open deal {deal.summary}"
            proposals.append(
                Proposal(
                    dedup_key=f"{thread_key(thread_id)}{last.message_id}",
                    move_type="reply",
                    title=f"Reply to {contact.display}",
                    why_now=why + ".",
                    due_at=last.sent_at,
                    contact_id=contact.id,
                    company_id=contact.company_id,
                    deal_id=deal.id if deal else None,
                    thread_id=thread_id,
                    score_inputs=score_inputs(
                        "reply",
                        last.sent_at,
                        {"basis": "reply", "since": last.sent_at.isoformat()},
                        contact=contact,
                        deal=deal,
                    ),
                    prepared_action={
                        "type": "reply_email",
                        "thread_id": thread_id,
                        "to": [contact.email],
                        "subject": _re(thread.subject),
                    },
                    signal_ids=signal_ids,
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind == "email.sent" and signal.thread_id is not None:
            return [
                Resolution(
                    "reply",
                    "dedup_key_prefix",
                    thread_key(signal.thread_id),
                    "you replied",
                )
            ]
        if signal.kind == "contact.opted_out" and signal.contact_id is not None:
            return [Resolution("reply", "contact_id", signal.contact_id, opted_out_reason(signal))]
        return []

    def thread_prefix(self, thread_id: int) -> str | None:
        return thread_key(thread_id)


def thread_key(thread_id: int) -> str:
    """How this agent's dedup keys start: a thread's moves are one range of the key index."""
    return f"reply:{thread_id}:"


def _re(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
