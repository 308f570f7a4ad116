"""first_touch: a new contact who fits the ideal customer profile was never contacted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from agents.base import (
    Agent,
    ContactFacts,
    Facts,
    Knob,
    Proposal,
    Resolution,
    SignalView,
    score_inputs,
    when,
    with_contacts,
    words,
)

TOUCHES = ("email.sent", "email.received", "email.replied", "meeting.booked")


@dataclass(frozen=True)
class Profile:
    """The ideal customer profile as the first_touch knobs and the workspace setting `icp`
    (the one scoring reads) give it; an empty part asks nothing."""

    industries: tuple[str, ...]
    tiers: tuple[str, ...]
    min_employees: int | None
    max_employees: int | None
    titles: tuple[str, ...]

    @property
    def defined(self) -> bool:
        return bool(
            self.industries or self.tiers or self.min_employees or self.max_employees or self.titles
        )

    def misfit(self, c: ContactFacts) -> str | None:
        """Why the contact does not fit, or None when it does (unknown never fits)."""
        if self.industries and (c.industry or "").lower() not in self.industries:
            return "industry"
        if self.tiers and (c.tier or "").lower() not in self.tiers:
            return "tier"
        if self.min_employees and (c.company_size or 0) < self.min_employees:
            return "size"
        if self.max_employees and (c.company_size is None or c.company_size > self.max_employees):
            return "size"
        if self.titles and not any(t in (c.title or "").lower() for t in self.titles):
            return "title"
        return None

    def fit(self, c: ContactFacts) -> str:
        """The parts of the profile the contact meets, for the why-now."""
        parts = []
        if self.industries:
            parts.append(str(c.industry))
        if self.min_employees or self.max_employees:
            parts.append(f"{c.company_size} employees")
        if self.tiers:
            parts.append(f"tier {c.tier}")
        if self.titles:
            parts.append(str(c.title))
        return ", ".join(parts)


class FirstTouch(Agent):
    """Proposes a `first_touch` with an intro email draft when a contact new to the CRM
    (created within `new_days`) fits the ideal customer profile and has never been
    contacted (no mail from us, no meeting). A fresh lead that fits is worth most in its
    first days. The profile is the knobs (`industries`, `tiers`, `min_employees`,
    `max_employees`; 0 or empty = not asked) else the workspace's `icp` setting, the one
    scoring reads; with no profile at all nothing is proposed. Customers and contacts who
    asked not to be contacted are skipped. Settled by any mail or meeting with them."""

    name = "first_touch"
    domain = "sales"
    description = "Proposes an intro email to a new contact who fits the ideal customer profile."
    consumes = frozenset({"contact.created"})
    knobs: ClassVar[Mapping[str, Knob]] = {
        "new_days": Knob(30, "days after a contact's creation it still counts as new"),
        "industries": Knob((), "industries that fit (empty: the workspace ICP's)"),
        "tiers": Knob((), "account tiers that fit (empty: any)"),
        "min_employees": Knob(0, "smallest company that fits (0: the workspace ICP's)"),
        "max_employees": Knob(0, "largest company that fits (0: the workspace ICP's)"),
    }

    async def profile(self, facts: Facts) -> Profile:
        icp: dict[str, Any] = await facts.setting("icp") or {}
        return Profile(
            industries=words(await self.knob(facts, "industries")) or words(icp.get("industries")),
            tiers=words(await self.knob(facts, "tiers")),
            min_employees=int(await self.knob(facts, "min_employees") or 0)
            or icp.get("min_employees"),
            max_employees=int(await self.knob(facts, "max_employees") or 0)
            or icp.get("max_employees"),
            titles=words(icp.get("titles")),
        )

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        profile = await self.profile(facts)
        if not profile.defined:
            return []
        new = timedelta(days=int(await self.knob(facts, "new_days")))
        proposals = []
        recent = [sig for sig in signals if facts.now - sig.occurred_at <= new]
        async for sig, contact in with_contacts(recent, facts):
            if contact.last_outbound_at or contact.last_meeting_at:
                continue
            if (contact.lifecycle_stage or "").lower() == "customer":
                continue
            if getattr(contact, "do_not_contact", False) or profile.misfit(contact):
                continue
            why = (
                f"New in the CRM {when(sig.occurred_at, facts)} and never contacted; "
                f"fits your ideal customer profile ({profile.fit(contact)})"
            )
            proposals.append(
                Proposal(
                    dedup_key=f"first_touch:{contact.id}",
                    move_type="first_touch",
                    title=f"Introduce yourself to {contact.display}",
                    why_now=why + ".",
                    due_at=sig.occurred_at,
                    expires_at=sig.occurred_at + new,
                    contact_id=contact.id,
                    company_id=contact.company_id,
                    score_inputs=score_inputs(
                        "first_touch",
                        sig.occurred_at,
                        {"basis": "none"},
                        contact=contact,
                        prepared=True,
                    ),
                    prepared_action={
                        "type": "send_email",
                        "to": [contact.email],
                        "subject": intro_subject(contact),
                        "body": intro(contact),
                    },
                    signal_ids=[sig.id],
                )
            )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        if signal.kind in TOUCHES and signal.contact_id is not None:
            return [Resolution("first_touch", "contact_id", signal.contact_id, "you are in touch")]
        return []


def intro_subject(c: ContactFacts) -> str:
    return f"Introduction: {c.company_name}" if c.company_name else "Introduction"


def intro(c: ContactFacts) -> str:
    """An intro to fill in: the same words for the same contact."""
    where = c.company_name or "your team"
    peers = f"{c.industry} companies" if c.industry else "companies"
    return "\n".join(
        [
            f"Hi {c.first_name},",
            "",
            f"I work with {peers} like {where} on [what we do]. [One line on why it matters "
            "to them now.]",
            "",
            f"Would a 20-minute call next week be useful to see whether it fits {where}?",
            "",
            "Best,",
        ]
    )
