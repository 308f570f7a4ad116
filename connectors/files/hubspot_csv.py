"""HubSpot CRM export CSVs (contacts, companies, deals, tasks, notes) -> SyncBatch.

HubSpot's "Export" writes property *labels* as column headers ("First Name", "Deal Stage") and,
unless "internal values" is chosen, labels as values too ("Closed Won", "Sales Pipeline"). Both
labels and internal names are accepted here, so an export made either way, or a file a user
assembled by hand with the same headers, imports the same.

Tasks and notes are activities, which HubSpot exports one type at a time from the activity
index pages. They carry no signals: whether a task is due, overdue or newly completed depends
on the clock and on what the store already holds, so the daemon derives those.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from connectors.base import (
    CompanyRecord,
    ContactRecord,
    DealRecord,
    ImportFormatError,
    NoteRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
    TaskRecord,
)
from connectors.files._common import (
    EMAIL_RE,
    SOURCE,
    email_domain,
    is_free_mail,
    name_from_domain,
    normalize_domain,
    operator_tz,
    parse_loose_date,
    parse_loose_datetime,
    slug,
)
from connectors.files.mbox import html_to_text

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

# HubSpot's task statuses by slug of label or internal value ("Not started", "NOT_STARTED").
_TASK_STATUSES = {
    "notstarted": "NOT_STARTED",
    "inprogress": "IN_PROGRESS",
    "waiting": "WAITING",
    "waitingonsomeone": "WAITING",
    "waitingonsomeoneelse": "WAITING",
    "completed": "COMPLETED",
    "complete": "COMPLETED",
    "done": "COMPLETED",
    "deferred": "DEFERRED",
}
_PRIORITIES = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "none": None}

# HubSpot shows a task with only a date as due that day; the end of the working day keeps it
# from turning overdue at midnight, hours before anyone could have done it.
DATE_ONLY_DUE = time(17, 0)

_REQUIRED: dict[CsvKind, tuple[str, ...]] = {
    "contacts_csv": ("email",),
    "companies_csv": (),
    "deals_csv": ("record_id", "deal_name", "deal_stage"),
    "tasks_csv": ("activity_id",),
    "notes_csv": ("activity_id", "note_body"),
}

_DATE_ENTERED_RE = re.compile(
    r'^date entered\s+"?(?P<stage>.+?)\s*\((?P<pipeline>[^()]*)\)"?$', re.I
)

# HubSpot's default sales pipeline: export label -> internal stage id. Any other label falls back
# to slug(), which is also how these ids were formed.
_DEFAULT_STAGES = {
    "appointmentscheduled": "appointmentscheduled",
    "qualifiedtobuy": "qualifiedtobuy",
    "presentationscheduled": "presentationscheduled",
    "decisionmakerboughtin": "decisionmakerboughtin",
    "contractsent": "contractsent",
    "closedwon": "closedwon",
    "closedlost": "closedlost",
}

_TIERS = {"1": "A", "2": "B", "3": "C"}

# Notes and descriptions in CRM exports can exceed the csv module's 128 KiB field limit. The
# limit is process-wide, so it is only ever raised, once, rather than set and restored per file
# (which would race between imports running in parallel threads).
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


def _norm_header(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\ufeff", "")).strip().lower()


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
class _Header:
    index: dict[str, int]
    date_entered: list[tuple[str, str, int]]  # (stage slug, pipeline slug, column)

    @classmethod
    def build(cls, header: list[str], kind: CsvKind) -> _Header:
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
        return cls(index, entered)


class _Row:
    def __init__(self, header: _Header, values: list[str], line: int):
        self.header = header
        self.values = values
        self.line = line

    def get(self, field: str) -> str:
        i = self.header.index.get(field)
        if i is None or i >= len(self.values):
            return ""
        return self.values[i].strip()


def _iter_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on; decoding errors become format errors."""
    line = 1
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            while True:
                line = reader.line_num + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise ImportFormatError(
                        f"not a readable CSV file: {exc}", path=str(path), line=line
                    ) from exc
                if any(cell.strip() for cell in row):
                    yield line, row
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            "not a UTF-8 text file (found bytes that are not UTF-8); export the CSV again with "
            "UTF-8 encoding",
            path=str(path),
            line=line,
        ) from exc
    except OSError as exc:
        raise ImportFormatError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc


