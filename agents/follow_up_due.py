"""follow_up_due: the operator's email got no real answer after N business days.

An out-of-office reply is no answer: the clock runs on, and the move says when the contact
said they would be back (and is due then). After `max_bumps` unanswered follow-ups the
thread gets one close-the-loop move with a break-up email draft instead of another bump,
and after that nothing. A contact who asked not to be contacted is never followed up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, ClassVar

from agents.base import (
    Agent,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    ThreadFacts,
    money,
    score_inputs,
    stage_label,
    when,
)

CLOSE_THE_LOOP = "close_the_loop"
# When a contact back from leave is due a follow-up: the start of their working day.
BACK_AT = time(9, 0)


class FollowUpDue(Agent):
    """Proposes a follow-up, with a bump draft, when the operator's email is still the last
    word in an external thread after the workspace's business days of silence: unanswered
    mail is usually lost in an inbox, not refused. A reply, a new email from the operator or
    a bounce resolves the move."""

    name = "follow_up_due"
    domain = "sales"
    description = "Proposes a follow-up when an outbound email got no answer in time."
    consumes = frozenset({"email.no_reply"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "business_days": Knob(
            3, "business days of silence after the operator's email before a follow-up is due"
        ),
        "business_days_by_stage": Knob(
            {},
            "the same wait for contacts in particular lifecycle stages, as stage=days pairs "
            "(e.g. opportunity=2,customer=5); other stages wait business_days",
        ),
        "max_bumps": Knob(
            3,
            "unanswered follow-ups on a thread before it gets one close-the-loop email "
            "instead of another bump (and then nothing)",
        ),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        max_bumps = int(await self.knob(facts, "max_bumps"))
        for sig in signals:
            if sig.thread_id is None or sig.contact_id is None:
                continue
            thread = await facts.thread(sig.thread_id)
            last = thread.last_real if thread else None
            # Only while our message is still the last word in the thread (an automatic
            # answer is no word).
            if thread is None or last is None or last.message_id != sig.payload.get("message_id"):
                continue
            contact = await facts.contact(sig.contact_id)
            if contact is None or contact.do_not_contact:
                continue
            bumps = unanswered_bumps(thread)
            if bumps > max_bumps:
                continue  # the close-the-loop email went out (or more): leave it be
            closing = bumps == max_bumps
            deal = await facts.open_deal(contact.id, contact.company_id)
            days = facts.business_days_between(last.sent_at, facts.now)
            threshold = int(sig.payload.get("business_days", 3))
            why = (
                f"You emailed {contact.first_name} {when(last.sent_at, facts)} about "
                f"“{thread.subject}”; no answer after {days} business days"
            )
            if closing:
                why += (
                    f", and {bumps} follow-up{'s' if bumps != 1 else ''} went unanswered: "
                    "close the loop instead of another bump"
                )
            due_at = sig.occurred_at
            away = [m for m in thread.messages if m.auto_reply and m.sent_at > last.sent_at]
            back = next((m.back_on for m in reversed(away) if m.back_on), None)
            if back is not None:
                back_at = _morning(back, facts)
                said = "says they are back" if back_at > facts.now else "said they would be back"
                why += f". Their out-of-office reply {said} on {back:%a} {back.day} {back:%b}"
                due_at = max(due_at, back_at)
            elif away:
                why += ". Only an out-of-office reply came back"
            if deal is not None:
                why += f". {deal.name} ({money(deal.amount)}) is in {stage_label(deal.stage)}"
            action: dict[str, object] = {
                "type": "reply_email",
                "thread_id": sig.thread_id,
                "to": [contact.email],
                "subject": f"Re: {thread.subject}",
            }
            if closing:
                action.update(variant=CLOSE_THE_LOOP, body=_break_up(contact.first_name, thread))
            proposals.append(
                Proposal(
                    dedup_key=f"{thread_key(sig.thread_id)}{last.message_id}",
                    move_type="follow_up",
                    title=(
                        f"Close the loop with {contact.display}"
                        if closing
                        else f"Follow up with {contact.display}"
                    ),
                    why_now=why + ".",
                    due_at=due_at,
                    contact_id=contact.id,
                    company_id=contact.company_id,
                    deal_id=deal.id if deal else None,
                    thread_id=sig.thread_id,
                    score_inputs=score_inputs(
                        "follow_up",
                        last.sent_at,
                        {
                            "basis": "follow_up",
                            "since": last.sent_at.isoformat(),
                            "threshold": threshold,
                        },
                        contact=contact,
                        deal=deal,
                        prepared=closing,
                        **({"variant": CLOSE_THE_LOOP} if closing else {}),
                    ),
                    prepared_action=action,
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        # The move's history records when; the reason says only what happened, so every
        # front end shows the time its own way (in the operator's zone).
        if signal.kind in ("email.received", "email.replied") and signal.thread_id is not None:
            # An automatic answer (out of office, a mailing) is not theirs: the clock runs on.
            if signal.payload.get("automated"):
                return []
            return [Resolution("follow_up", *by_thread(signal.thread_id), "they answered")]
        if signal.kind == "email.sent" and signal.thread_id is not None:
            return [Resolution("follow_up", *by_thread(signal.thread_id), "you wrote again")]
        if signal.kind == "email.bounced" and signal.contact_id is not None:
            return [Resolution("follow_up", "contact_id", signal.contact_id, "the address bounced")]
        if signal.kind == "contact.opted_out" and signal.contact_id is not None:
            return [
                Resolution("follow_up", "contact_id", signal.contact_id, opted_out_reason(signal))
            ]
        return []

    def thread_prefix(self, thread_id: int) -> str | None:
        return thread_key(thread_id)


def wait_days(values: Mapping[str, Any], lifecycle_stage: str | None) -> int:
    """Business days of silence before a contact in `lifecycle_stage` is due a follow-up,
    from the agent's knob values: their stage's own wait if set, else `business_days`."""
    by_stage = values.get("business_days_by_stage") or {}
    stage = (lifecycle_stage or "").lower()
    return int(by_stage.get(stage, values["business_days"]))


def shortest_wait(values: Mapping[str, Any]) -> int:
    """The fewest business days any contact waits (a bound for reading candidates)."""
    by_stage = values.get("business_days_by_stage") or {}
    return min([int(values["business_days"]), *(int(d) for d in by_stage.values())])


def unanswered_bumps(thread: ThreadFacts) -> int:
    """How many of our emails followed up on our own since their last real answer: every
    one after the first of the run of ours at the end of the thread."""
    ours = 0
    for m in reversed(thread.messages):
        if m.direction == "outbound":
            ours += 1
        elif m.direction == "inbound" and not m.automated:
            break
    return max(0, ours - 1)


def opted_out_reason(signal: SignalView) -> str:
    """A resolution's reason for a contact who asked not to be contacted."""
    said = signal.payload.get("reason")
    return f"they asked not to be contacted ({said})" if said else "they asked not to be contacted"


def _morning(day: date, facts: Facts) -> datetime:
    zone = facts.local(facts.now).tzinfo
    return datetime.combine(day, BACK_AT, tzinfo=zone)


def _break_up(first_name: str, thread: ThreadFacts) -> str:
    return (
        f"Hi {first_name},\n\n"
        f"I haven't heard back about “{thread.subject}”, so I'll take it that now isn't the "
        "right time and stop following up. If that changes, just reply to this email and "
        "I'll pick it up from there.\n\n"
        "All the best,"
    )


def thread_key(thread_id: int) -> str:
    """How this agent's dedup keys start: a thread's moves are one range of the key index."""
    return f"follow_up:{thread_id}:"


def by_thread(thread_id: int) -> tuple[str, str]:
    """A resolution's (ref, value) for this agent's moves about a thread."""
    return "dedup_key_prefix", thread_key(thread_id)
