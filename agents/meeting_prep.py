"""meeting_prep: an external meeting starts before the end of the next working day."""

from __future__ import annotations

from agents.base import Agent, Facts, Knob, Proposal, SignalView, score_inputs, when


class MeetingPrep(Agent):
    """Proposes preparing for a confirmed meeting with people outside the company that
    starts within `horizon_working_days` (by default before the end of the next working
    day), with who is coming, their company, the open deal and the last email: walking in
    unprepared to an external meeting is the costliest miss of a day. Meetings every
    outsider declined, cancelled ones and ones already started get nothing."""

    name = "meeting_prep"
    domain = "sales"
    description = "Proposes preparing for external meetings due by the next working day."
    consumes = frozenset({"meeting.upcoming"})
    knobs = {  # noqa: RUF012
        "horizon_working_days": Knob(
            1, "working days ahead a meeting gets a prep move (0: only today's meetings)"
        ),
        "attendees_named": Knob(3, "outside attendees named in the why-now before 'and N more'"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        named = max(1, int(await self.knob(facts, "attendees_named")))
        for sig in signals:
            if sig.meeting_id is None:
                continue
            meeting = await facts.meeting(sig.meeting_id)
            if meeting is None or meeting.status != "confirmed" or meeting.start_at <= facts.now:
                continue
            external = [a for a in meeting.external if a.response_status != "declined"]
            if not external:
                continue
            lead = next((a for a in external if a.contact_id is not None), None)
            contact = await facts.contact(lead.contact_id) if lead and lead.contact_id else None
            deal = await facts.open_deal(contact.id, contact.company_id) if contact else None
            names = []
            for a in external[:named]:
                known = await facts.contact(a.contact_id) if a.contact_id else None
                # Calendars often put the address in CN; the CRM's name reads better.
                names.append(
                    (known.name if known and known.name else None)
                    or (a.name if a.name and "@" not in a.name else a.email)
                )
            people = ", ".join(names)
            if len(external) > named:
                people += f" and {len(external) - named} more"
            why = f"Starts {when(meeting.start_at, facts)} with {people}"
            if contact is not None:
                last = max(
                    (
                        t
                        for t in (contact.last_inbound_at, contact.last_outbound_at)
                        if t is not None
                    ),
                    default=None,
                )
                if last is not None:
                    why += f"; last email {when(last, facts)}"
                else:
                    why += "; no email history yet"
            if deal is not None:
                why += f"; open deal {deal.summary}"
            local = facts.local(meeting.start_at)
            company = f" ({contact.company_name})" if contact and contact.company_name else ""
            proposals.append(
                Proposal(
                    dedup_key=f"meeting_prep:{meeting.id}:{meeting.start_at.isoformat()}",
                    move_type="meeting_prep",
                    title=f"Prep: {meeting.title}{company}, {local:%a %H:%M}",
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    expires_at=meeting.start_at,
                    contact_id=contact.id if contact else None,
                    company_id=contact.company_id if contact else None,
                    deal_id=deal.id if deal else None,
                    meeting_id=meeting.id,
                    score_inputs=score_inputs(
                        "meeting_prep",
                        sig.occurred_at,
                        {"basis": "meeting", "at": meeting.start_at.isoformat()},
                        contact=contact,
                        deal=deal,
                    ),
                    signal_ids=[sig.id],
                )
            )
        return proposals
