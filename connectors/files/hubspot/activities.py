"""Tasks and notes exports: TaskRecord and NoteRecord, linked to contacts, a company and a deal.

HubSpot exports activities one type at a time from the activity index pages. They carry no
signals: whether a task is due, overdue or newly completed depends on the clock and on what the
store already holds, so the daemon derives those. Association cells that link nothing are
tallied on the context and warned about once per column.
"""

from __future__ import annotations

import re
from datetime import datetime

from connectors.addresses import email_domain, is_free_mail, normalize_domain
from connectors.base import CompanyRecord, NoteRecord, TaskRecord
from connectors.files._common import slug
from connectors.files.hubspot import values
from connectors.files.hubspot.columns import Row
from connectors.files.hubspot.context import ParseContext

_SPACES_RE = re.compile(r"\s+")
_ID_SEPARATOR_RE = re.compile(r"[;,]")
_DEAL_REF_RE = re.compile(r"(\d+)|.*\((\d+)\)")


def add_task(
    ctx: ParseContext, row: Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    record_id = row.get("activity_id")
    title = _SPACES_RE.sub(" ", row.get("task_title")).strip()
    if not _first_seen(ctx, row, seen, record_id, "task", title):
        return
    status = _task_status(ctx, row)
    raw_priority = row.get("priority")
    priority = values.PRIORITIES.get(slug(raw_priority))
    if raw_priority and slug(raw_priority) not in values.PRIORITIES:
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
            body=values.rich_text(row.get("task_body")) or None,
            owner=row.get("activity_owner") or None,
            contact_emails=contacts,
            company_domain=domain,
            deal_external_id=deal_id,
            created_at=ctx.when(row, "activity_created", "Create Date"),
            completed_at=completed,
        )
    )


def add_note(
    ctx: ParseContext, row: Row, seen: dict[str, int], companies: dict[str, CompanyRecord]
) -> None:
    record_id = row.get("activity_id")
    body = values.rich_text(row.get("note_body"))
    if not _first_seen(ctx, row, seen, record_id, "note", body[:40]):
        return
    if not body:
        # Notes that only hold attachments export with an empty body; nothing to show.
        ctx.skip(row.line, f"skipped note {record_id}, empty Note body")
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
    ctx: ParseContext, row: Row, seen: dict[str, int], record_id: str, what: str, name: str
) -> bool:
    if not record_id:
        label = f" {name!r}" if name else ""
        ctx.skip(row.line, f"skipped {what}{label}, no Record ID")
        return False
    return ctx.first_time(seen, record_id, row.line, f"{what} ")


def _task_status(ctx: ParseContext, row: Row) -> str | None:
    raw = row.get("task_status")
    if not raw:
        return None
    status = values.TASK_STATUSES.get(slug(raw))
    if status is None:
        ctx.warn(
            row.line,
            f"ignored Task Status {raw!r}: expected Not started, In progress, Waiting, "
            "Completed or Deferred",
        )
    return status


def _due(ctx: ParseContext, row: Row) -> datetime | None:
    raw = row.get("due")
    try:
        return values.due_at(raw, ctx.tz)
    except ValueError:
        ctx.warn(row.line, f"ignored Due Date {raw!r}: not a date")
        return None


def _associations(ctx: ParseContext, row: Row) -> tuple[list[str], str | None, str | None]:
    """(contact emails, company domain, deal record id) of an activity row."""
    cell = row.get("associated_contact")
    contacts, unreadable = values.association_emails(cell)
    if unreadable:
        ctx.unlinked(row.line, "Associated Contact", unreadable[0])
    elif not cell and row.get("associated_contact_ids"):
        ctx.unlinked(row.line, "Associated Contact IDs", row.get("associated_contact_ids"))

    _, domain = values.company_ref(row.get("associated_company"))
    domain = normalize_domain(row.get("company_domain")) or domain
    if domain is None:
        domain = next((email_domain(c) for c in contacts if not is_free_mail(c)), None)

    # An activity can sit on several deals; the record has room for one, the first.
    deal_id: str | None = None
    ids = [p.strip() for p in _ID_SEPARATOR_RE.split(row.get("associated_deal_ids")) if p.strip()]
    deal_cell = row.get("associated_deal").split(";")[0].strip()
    if ids:
        if ids[0].isdecimal():
            deal_id = ids[0]
        else:
            ctx.unlinked(row.line, "Associated Deal IDs", ids[0])
    elif deal_cell:
        # A bare record id, or one after the name the way HubSpot labels some associations.
        m = _DEAL_REF_RE.fullmatch(deal_cell)
        if m:
            deal_id = m.group(1) or m.group(2)
        else:
            ctx.unlinked(row.line, "Associated Deal", deal_cell)
    return contacts, domain, deal_id
