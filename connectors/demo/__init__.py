"""A deterministic demo workspace, written as real export files.

`build_demo` writes HubSpot CSVs, a Gmail Takeout mbox and a Google Calendar .ics into a
directory, so the daemon loads the demo through exactly the import path real data takes. All
dates are placed relative to `now` (in the operator's timezone), which keeps the demo's
situations true on any day: unanswered inbound threads, follow-ups that are due, meetings to
prepare for tomorrow, stalled deals, CRM tasks that are overdue or due today. The same `now`
always yields byte-identical files.

The people, companies and conversations are fictional; every domain uses the reserved
`.example` TLD. They live in seed.json next to this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import OperatorIdentity
from connectors.demo._calendar import CalendarWriter
from connectors.demo._clock import DemoClock
from connectors.demo._crm import CrmWriter
from connectors.demo._mail import MailboxWriter
from connectors.demo._people import Directory

__all__ = ["DEMO_FILE_NAMES", "DemoWorkspace", "build_demo", "load_seed"]

DEMO_FILE_NAMES = (
    "hubspot-companies.csv",
    "hubspot-contacts.csv",
    "hubspot-deals.csv",
    "hubspot-tasks.csv",
    "hubspot-notes.csv",
    "gmail-takeout.mbox",
    "calendar.ics",
)


@dataclass(frozen=True)
class DemoWorkspace:
    operator: OperatorIdentity
    # In import order, which matters: tasks and notes link to deals by their record ids.
    files: list[Path]  # companies, contacts, deals, tasks, notes, mbox, ics
    settings: dict[str, object]


def load_seed() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("seed.json").read_text(encoding="utf-8")
    seed: dict[str, Any] = json.loads(text)
    return seed


def demo_operator(seed: dict[str, Any] | None = None) -> OperatorIdentity:
    seed = seed or load_seed()
    op = seed["operator"]
    return OperatorIdentity(
        name=f"{op['first']} {op['last']}",
        emails=(op["email"],),
        internal_domains=(seed["company"]["domain"],),
        timezone=op["timezone"],
    )


def build_demo(dest: Path, now: datetime) -> DemoWorkspace:
    """Write the demo files into `dest` (created if missing) as of the tz-aware `now`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("build_demo needs a timezone-aware `now`")
    seed = load_seed()
    operator = demo_operator(seed)
    clock = DemoClock.create(now, ZoneInfo(operator.timezone))
    people = Directory(seed)
    crm = CrmWriter(seed, clock, people)
    contents = (
        crm.companies_csv(),
        crm.contacts_csv(),
        crm.deals_csv(),
        crm.tasks_csv(),
        crm.notes_csv(),
        MailboxWriter(seed, clock, people).render(),
        CalendarWriter(seed, clock, people).render(),
    )
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for name, data in zip(DEMO_FILE_NAMES, contents, strict=True):
        path = dest / name
        path.write_bytes(data)
        files.append(path)
    settings: dict[str, object] = json.loads(json.dumps(seed["settings"]))
    return DemoWorkspace(operator=operator, files=files, settings=settings)
