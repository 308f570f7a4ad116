"""duplicate_watcher: one person or one company kept as two records."""

from __future__ import annotations

from agents._data_fix import data_fix, fixed
from agents.base import Agent, Facts, Proposal, Resolution, SignalView


class DuplicateWatcher(Agent):
    """Proposes a `data_fix` with a merge proposal when the daily data check finds one
    person kept as two contacts (the same address in two letter cases; the same name at the
    same company; the same name at a company and on a free-mail address) or one company
    kept under two domains with the same name.

    Why: a person split in two has their mail, meetings and deals split too, so every other
    agent sees half the story (a reply to the free-mail address looks like no reply). The
    move's prepared action names the record to keep and the ones to merge into it; nothing
    is merged until the operator does it."""

    name = "duplicate_watcher"
    domain = "data"
    description = "Proposes merging duplicate contacts or companies."
    consumes = frozenset({"contact.duplicate", "company.duplicate"})

    async def propose(self, signals: list[SignalView], facts: Facts) -> list[Proposal]:
        proposals = []
        for sig in signals:
            ids = [int(i) for i in sig.payload.get("ids", [])]
            if len(ids) < 2:
                continue
            keep, merge = ids[0], ids[1:]
            basis = str(sig.payload.get("basis", "duplicates"))
            if sig.kind == "contact.duplicate":
                people = [p for p in [await facts.contact(i) for i in ids] if p is not None]
                if len(people) < len(ids):
                    continue  # one of them is gone since the check
                kept = people[0]
                emails = ", ".join(p.email for p in people)
                who = kept.name or kept.email
                proposals.append(
                    data_fix(
                        sig,
                        str(sig.payload["issue"]),
                        f"Merge the {len(ids)} records of {who}",
                        f"{emails} look like one person ({basis}); keep {kept.email} and "
                        "merge the others into it, so their mail, meetings and deals are "
                        "seen together.",
                        {"type": "merge_contacts", "keep": keep, "merge": merge},
                        kept,
                    )
                )
            elif sig.kind == "company.duplicate":
                domains = [str(d) for d in sig.payload.get("domains", [])]
                if not domains:
                    continue
                name = str(sig.payload.get("name", "the company"))
                proposals.append(
                    data_fix(
                        sig,
                        str(sig.payload["issue"]),
                        f"Merge the {len(ids)} records of {name}",
                        f"{name} is kept under {', '.join(domains)} ({basis}); keep "
                        f"{domains[0]} and merge the others into it.",
                        {"type": "merge_companies", "keep": keep, "merge": merge},
                        company_id=keep,
                    )
                )
        return proposals

    def resolutions(self, signal: SignalView) -> list[Resolution]:
        return fixed(signal)
