"""data_decay: contacts someone should be working with whose records have gone quiet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from agents._data_fix import data_fix, fixed, issue_of
from agents.base import Agent, Facts, Knob, Proposal, Resolution, SignalView, with_contacts


def stale_issue(contact_id: int) -> str:
    return f"data_fix:contact:{contact_id}:stale"


class DataDecay(Agent):
    """Proposes a low-priority `data_fix` for a contact that still counts (a lifecycle stage
    other than other/unqualified, or on an open deal) when neither the record nor any mail
    or meeting has touched it for `days` days: check they are still there, in that role, at
    that company, or mark them so.

    Why: people change jobs; a pipeline full of contacts nobody has heard from in half a
    year overstates it, and mail to them starts to bounce. Its moves score low on purpose
    (the contact's weight is left out): they are for a quiet hour, not for today's top."""

    name = "data_decay"
    domain = "data"
    description = "Proposes checking contacts nobody has touched for months."
    consumes = frozenset({"contact.stale"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "days": Knob(180, "days without an update, mail or meeting before a contact is stale"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        async for sig, contact in with_contacts(signals, facts):
            last = datetime.fromisoformat(str(sig.payload["last_touch"]))
            months = max(1, (facts.now - last).days // 30)
            stage = f" ({contact.lifecycle_stage})" if contact.lifecycle_stage else ""
            proposal = data_fix(
                sig,
                issue_of(sig),
                f"Check {contact.display} is still current",
                f"Nothing has touched {contact.email}{stage} for about {months} months (last "
                f"{facts.local(last):%d %b %Y}); confirm their role and company, or mark "
                "them as gone.",
                {"type": "fix_contact", "contact_id": contact.id, "fields": ["review"]},
                contact,
            )
            proposal.score_inputs["contact"] = None  # low priority: the contact adds no weight
            proposals.append(proposal)
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        touched = ("email.received", "email.sent", "meeting.booked")
        if signal.kind in touched and signal.contact_id is not None:
            issue = stale_issue(signal.contact_id)
            return [Resolution("data_fix", "dedup_key_prefix", issue, "they were in touch")]
        return fixed(signal)
