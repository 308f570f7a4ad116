"""Header rows of HubSpot exports: column aliases, kind detection, required columns, row access.

HubSpot's "Export" writes property *labels* as column headers ("First Name", "Deal Stage");
exports made with "internal values" use internal names ("firstname", "dealstage"). Both are
accepted, compared after lower-casing and collapsing whitespace.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from connectors.base import ImportFormatError
from connectors.files._common import slug

CsvKind = Literal["contacts_csv", "companies_csv", "deals_csv", "tasks_csv", "notes_csv"]

# Column aliases, compared after lower-casing and collapsing whitespace. The first alias of each
# field is the label HubSpot's export uses and the one error messages name.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "record_id": ("record id", "hs_object_id", "contact id", "company id", "deal id", "vid"),
    "first_name": ("first name", "firstname"),
    "last_name": ("last name", "lastname"),
    "full_name": ("full name", "name"),
    "email": ("email", "email address", "e-mail"),
    "phone": ("phone number", "phone", "mobile phone number", "mobilephone"),
    "title": ("job title", "jobtitle", "title"),
    "lifecycle": ("lifecycle stage", "lifecyclestage"),
    "contact_owner": ("contact owner", "owner", "hubspot_owner_id"),
    "create_date": ("create date", "createdate", "created date", "create date (utc)"),
    "company_name": ("company name", "company", "name"),
    "associated_company": (
        "associated company",
        "associated company (primary)",
        "associated companies",
        "primary associated company",
        "associated company name",
    ),
    "company_domain": (
        "company domain name",
        "domain",
        "associated company domain",
        "associated company domain name",
        "company domain",
    ),
    "website": ("website url", "website", "company website"),
    "industry": ("industry",),
    "employees": ("number of employees", "numberofemployees", "employees"),
    "tier": ("ideal customer profile tier", "hs_ideal_customer_profile", "icp tier", "tier"),
    "deal_name": ("deal name", "dealname"),
    "deal_stage": ("deal stage", "dealstage", "stage"),
    "pipeline": ("pipeline",),
    "amount": ("amount", "deal amount"),
    "currency": ("currency", "deal currency code", "currency code"),
    "close_date": ("close date", "closedate"),
    "deal_owner": ("deal owner", "owner", "hubspot_owner_id"),
    "last_activity": ("last activity date", "notes_last_updated", "last activity"),
    "last_modified": ("last modified date", "hs_lastmodifieddate", "last modified"),
    "associated_contact": (
        "associated contact",
        "associated contacts",
        "associated contact (primary)",
        "contact email",
        "associated contact email",
    ),
    # Tasks and notes. Their ids get their own field so that a "Deal ID" association column is
    # never mistaken for the activity's own id.
    "activity_id": (
        "record id",
        "hs_object_id",
        "task id",
        "note id",
        "engagement id",
        "activity id",
        "id",
    ),
    "task_title": (
        "task title",
        "subject",
        "task subject",
        "hs_task_subject",
        "title",
        "task name",
    ),
    "due": ("due date", "task due date", "hs_timestamp", "due", "due at", "due date and time"),
    "task_status": ("task status", "hs_task_status", "status"),
    "priority": ("priority", "task priority", "hs_task_priority"),
    "task_body": ("notes", "task notes", "task body", "hs_task_body", "body", "description"),
    "activity_owner": (
        "activity assigned to",
        "task owner",
        "assigned to",
        "activity owner",
        "hubspot_owner_id",
        "owner",
        "note owner",
        "created by",
    ),
    "activity_created": (
        "create date",
        "createdate",
        "hs_createdate",
        "created date",
        "created at",
        "create date (utc)",
    ),
    "completed_at": (
        "completed at",
        "task completion date",
        "hs_task_completion_date",
        "completion date",
        "completed date",
        "date completed",
    ),
    "note_body": ("note body", "hs_note_body", "note text", "body", "note", "notes"),
    "activity_date": ("activity date", "hs_timestamp", "note date", "timestamp"),
    "associated_contact_ids": ("associated contact ids", "associated contact id", "contact id"),
    "associated_deal": ("associated deal", "associated deals", "associated deal (primary)"),
    "associated_deal_ids": ("associated deal ids", "associated deal id", "deal id"),
}

# Columns only task exports have. A header needs one of them besides a title or due date column
# to count as tasks: "Subject" alone could be anything.
_TASK_MARKERS = frozenset(
    {
        "task title",
        "task subject",
        "hs_task_subject",
        "task status",
        "hs_task_status",
        "task type",
        "hs_task_type",
        "task priority",
        "hs_task_priority",
        "task notes",
        "task body",
        "hs_task_body",
        "task due date",
        "task completion date",
        "hs_task_completion_date",
    }
)
_NOTE_MARKERS = frozenset({"note body", "hs_note_body", "note text"})

_REQUIRED: dict[CsvKind, tuple[str, ...]] = {
    "contacts_csv": ("email",),
    "companies_csv": (),
    "deals_csv": ("record_id", "deal_name", "deal_stage"),
    "tasks_csv": ("activity_id",),
    "notes_csv": ("activity_id", "note_body"),
}

# Required columns as HubSpot's export spells them, for error messages.
_LABELS = {
    "email": "Email",
    "record_id": "Record ID",
    "activity_id": "Record ID",
    "note_body": "Note body",
    "deal_name": "Deal Name",
    "deal_stage": "Deal Stage",
}

_DATE_ENTERED_RE = re.compile(
    r'^date entered\s+"?(?P<stage>.+?)\s*\((?P<pipeline>[^()]*)\)"?$', re.I
)


def _norm_header(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\ufeff", "")).strip().lower()


def _label(field: str) -> str:
    return _LABELS.get(field, field)


def detect_csv_kind(header: list[str]) -> CsvKind | None:
    """Which HubSpot object an export holds, judged by its header row."""
    cols = {_norm_header(h) for h in header}
    if cols & set(_COLUMNS["deal_name"]) or ("deal stage" in cols and "pipeline" in cols):
        return "deals_csv"
    has_email = bool(cols & set(_COLUMNS["email"]))
    titled = bool(cols & set(_COLUMNS["task_title"]))
    due = cols & set(_COLUMNS["due"])
    if cols & _TASK_MARKERS and (titled or due):
        return "tasks_csv"
    # Without a task-only column, a title and a due date together still describe tasks; notes
    # share hs_timestamp, and a file with emails is a contact list with extra columns.
    if titled and due - {"hs_timestamp"} and not has_email:
        return "tasks_csv"
    if cols & _NOTE_MARKERS:
        return "notes_csv"
    if has_email:
        return "contacts_csv"
    if cols & {"company domain name", "domain", "company name"}:
        return "companies_csv"
    return None


@dataclass
class Header:
    """Where each field sits in a header row, and its "Date entered <stage>" columns."""

    index: dict[str, int]
    date_entered: list[tuple[str, str, int]]  # (stage slug, pipeline slug, column)
    width: int = 0  # columns in the header row
    # The same columns by stage, in header order, so a row looks up only its own stage's.
    entered_by_stage: dict[str, list[tuple[str, str, int]]] = dataclasses.field(
        default_factory=dict, init=False
    )

    def __post_init__(self) -> None:
        for entry in self.date_entered:
            self.entered_by_stage.setdefault(entry[0], []).append(entry)

    @classmethod
    def build(cls, header: list[str], kind: CsvKind) -> Header:
        normalized = [_norm_header(h) for h in header]
        index: dict[str, int] = {}
        for field, aliases in _COLUMNS.items():
            if kind == "companies_csv" and field == "full_name":
                continue
            for alias in aliases:
                if alias in normalized:
                    index[field] = normalized.index(alias)
                    break
        entered: list[tuple[str, str, int]] = []
        for i, raw in enumerate(header):
            m = _DATE_ENTERED_RE.match(raw.replace("\ufeff", "").strip())
            if m:
                entered.append((slug(m.group("stage")), slug(m.group("pipeline")), i))
        return cls(index, entered, len(header))

    def require(self, kind: CsvKind, path: Path, line: int) -> None:
        """Raise ImportFormatError when a column a `kind` export cannot do without is missing."""
        for field in _REQUIRED[kind]:
            if field not in self.index:
                raise ImportFormatError(
                    f"missing column {_label(field)!r} in the header row of a "
                    f"{kind.removesuffix('_csv')} export",
                    path=str(path),
                    line=line,
                )
        if kind == "companies_csv" and not {"company_domain", "website"} & self.index.keys():
            raise ImportFormatError(
                "missing column 'Company Domain Name' (or 'Website URL') in the header row of a "
                "companies export",
                path=str(path),
                line=line,
            )
        if kind == "tasks_csv" and not {"task_title", "due"} & self.index.keys():
            raise ImportFormatError(
                "missing column 'Task Title' (or 'Due Date') in the header row of a tasks export",
                path=str(path),
                line=line,
            )


class Row:
    """One data row, read by field name; a missing column reads as an empty cell."""

    __slots__ = ("_index", "header", "line", "values")

    def __init__(self, header: Header, values: list[str], line: int):
        self.header = header
        # Short rows are padded and one empty cell goes last, where every field the header
        # lacks points (-1): a lookup is then one dict get and one index, with no checks.
        if len(values) < header.width:
            values.extend([""] * (header.width - len(values)))
        values.append("")
        self.values = values
        self.line = line
        self._index = header.index

    def get(self, field: str) -> str:
        return self.values[self._index.get(field, -1)].strip()
