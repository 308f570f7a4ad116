"""HubSpot tasks and notes exports: fields, associations, warnings and header detection."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import ImportFormatError
from connectors.files import detect_kind, parse_file
from tests.files_helpers import OPERATOR, write

TASKS = (
    "\ufeffRecord ID,Task Title,Task Type,Task Status,Priority,Due Date,Activity assigned to,"
    "Create Date,Completed at,Notes,Associated Contact,Associated Company,Associated Deal,"
    "Associated Deal IDs\r\n"
    # Labels, a multi-valued contact cell, a deal named and numbered.
    "501,Send renewal quote,Email,Not started,High,2026-11-24 09:00,Casey Morgan,"
    '2026-11-20 10:00,,"<p>Quote for <b>three</b> entities &amp; the add-on.</p><p>Ask Bo.</p>",'
    '"Dana Reyes (Dana@Acme.example); Bo Lin (bo@acme.example); dana@acme.example",Acme Robotics,'
    "Acme rollout,11\r\n"
    # Internal values; a date-only due date; the deal as 'Name (id)'.
    "502,Plan QBR,TODO,IN_PROGRESS,LOW,2026-12-09,,,,Plain notes,,kestrel.example,"
    "Kestrel expansion (12),\r\n"
    # Completed, done on a summer date-only due date; priority None.
    "503,Renew NDA,To-do,Completed,None,07/01/2026,,2026-06-01 09:00,2026-06-30 16:10,,"
    "pat@gmail.com,,,\r\n"
    # No due date and no title; a completion date but no status; the deal only by name.
    "504,,Call,,Medium,,,,2026-11-02,,Cy Oh,,Fernwood pilot,\r\n"
    # Unreadable values are dropped with a warning, the task is kept.
    "505,Odd one,To-do,Someday,Urgent,next week,,,,,,,,abc\r\n"
    ",No id,To-do,Not started,,2026-11-24,,,,,,,,\r\n"
    "501,Duplicate,To-do,Not started,,2026-11-24,,,,,,,,\r\n"
)


def test_tasks_export(tmp_path: Path) -> None:
    path = write(tmp_path, "tasks.csv", TASKS)
    assert detect_kind(path) == "tasks_csv"
    batch = parse_file(path, OPERATOR)
    assert batch.signals == [] and batch.contacts == [] and batch.companies == []
    tasks = {t.external_id: t for t in batch.tasks}
    assert list(tasks) == ["501", "502", "503", "504", "505"]

    quote = tasks["501"]
    assert quote.title == "Send renewal quote"
    assert quote.status == "NOT_STARTED"
    assert quote.priority == "HIGH"
    assert quote.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert quote.created_at == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert quote.completed_at is None
    assert quote.owner == "Casey Morgan"
    assert quote.body == "Quote for three entities & the add-on.\n\nAsk Bo."
    assert quote.contact_emails == ["dana@acme.example", "bo@acme.example"]
    assert quote.company_domain == "acme.example"  # the cell is a name: from the contacts
    assert quote.deal_external_id == "11"  # the IDs column wins over the name

    qbr = tasks["502"]
    assert (qbr.status, qbr.priority) == ("IN_PROGRESS", "LOW")
    # A date alone means the end of that working day, in the operator's zone (EST).
    assert qbr.due_at == datetime(2026, 12, 9, 22, 0, tzinfo=UTC)
    assert qbr.body == "Plain notes"
    assert qbr.company_domain == "kestrel.example"
    assert qbr.deal_external_id == "12"
    assert qbr.owner is None and qbr.contact_emails == []

    nda = tasks["503"]
    assert (nda.status, nda.priority) == ("COMPLETED", None)
    assert nda.due_at == datetime(2026, 7, 1, 21, 0, tzinfo=UTC)  # 17:00 EDT
    assert nda.completed_at == datetime(2026, 6, 30, 20, 10, tzinfo=UTC)
    assert nda.contact_emails == ["pat@gmail.com"]
    assert nda.company_domain is None  # free mail says nothing about the employer

    call = tasks["504"]
    assert call.title == "Task 504"
    assert call.due_at is None
    assert call.status == "COMPLETED"  # no status, but a completion date
    assert call.completed_at == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    assert call.contact_emails == [] and call.deal_external_id is None

    odd = tasks["505"]
    assert (odd.status, odd.priority, odd.due_at) == ("NOT_STARTED", None, None)
    assert odd.deal_external_id is None

    assert batch.warnings == [
        "tasks.csv:6: ignored Task Status 'Someday': expected Not started, In progress, "
        "Waiting, Completed or Deferred",
        "tasks.csv:6: ignored Priority 'Urgent': expected High, Medium or Low",
        "tasks.csv:6: ignored Due Date 'next week': not a date",
        "tasks.csv:7: skipped task 'No id', no Record ID",
        "tasks.csv:8: skipped, task 501 already imported from line 2",
        # Association cells that link nothing are summed up once per column.
        "tasks.csv:5: Associated Contact 'Cy Oh' has no email address; 1 task was imported "
        "without that link (export contacts with their email, as 'Name (email)')",
        "tasks.csv:5: Associated Deal 'Fernwood pilot' is a deal name, not its Record ID; "
        "1 task was imported without that link (include the 'Associated Deal IDs' column)",
        "tasks.csv:6: Associated Deal IDs 'abc' is not a deal Record ID; 1 task was imported "
        "without that link (expected numeric record ids)",
    ]
    for t in batch.tasks:
        for value in vars(t).values():
            if isinstance(value, datetime):
                assert value.utcoffset() == timedelta(0)


def test_tasks_export_internal_names_and_epoch_millis(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tasks.csv",
        "hs_object_id,hs_task_subject,hs_timestamp,hs_task_status,hs_task_priority,"
        "hubspot_owner_id,hs_task_body,Associated Contact IDs\n"
        "7,Follow up,1795510800000,WAITING,MEDIUM,81234567,,901;902\n"
        "8,Check in,1795510800000,DEFERRED,,,,903\n",
    )
    assert detect_kind(path) == "tasks_csv"
    batch = parse_file(path, OPERATOR)
    first, second = batch.tasks
    assert first.due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert (first.status, first.priority, first.owner) == ("WAITING", "MEDIUM", "81234567")
    assert second.status == "DEFERRED"
    assert first.contact_emails == second.contact_emails == []
    assert batch.warnings == [
        "tasks.csv:2: Associated Contact IDs '901;902' is a contact record id, which cannot be "
        "matched to a contact; 2 tasks were imported without that link (include the "
        "'Associated Contact' column, with emails)"
    ]


def test_tasks_header_detection(tmp_path: Path) -> None:
    def kind(header: str) -> str:
        return detect_kind(write(tmp_path, "x.csv", header + "\n"))

    # The header of a minimal export, as the daemon's own tests write it.
    assert kind("Record ID,Task Title,Due Date,Task Status,Priority,Associated Contact") == (
        "tasks_csv"
    )
    assert kind("Record ID,Subject,Task Due Date,Notes") == "tasks_csv"
    assert kind("Record ID,Subject,Due Date") == "tasks_csv"
    assert kind("Record ID,Due Date,Task Type") == "tasks_csv"
    assert kind("Record ID,Note body,Activity date") == "notes_csv"
    assert kind("hs_object_id,hs_note_body,hs_timestamp") == "notes_csv"
    # An email column makes a list of people, whatever else it carries.
    assert kind("Email,Subject,Due Date") == "contacts_csv"
    # Neither a title nor a due date: not tasks, even with task columns.
    with pytest.raises(ImportFormatError, match=r"'Task Title' or 'Due Date' \(tasks\)"):
        parse_file(
            write(tmp_path, "t.csv", "Record ID,Task Status,Priority\n1,Completed,\n"), OPERATOR
        )
    with pytest.raises(ImportFormatError, match=r"missing column 'Task Title' \(or 'Due Date'\)"):
        parse_file(
            write(tmp_path, "t.csv", "Record ID,Task Status\n1,Completed\n"),
            OPERATOR,
            kind="tasks_csv",
        )
    with pytest.raises(ImportFormatError, match="missing column 'Record ID'"):
        parse_file(write(tmp_path, "t.csv", "Task Title,Due Date\nx,2026-11-24\n"), OPERATOR)
    with pytest.raises(ImportFormatError, match="missing column 'Note body'"):
        parse_file(
            write(tmp_path, "n.csv", "Record ID,Activity date\n1,\n"), OPERATOR, kind="notes_csv"
        )


def test_notes_export(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "notes.csv",
        "\ufeffRecord ID,Note body,Activity date,Activity assigned to,Create Date,"
        "Associated Contact,Associated Company,Associated Deal\n"
        '31,"<div style="""" dir=""auto""><p>Call with Dana &amp; Bo.</p><p>Budget: 40k.</p>'
        '</div>",2026-11-20 10:00,Casey Morgan,2026-11-20 10:05,'
        "Dana Reyes (dana@acme.example),Acme (acme.example),Acme rollout (11)\n"
        # No activity date: the create date stands in.
        '32,"Plain text,\nover two lines",,,11/19/2026 4:30 PM,Dana Reyes; bo@acme.example,,11\n'
        # Neither: the export's file time.
        "33,Undated,,,,,,Acme rollout\n"
        "34,,2026-11-20 10:00,,,,,\n"
        "35,Bad date,someday,,,,,\n",
    )
    mtime = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    assert detect_kind(path) == "notes_csv"
    batch = parse_file(path, OPERATOR)
    assert batch.signals == []
    notes = {n.external_id: n for n in batch.notes}
    assert list(notes) == ["31", "32", "33", "35"]
    call = notes["31"]
    assert call.body == "Call with Dana & Bo.\n\nBudget: 40k."
    assert call.created_at == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert call.owner == "Casey Morgan"
    assert call.contact_emails == ["dana@acme.example"]
    assert call.company_domain == "acme.example"
    assert call.deal_external_id == "11"
    plain = notes["32"]
    assert plain.body == "Plain text,\nover two lines"
    assert plain.created_at == datetime(2026, 11, 19, 21, 30, tzinfo=UTC)
    assert plain.contact_emails == ["bo@acme.example"]
    assert plain.deal_external_id == "11"
    assert notes["33"].created_at == mtime
    assert notes["33"].deal_external_id is None
    assert notes["35"].created_at == mtime
    assert batch.warnings == [
        "notes.csv:6: skipped note 34, empty Note body",
        "notes.csv:7: ignored Activity date 'someday': not a date",
        "notes.csv:3: Associated Contact 'Dana Reyes' has no email address; 1 note was "
        "imported without that link (export contacts with their email, as 'Name (email)')",
        "notes.csv:5: Associated Deal 'Acme rollout' is a deal name, not its Record ID; 1 note "
        "was imported without that link (include the 'Associated Deal IDs' column)",
    ]
