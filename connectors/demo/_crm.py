"""The demo CRM, written as HubSpot export CSVs (companies, contacts, deals, tasks, notes)."""

from __future__ import annotations

import csv
import html
import io
from datetime import datetime, time, timedelta
from typing import Any

from connectors.demo._clock import DemoClock, is_workday, stable_int
from connectors.demo._people import Directory, Seed

PIPELINE_LABEL = "Sales Pipeline"
STAGES = [
    ("appointmentscheduled", "Appointment Scheduled"),
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
]
_LABELS = dict(STAGES)
_OPEN_PATH = [s for s, _ in STAGES[:5]]

# Tasks "due today" are due by the end of the working day; once that has passed, or on a
# weekend, they are due on the next working day instead, so the demo never shows a to-do list
# that is due at a time nobody works.
END_OF_DAY = time(17, 0)
SOON_EARLIEST = time(10, 0)


def _hm(value: str) -> tuple[int, int]:
    hour, minute = value.split(":")
    return int(hour), int(minute)


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


class CrmWriter:
    def __init__(self, seed: Seed, clock: DemoClock, people: Directory):
        self.seed = seed
        self.clock = clock
        self.people = people
        self.companies = {c["key"]: c for c in seed["companies"]}
        self.contact_company = {c["email"]: c["company"] for c in seed["contacts"]}
        self.deals = {d["id"]: d for d in seed["deals"]}
        self.owner = people.operator.name

    def _stamp(self, moment: datetime) -> str:
        # HubSpot writes datetimes in the portal's timezone without an offset.
        return self.clock.local(moment).strftime("%Y-%m-%d %H:%M")

    def _days_ago(self, days: int, *key: object) -> datetime:
        day = self.clock.today - timedelta(days=days)
        moment = self.clock.at(day, 9 + stable_int(*key, "h") % 8, stable_int(*key, "m") % 60)
        return min(moment, self.clock.now - timedelta(minutes=30))

    def companies_csv(self) -> bytes:
        rows = [
            [
                "Record ID",
                "Company name",
                "Company Domain Name",
                "Industry",
                "Number of Employees",
                "Ideal Customer Profile Tier",
                "Lifecycle Stage",
                "Company owner",
                "Create Date",
                "City",
                "Country/Region",
            ]
        ]
        for i, c in enumerate(self.seed["companies"]):
            rows.append(
                [
                    str(9_871_000_000 + 1_013 * (i + 1)),
                    c["name"],
                    c["domain"],
                    c["industry"],
                    str(c["employees"]),
                    c["tier"],
                    c["lifecycle"],
                    self.owner,
                    self._stamp(self._days_ago(int(c["created_days_ago"]), c["key"])),
                    c["city"],
                    "United States",
                ]
            )
        return _csv(rows)

    def contacts_csv(self) -> bytes:
        rows = [
            [
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Phone Number",
                "Job Title",
                "Lifecycle Stage",
                "Lead Status",
                "Contact owner",
                "Create Date",
                "Last Modified Date",
                "Company Name",
            ]
        ]
        status = {"Lead": "New", "Subscriber": "", "Customer": "", "Other": "Unqualified"}
        for i, c in enumerate(self.seed["contacts"]):
            created = self._days_ago(int(c["created_days_ago"]), c["email"])
            # A record nobody changed since it was created, unless the seed says otherwise.
            changed = c.get("modified_days_ago")
            modified = self._days_ago(int(changed), c["email"], "modified") if changed else created
            rows.append(
                [
                    str(51_200_000_000 + 797 * (i + 1)),
                    c["first"],
                    c["last"],
                    c["email"],
                    c["phone"],
                    c["title"],
                    c["lifecycle"],
                    status.get(c["lifecycle"], "In Progress"),
                    self.owner,
                    self._stamp(created),
                    self._stamp(max(modified, created)),
                    self.companies[c["company"]]["name"],
                ]
            )
        return _csv(rows)

    def deals_csv(self) -> bytes:
        entered_cols = [f'Date entered "{label} ({PIPELINE_LABEL})"' for _, label in STAGES]
        rows = [
            [
                "Record ID",
                "Deal Name",
                "Deal Stage",
                "Pipeline",
                "Amount",
                "Close Date",
                "Create Date",
                "Deal owner",
                "Last Activity Date",
                "Last Modified Date",
                "Associated Company",
                "Associated Contact",
                *entered_cols,
            ]
        ]
        for d in self.seed["deals"]:
            created = self._days_ago(int(d["created_days_ago"]), d["id"], "created")
            entered = max(self._days_ago(int(d["stage_days_ago"]), d["id"], "stage"), created)
            activity = self._days_ago(int(d["last_activity_days_ago"]), d["id"], "activity")
            stage = d["stage"]
            if stage == "closedlost":
                path = [*_OPEN_PATH[:3], stage]
            elif stage == "closedwon":
                path = [*_OPEN_PATH, stage]
            else:
                path = _OPEN_PATH[: _OPEN_PATH.index(stage) + 1]
            # Earlier stages were entered at even steps between creation and the current stage.
            step = (entered - created) / max(len(path) - 1, 1)
            entered_at = {s: created + step * n for n, s in enumerate(path)}
            entered_at[stage] = entered
            contacts = ";".join(f"{self.people.get(e).name} ({e})" for e in d["contacts"])
            rows.append(
                [
                    d["id"],
                    d["name"],
                    _LABELS[stage],
                    PIPELINE_LABEL,
                    f"{float(d['amount']):.2f}",
                    (self.clock.today + timedelta(days=int(d["close_in_days"]))).isoformat(),
                    self._stamp(created),
                    self.owner,
                    self._stamp(activity),
                    self._stamp(max(activity, entered)),
                    self.companies[d["company"]]["name"],
                    contacts,
                    *[self._stamp(entered_at[s]) if s in entered_at else "" for s, _ in STAGES],
                ]
            )
        return _csv(rows)

    # -- activities ------------------------------------------------------------------------

    def _associations(self, item: dict[str, Any]) -> list[str]:
        """Associated Contact, Company, Deal and Deal IDs cells, the way HubSpot writes them."""
        email = item["contact"]
        company = self.companies[self.contact_company[email]]["name"]
        deal = self.deals.get(item.get("deal", ""))
        return [
            f"{self.people.get(email).name} ({email})",
            company,
            deal["name"] if deal else "",
            deal["id"] if deal else "",
        ]

    def _on_workday(self, spec: dict[str, Any]) -> datetime:
        return self.clock.at(self.clock.workday(int(spec["workday"])), *_hm(spec["time"]))

    def _due_today(self, which: str) -> datetime:
        clock = self.clock
        local_now = clock.local(clock.now)
        if not (is_workday(clock.today) and local_now.time() < END_OF_DAY):
            day = clock.workday(1)
            return clock.at(day, *((10, 0) if which == "soon" else (17, 0)))
        end = clock.at(clock.today, END_OF_DAY.hour, END_OF_DAY.minute)
        if which != "soon":
            return end
        # The next full hour at least an hour away, within working hours.
        later = clock.local(clock.now + timedelta(hours=1))
        hour = later.hour + (1 if (later.minute or later.second) else 0)
        soon = clock.at(clock.today, hour)
        return min(max(soon, clock.at(clock.today, SOON_EARLIEST.hour)), end)

    def tasks_csv(self) -> bytes:
        rows = [
            [
                "Record ID",
                "Task Title",
                "Task Type",
                "Task Status",
                "Priority",
                "Due Date",
                "Activity assigned to",
                "Create Date",
                "Completed at",
                "Notes",
                "Associated Contact",
                "Associated Company",
                "Associated Deal",
                "Associated Deal IDs",
            ]
        ]
        for t in self.seed["tasks"]:
            spec = t["due"]
            due = self._due_today(spec["today"]) if "today" in spec else self._on_workday(spec)
            completed = self._on_workday(t["completed"]) if "completed" in t else None
            created = self._days_ago(int(t["created_days_ago"]), t["id"], "created")
            # A task is created before it is done, and before it fell due.
            created = min(created, *(m - timedelta(hours=2) for m in (due, completed) if m))
            rows.append(
                [
                    t["id"],
                    t["title"],
                    t["type"],
                    t["status"],
                    t["priority"],
                    self._stamp(due),
                    self.owner,
                    self._stamp(created),
                    self._stamp(completed) if completed else "",
                    t["notes"],
                    *self._associations(t),
                ]
            )
        return _csv(rows)

    def notes_csv(self) -> bytes:
        rows = [
            [
                "Record ID",
                "Note body",
                "Activity date",
                "Activity assigned to",
                "Create Date",
                "Associated Contact",
                "Associated Company",
                "Associated Deal",
                "Associated Deal IDs",
            ]
        ]
        for n in self.seed["notes"]:
            at = self._on_workday(n["at"])
            # HubSpot's note editor stores rich text, and its export keeps the HTML.
            body = "".join(f"<p>{html.escape(par, quote=False)}</p>" for par in n["body"])
            rows.append(
                [
                    n["id"],
                    f'<div style="" dir="auto" data-top-level="true">{body}</div>',
                    self._stamp(at),
                    self.owner,
                    self._stamp(at),
                    *self._associations(n),
                ]
            )
        return _csv(rows)