class _Ctx:
    def __init__(self, path: Path, operator: OperatorIdentity):
        self.path = path
        self.operator = operator
        self.tz: ZoneInfo = operator_tz(operator)
        self.batch = SyncBatch(source=SOURCE)
        self._mtime: datetime | None = None
        # Association cells that name no linkable record, per column: (first line, cell, rows).
        # One warning per column, not per row: an export made without emails or record ids
        # would otherwise bury every other warning.
        self._unlinked: dict[str, tuple[int, str, int]] = {}

    @property
    def file_time(self) -> datetime:
        if self._mtime is None:
            self._mtime = datetime.fromtimestamp(self.path.stat().st_mtime, tz=UTC)
        return self._mtime

    def warn(self, line: int, message: str) -> None:
        self.batch.warnings.append(f"{self.path.name}:{line}: {message}")

    def unlinked(self, line: int, column: str, cell: str) -> None:
        first_line, first_cell, rows = self._unlinked.get(column, (line, cell, 0))
        self._unlinked[column] = (first_line, first_cell, rows + 1)

    def warn_unlinked(self, what: str) -> None:
        for column, (line, cell, rows) in self._unlinked.items():
            problem, fix = _UNLINKED[column]
            many = f"{rows} {what}s were" if rows > 1 else f"1 {what} was"
            self.warn(
                line, f"{column} {cell!r} {problem}; {many} imported without that link ({fix})"
            )

    def when(self, row: _Row, field: str, label: str) -> datetime | None:
        raw = row.get(field)
        try:
            parsed = parse_loose_datetime(raw, self.tz)
        except ValueError:
            self.warn(row.line, f"ignored {label} {raw!r}: not a date")
            return None
        return parsed[0] if parsed else None

    def day(self, row: _Row, field: str, label: str) -> date | None:
        raw = row.get(field)
        try:
            return parse_loose_date(raw, self.tz)
        except ValueError:
            self.warn(row.line, f"ignored {label} {raw!r}: not a date")
            return None


def parse_hubspot_csv(
    path: Path, operator: OperatorIdentity, *, kind: CsvKind | None = None
) -> SyncBatch:
    """Parse a HubSpot contacts, companies, deals, tasks or notes export.

    `kind` skips header detection.
    """
    ctx = _Ctx(path, operator)
    rows = _iter_rows(path)
    first = next(rows, None)
    if first is None:
        raise ImportFormatError("file is empty", path=str(path))
    header_line, header = first
    detected = detect_csv_kind(header)
    if kind is None:
        if detected is None:
            shown = ", ".join(repr(h.strip()) for h in header[:8])
            raise ImportFormatError(
                "not a HubSpot export: expected a contacts ('Email'), companies "
                "('Company Domain Name'), deals ('Deal Name'), tasks ('Task Title' or "
                f"'Due Date') or notes ('Note body') header row, found {shown}",
                path=str(path),
                line=header_line,
            )
        kind = detected
    cols = _Header.build(header, kind)
    for field in _REQUIRED[kind]:
        if field not in cols.index:
            raise ImportFormatError(
                f"missing column {_label(field)!r} in the header row of a "
                f"{kind.removesuffix('_csv')} export",
                path=str(path),
                line=header_line,
            )
    if kind == "companies_csv" and not {"company_domain", "website"} & cols.index.keys():
        raise ImportFormatError(
            "missing column 'Company Domain Name' (or 'Website URL') in the header row of a "
            "companies export",
            path=str(path),
            line=header_line,
        )
    if kind == "tasks_csv" and not {"task_title", "due"} & cols.index.keys():
        raise ImportFormatError(
            "missing column 'Task Title' (or 'Due Date') in the header row of a tasks export",
            path=str(path),
            line=header_line,
        )
    handler = {
        "contacts_csv": _contact,
        "companies_csv": _company,
        "deals_csv": _deal,
        "tasks_csv": _task,
        "notes_csv": _note,
    }[kind]
    seen: dict[str, int] = {}
    companies: dict[str, CompanyRecord] = {}
    for line, values in rows:
        handler(ctx, _Row(cols, values, line), seen, companies)
    ctx.batch.companies.extend(companies.values())
    if kind in {"tasks_csv", "notes_csv"}:
        ctx.warn_unlinked("task" if kind == "tasks_csv" else "note")
    return ctx.batch


