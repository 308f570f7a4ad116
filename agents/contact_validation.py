"""contact_validation: addresses that bounce or cannot be right, and active contacts the
records do not name or place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from agents._data_fix import data_fix, fixed
from agents.base import Agent, Facts, Knob, Proposal, Resolution, SignalView, when, with_contacts


def bounced_issue(contact_id: int) -> str:
    return f"data_fix:contact:{contact_id}:bounced"


class ContactValidation(Agent):
    """Proposes a `data_fix` when mail to a contact bounced for good (a delivery-status
    report, a notice from MAILER-DAEMON or postmaster, a 5.x.x status; a 4.x.x one only says
    delivery is delayed), when an address cannot be right by its spelling, and when a contact
    someone is working with (recent mail or meetings, an open deal) has no name or company.

    Why: a bounced address silently ends every sequence and follow-up to it (follow_up_due
    closes those on the same bounce), and a nameless, companyless contact scores and reads
    badly in every other move. The move names the bounced person, never the mail daemon."""

    name = "contact_validation"
    domain = "data"
    description = "Proposes fixing bounced or malformed addresses and active contacts' gaps."
    consumes = frozenset({"email.bounced", "contact.invalid_email", "contact.incomplete"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "soft_bounces": Knob(False, "also propose a fix when delivery was only delayed (4.x.x)"),
    }

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        async for sig, contact in with_contacts(signals, facts):
            who = contact.display
            if sig.kind == "email.bounced":
                status = str(sig.payload.get("status") or "")
                if status.startswith("4.") and not await self.knob(facts, "soft_bounces"):
                    continue
                address = str(sig.payload.get("recipient") or contact.email)
                code = f" (status {status})" if status else ""
                proposals.append(
                    data_fix(
                        sig,
                        bounced_issue(contact.id),
                        f"Fix the bounced address of {who}",
                        f"Mail to {address} bounced {when(sig.occurred_at, facts)}{code}; "
                        "follow-ups to it have stopped. Find their new address or mark "
                        "them as gone.",
                        {"type": "fix_contact", "contact_id": contact.id, "fields": ["email"]},
                        contact,
                    )
                )
            elif sig.kind == "contact.invalid_email":
                proposals.append(
                    data_fix(
                        sig,
                        str(sig.payload["issue"]),
                        f"Correct the address of {who}",
                        f"{contact.email} is not a deliverable address; mail to it would bounce.",
                        {"type": "fix_contact", "contact_id": contact.id, "fields": ["email"]},
                        contact,
                    )
                )
            elif sig.kind == "contact.incomplete":
                missing = [str(m) for m in sig.payload.get("missing", [])]
                if not missing:
                    continue
                proposals.append(
                    data_fix(
                        sig,
                        str(sig.payload["issue"]),
                        f"Add the {' and '.join(missing)} of {who}",
                        f"You are working with {contact.email} (recent mail, meetings or an "
                        f"open deal) but the record has no {' or '.join(missing)}.",
                        {"type": "fix_contact", "contact_id": contact.id, "fields": missing},
                        contact,
                    )
                )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        # A message from the contact after the bounce: the address works again.
        if signal.kind == "email.received" and signal.contact_id is not None:
            return [
                Resolution(
                    "data_fix",
                    "dedup_key_prefix",
                    bounced_issue(signal.contact_id),
                    "they wrote from the address",
                )
            ]
        return fixed(signal)
