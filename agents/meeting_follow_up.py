"""meeting_follow_up: an external meeting ended and nobody who came has heard from us since."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

from agents.base import (
    Agent,
    ContactFacts,
    Facts,
    Knob,
    MeetingFacts,
    Proposal,
    Resolution,
    SignalView,
    score_inputs,
    when,
)


class MeetingFollowUp(Agent):
    """Proposes a `meeting_follow_up` after an external meeting: a recap email to the people
    from outside who came, and a next-step task. A meeting nobody followed up on is the
    commonest way a good conversation goes cold, and the recap is easiest to write the same
    day. Not for internal meetings, cancelled ones, or when every outsider declined; not
    once we have written to any attendee after the meeting ended; never to a contact who
    asked not to be contacted."""

    name = "meeting_follow_up"
    domain = "sales"
    description = "Proposes a recap and next step after an external meeting nobody followed up."
    consumes = frozenset({"meeting.ended"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "expire_days": Knob(7, "days after the meeting ended when an unsent recap is dropped"),
        "task_due_days": Knob(2, "days after the meeting the next-step task is due"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        expire = timedelta(days=int(await self.knob(facts, "expire_days")))
        task_due = timedelta(days=int(await self.knob(facts, "task_due_days")))
        proposals = []
        for sig in signals:
            if sig.meeting_id is None:
                continue
            meeting = await facts.meeting(sig.meeting_id)
            if meeting is None or meeting.status != "confirmed" or meeting.end_at > facts.now:
                continue
            if facts.now - meeting.end_at > expire:
                continue
            came = [a for a in meeting.external if a.response_status != "declined"]
            people = [await facts.contact(a.contact_id) for a in came if a.contact_id]
            known = [c for c in people if c is not None]
            if not known or any(_wrote_since(c, meeting) for c in known):
                continue
            to = [c for c in known if not getattr(c, "do_not_contact", False)]
            if not to:
                continue
            lead = to[0]
            deal = await facts.open_deal(lead.id, lead.company_id)
            names = ", ".join(c.first_name for c in to[:3])
            why = (
                f"“{meeting.title}” with {names} ended {when(meeting.end_at, facts)}; "
                "no email to anyone who came since"
            )
            if deal is not None:
                why += f". Open deal {deal.summary}"
            proposals.append(
                Proposal(
                    dedup_key=f"meeting_follow_up:{meeting.id}",
                    move_type="meeting_follow_up",
                    title=f"Recap: {meeting.title} ({lead.display})",
                    why_now=why + ".",
                    due_at=meeting.end_at,
                    expires_at=meeting.end_at + expire,
                    contact_id=lead.id,
                    company_id=lead.company_id,
                    deal_id=deal.id if deal else None,
                    meeting_id=meeting.id,
                    score_inputs=score_inputs(
                        "meeting_follow_up",
                        meeting.end_at,
                        {"basis": "reply", "since": meeting.end_at.isoformat()},
                        contact=lead,
                        deal=deal,
                        prepared=True,
                    ),
                    prepared_action={
                        "type": "send_email",
                        "to": [c.email for c in to],
                        "subject": f"Recap: {meeting.title}",
                        "body": recap(meeting, to, f"{facts.local(meeting.start_at):%A}"),
                        "task": {
                            "title": f"Next step after {meeting.title}",
                            "due_at": (meeting.end_at + task_due).isoformat(),
                            "contact_id": lead.id,
                        },
                    },
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind == "email.sent" and signal.contact_id is not None:
            return [Resolution("meeting_follow_up", "contact_id", signal.contact_id, "you wrote")]
        return []


def _wrote_since(contact: ContactFacts, meeting: MeetingFacts) -> bool:
    return contact.last_outbound_at is not None and contact.last_outbound_at >= meeting.end_at


def recap(meeting: MeetingFacts, to: list[ContactFacts], day: str) -> str:
    """A recap to fill in: the same words for the same meeting and people."""
    hello = " and ".join(c.first_name for c in to[:2]) + (" and all" if len(to) > 2 else "")
    return "\n".join(
        [
            f"Hi {hello},",
            "",
            f"Thank you for your time on {day} (“{meeting.title}”). A short recap:",
            "",
            "- What we discussed: ",
            "- What we agreed: ",
            "- Next step: ",
            "",
            "Let me know if I missed anything.",
        ]
    )