# Required columns as HubSpot's export spells them, for error messages.
_LABELS = {
    "email": "Email",
    "record_id": "Record ID",
    "activity_id": "Record ID",
    "note_body": "Note body",
    "deal_name": "Deal Name",
    "deal_stage": "Deal Stage",
}


def _label(field: str) -> str:
    return _LABELS.get(field, field)


def _contact(
    ctx: _Ctx, row: _Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    raw_email = row.get("email")
    if not raw_email:
        ctx.warn(row.line, "skipped, no email")
        return
    email = _single_email(raw_email)
    if email is None:
        ctx.warn(row.line, f"skipped, {raw_email!r} is not an email address")
        return
    if email in seen:
        ctx.warn(row.line, f"skipped, {email} already imported from line {seen[email]}")
        return
    seen[email] = row.line

    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p) or (
        row.get("full_name") or None
    )
    company_name = row.get("company_name") or _strip_id(row.get("associated_company")) or None
    domain = normalize_domain(row.get("company_domain")) or normalize_domain(row.get("website"))
    if domain is None and not is_free_mail(email):
        domain = email_domain(email)
    created = ctx.when(row, "create_date", "Create Date")
    record_id = row.get("record_id")
    contact = ContactRecord(
        email=email,
        name=name,
        title=row.get("title") or None,
        company_domain=domain,
        company_name=company_name,
        phone=row.get("phone") or None,
        lifecycle_stage=slug(row.get("lifecycle")) or None,
        owner=row.get("contact_owner") or None,
        created_at=created,
        external_ids={"hubspot": record_id} if record_id else {},
    )
    ctx.batch.contacts.append(contact)
    if domain and domain not in companies:
        companies[domain] = CompanyRecord(
            domain=domain, name=company_name or name_from_domain(domain)
        )
    ctx.batch.signals.append(
        SignalRecord(
            kind="contact.created",
            occurred_at=created or ctx.file_time,
            dedup_key=f"contact.created:{email}",
            payload={
                "name": name,
                "title": contact.title,
                "company": company_name,
                "lifecycle_stage": contact.lifecycle_stage,
                "source": "hubspot_csv",
            },
            contact_email=email,
            company_domain=domain,
        )
    )


