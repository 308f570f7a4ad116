"""The demo CRM, written as HubSpot export CSVs (companies, contacts, deals)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from connectors.demo._clock import DemoClock, stable_int
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
                "Company Name",
            ]
        ]
        status = {"Lead": "New", "Subscriber": "", "Customer": "", "Other": "Unqualified"}
        for i, c in enumerate(self.seed["contacts"]):
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
                    self._stamp(self._days_ago(int(c["created_days_ago"]), c["email"])),
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