def _company(
    ctx: _Ctx, row: _Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    domain = normalize_domain(row.get("company_domain")) or normalize_domain(row.get("website"))
    name = row.get("company_name")
    if domain is None:
        what = f"{name!r} " if name else ""
        ctx.warn(row.line, f"skipped company {what}with no domain")
        return
    if domain in seen:
        ctx.warn(row.line, f"skipped, {domain} already imported from line {seen[domain]}")
        return
    seen[domain] = row.line
    size: int | None = None
    raw_size = row.get("employees")
    if raw_size:
        try:
            size = int(float(raw_size.replace(",", "").replace(" ", "")))
        except ValueError:
            ctx.warn(row.line, f"ignored Number of Employees {raw_size!r}: not a number")
    raw_tier = row.get("tier")
    tier = _tier(raw_tier)
    if raw_tier and tier is None:
        ctx.warn(row.line, f"ignored Ideal Customer Profile Tier {raw_tier!r}: expected Tier 1-3")
    record_id = row.get("record_id")
    companies[domain] = CompanyRecord(
        domain=domain,
        name=name or name_from_domain(domain),
        industry=_industry(row.get("industry")),
        size=size,
        tier=tier,
        external_ids={"hubspot": record_id} if record_id else {},
    )


def _deal(ctx: _Ctx, row: _Row, seen: dict[str, int], companies: dict[str, CompanyRecord]) -> None:
    record_id = row.get("record_id")
    name = row.get("deal_name")
    if not record_id:
        ctx.warn(row.line, f"skipped deal {name!r}, no Record ID")
        return
    if record_id in seen:
        ctx.warn(
            row.line, f"skipped, deal {record_id} already imported from line {seen[record_id]}"
        )
        return
    raw_stage = row.get("deal_stage")
    if not raw_stage:
        ctx.warn(row.line, f"skipped deal {name or record_id!r}, no Deal Stage")
        return
    seen[record_id] = row.line
    stage = _DEFAULT_STAGES.get(slug(raw_stage), slug(raw_stage))
    pipeline_label = row.get("pipeline")
    pipeline = (
        "default" if slug(pipeline_label) in {"", "default", "salespipeline"} else pipeline_label
    )

    contacts, _ = _association_emails(row.get("associated_contact"))

    company_name, domain = _company_ref(row.get("associated_company"))
    domain = normalize_domain(row.get("company_domain")) or domain
    if domain is None:
        domain = next((email_domain(c) for c in contacts if not is_free_mail(c)), None)

    amount: float | None = None
    raw_amount = row.get("amount")
    if raw_amount:
        cleaned = re.sub(r"[^\d.\-]", "", raw_amount.replace(",", ""))
        try:
            amount = float(cleaned)
        except ValueError:
            ctx.warn(row.line, f"ignored Amount {raw_amount!r}: not a number")

    created = ctx.when(row, "create_date", "Create Date")
    stage_entered = _stage_entered(ctx, row, stage, slug(pipeline_label))
    if stage_entered is None:
        stage_entered = ctx.when(row, "last_modified", "Last Modified Date") or created
    currency = row.get("currency").upper()
    deal = DealRecord(
        external_id=record_id,
        name=name or f"Deal {record_id}",
        stage=stage,
        pipeline=pipeline,
        amount=amount,
        currency=currency if re.fullmatch(r"[A-Z]{3}", currency) else "USD",
        close_date=ctx.day(row, "close_date", "Close Date"),
        company_domain=domain,
        contact_emails=contacts,
        stage_entered_at=stage_entered,
        last_activity_at=ctx.when(row, "last_activity", "Last Activity Date"),
        created_at=created,
    )
    ctx.batch.deals.append(deal)
    ctx.batch.signals.append(
        SignalRecord(
            kind="deal.created",
            occurred_at=created or ctx.file_time,
            dedup_key=f"deal.created:{record_id}",
            payload={
                "name": deal.name,
                "stage": stage,
                "stage_label": raw_stage,
                "pipeline": pipeline,
                "amount": amount,
                "owner": row.get("deal_owner") or None,
                "company_name": company_name,
            },
            contact_email=contacts[0] if contacts else None,
            company_domain=domain,
            deal_external_id=record_id,
        )
    )


def _task(ctx: _Ctx, row: _Row, seen: dict[str, int], companies: dict[str, CompanyRecord]) -> None:
    record_id = row.get("activity_id")
    title = re.sub(r"\s+", " ", row.get("task_title")).strip()
    if not _first_seen(ctx, row, seen, record_id, "task", title):
        return
    status = _task_status(ctx, row)
    raw_priority = row.get("priority")
    priority = _PRIORITIES.get(slug(raw_priority))
    if raw_priority and slug(raw_priority) not in _PRIORITIES:
        ctx.warn(row.line, f"ignored Priority {raw_priority!r}: expected High, Medium or Low")
    completed = ctx.when(row, "completed_at", "Completed at")
    if status is None:
        # No readable status: a completion date is the only evidence the task is done.
        status = "COMPLETED" if completed else "NOT_STARTED"
    contacts, domain, deal_id = _associations(ctx, row)
    ctx.batch.tasks.append(
        TaskRecord(
            external_id=record_id,
            title=title or f"Task {record_id}",
            due_at=_due(ctx, row),
            status=status,
            priority=priority,
            body=_rich_text(row.get("task_body")) or None,
            owner=row.get("activity_owner") or None,
            contact_emails=contacts,
            company_domain=domain,
            deal_external_id=deal_id,
            created_at=ctx.when(row, "activity_created", "Create Date"),
            completed_at=completed,
        )
    )


def _note(ctx: _Ctx, row: _Row, seen: dict[str, int], companies: dict[str, CompanyRecord]) -> None:
    record_id = row.get("activity_id")
    body = _rich_text(row.get("note_body"))
    if not _first_seen(ctx, row, seen, record_id, "note", body[:40]):
        return
    if not body:
        # Notes that only hold attachments export with an empty body; nothing to show.
        ctx.warn(row.line, f"skipped note {record_id}, empty Note body")
        return
    contacts, domain, deal_id = _associations(ctx, row)
    created = ctx.when(row, "activity_date", "Activity date") or ctx.when(
        row, "activity_created", "Create Date"
    )
    ctx.batch.notes.append(
        NoteRecord(
            external_id=record_id,
            body=body,
            created_at=created or ctx.file_time,
            owner=row.get("activity_owner") or None,
            contact_emails=contacts,
            company_domain=domain,
            deal_external_id=deal_id,
        )
    )


def _first_seen(
    ctx: _Ctx, row: _Row, seen: dict[str, int], record_id: str, what: str, name: str
) -> bool:
    if not record_id:
        label = f" {name!r}" if name else ""
        ctx.warn(row.line, f"skipped {what}{label}, no Record ID")
        return False
    if record_id in seen:
        ctx.warn(
            row.line, f"skipped, {what} {record_id} already imported from line {seen[record_id]}"
        )
        return False
    seen[record_id] = row.line
    return True


def _task_status(ctx: _Ctx, row: _Row) -> str | None:
    raw = row.get("task_status")
    if not raw:
        return None
    status = _TASK_STATUSES.get(slug(raw))
    if status is None:
        ctx.warn(
            row.line,
            f"ignored Task Status {raw!r}: expected Not started, In progress, Waiting, "
            "Completed or Deferred",
        )
    return status


def _due(ctx: _Ctx, row: _Row) -> datetime | None:
    raw = row.get("due")
    try:
        parsed = parse_loose_datetime(raw, ctx.tz)
    except ValueError:
        ctx.warn(row.line, f"ignored Due Date {raw!r}: not a date")
        return None
    if parsed is None:
        return None
    moment, had_time = parsed
    if had_time:
        return moment
    day = moment.astimezone(ctx.tz).date()
    return datetime.combine(day, DATE_ONLY_DUE, tzinfo=ctx.tz).astimezone(UTC)


# What is wrong with an association cell that links nothing, and how to export it so it links.
_UNLINKED = {
    "Associated Contact": (
        "has no email address",
        "export contacts with their email, as 'Name (email)'",
    ),
    "Associated Contact IDs": (
        "is a contact record id, which cannot be matched to a contact",
        "include the 'Associated Contact' column, with emails",
    ),
    "Associated Deal": (
        "is a deal name, not its Record ID",
        "include the 'Associated Deal IDs' column",
    ),
    "Associated Deal IDs": ("is not a deal Record ID", "expected numeric record ids"),
}


def _associations(ctx: _Ctx, row: _Row) -> tuple[list[str], str | None, str | None]:
    """(contact emails, company domain, deal record id) of an activity row."""
    cell = row.get("associated_contact")
    contacts, unreadable = _association_emails(cell)
    if unreadable:
        ctx.unlinked(row.line, "Associated Contact", unreadable[0])
    elif not cell and row.get("associated_contact_ids"):
        ctx.unlinked(row.line, "Associated Contact IDs", row.get("associated_contact_ids"))

    _, domain = _company_ref(row.get("associated_company"))
    domain = normalize_domain(row.get("company_domain")) or domain
    if domain is None:
        domain = next((email_domain(c) for c in contacts if not is_free_mail(c)), None)

    # An activity can sit on several deals; the record has room for one, the first.
    deal_id: str | None = None
    ids = [p.strip() for p in re.split(r"[;,]", row.get("associated_deal_ids")) if p.strip()]
    deal_cell = row.get("associated_deal").split(";")[0].strip()
    if ids:
        if re.fullmatch(r"\d+", ids[0]):
            deal_id = ids[0]
        else:
            ctx.unlinked(row.line, "Associated Deal IDs", ids[0])
    elif deal_cell:
        # A bare record id, or one after the name the way HubSpot labels some associations.
        m = re.fullmatch(r"(\d+)|.*\((\d+)\)", deal_cell)
        if m:
            deal_id = m.group(1) or m.group(2)
        else:
            ctx.unlinked(row.line, "Associated Deal", deal_cell)
    return contacts, domain, deal_id


def _association_emails(cell: str) -> tuple[list[str], list[str]]:
    """Addresses in an association cell, and the ';'-separated entries that hold none."""
    emails: list[str] = []
    unreadable: list[str] = []
    for piece in cell.split(";"):
        found = [m.group(0).lower() for m in EMAIL_RE.finditer(piece)]
        if not found and piece.strip():
            unreadable.append(piece.strip())
        for address in found:
            if address not in emails:
                emails.append(address)
    return emails, unreadable


def _rich_text(value: str) -> str:
    """Plain text of a task or note body; HubSpot stores both as HTML from its editor."""
    if re.search(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>", value):
        return html_to_text(value)
    return value.replace("\r\n", "\n").strip()


def _stage_entered(ctx: _Ctx, row: _Row, stage: str, pipeline: str) -> datetime | None:
    candidates = [c for c in row.header.date_entered if c[0] == stage]
    # With several pipelines the same stage label can appear once per pipeline.
    candidates.sort(key=lambda c: c[1] != pipeline)
    for _, _, index in candidates:
        raw = row.values[index].strip() if index < len(row.values) else ""
        if not raw:
            continue
        try:
            parsed = parse_loose_datetime(raw, ctx.tz)
        except ValueError:
            ctx.warn(row.line, f"ignored stage entry date {raw!r}: not a date")
            continue
        if parsed:
            return parsed[0]
    return None


def _company_ref(value: str) -> tuple[str | None, str | None]:
    """(name, domain) from an association cell: 'Acme', 'acme.example', 'Acme (acme.example)'."""
    first = value.split(";")[0].strip()
    if not first:
        return None, None
    m = re.match(r"^(?P<name>.*?)\s*\((?P<inner>[^()]*)\)\s*$", first)
    if m:
        return m.group("name") or None, normalize_domain(m.group("inner"))
    if " " not in first and normalize_domain(first):
        return None, normalize_domain(first)
    return first, None


def _strip_id(value: str) -> str:
    """'Acme Robotics (1234567)' -> 'Acme Robotics': HubSpot appends record ids to some names."""
    first = value.split(";")[0].strip()
    return re.sub(r"\s*\(\d+\)$", "", first)


def _single_email(value: str) -> str | None:
    m = EMAIL_RE.fullmatch(value.strip()) or EMAIL_RE.fullmatch(value.strip().strip("<>"))
    return m.group(0).lower() if m else None


def _tier(value: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    if v.upper() in {"A", "B", "C"}:
        return v.upper()
    m = re.fullmatch(r"(?:tier)?[\s_-]*([123])", v, re.I)
    return _TIERS[m.group(1)] if m else None


def _industry(value: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    # Exports with internal values give enum names such as COMPUTER_SOFTWARE.
    if re.fullmatch(r"[A-Z0-9_]+", v) and "_" in v:
        return v.replace("_", " ").title()
    return v
