"""Local file parsers: HubSpot CSV exports, mbox archives and iCalendar files."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ImportFormatError, OperatorIdentity
from connectors.files import detect_kind, parse_file
from connectors.files.mbox import html_to_text, strip_quoted

NY = ZoneInfo("America/New_York")
OPERATOR = OperatorIdentity(
    name="Casey Morgan",
    emails=("casey@quill.example",),
    internal_domains=("quill.example",),
    timezone="America/New_York",
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


# --------------------------------------------------------------------------- HubSpot CSVs

CONTACTS = (
    "\ufeffRecord ID,First Name,Last Name,Email,Phone Number,Job Title,Lifecycle Stage,"
    "Contact owner,Create Date,Company Name,Website URL\n"
    "101,Dana,Reyes,Dana.Reyes@Acme-Robotics.example,+1 555 0100,VP Finance,"
    "Marketing Qualified Lead,Casey Morgan,2026-11-20 14:03,Acme Robotics,\n"
    "\n"
    "102,Bo,Lin,,,,Lead,,11/20/2026,Nowhere,\n"
    "103,Al,Ng,al.ng@gmail.com,,Consultant,Lead,,2026-11-20T09:00:00Z,,\n"
    "104,Cy,Oh,cy@site.example,,,Customer,,,Site Co,https://www.Site-Co.example/about\n"
    "105,Di,Pa,not-an-email,,,Lead,,,,\n"
    "106,Dana,Again,dana.reyes@acme-robotics.example,,,Lead,,,,\n"
    '107,"Ed, Jr.",Qu,ed@acme-robotics.example,,"Director, FP&A",Lead,,yesterday,,\n'
)


def test_contacts_export(tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv", CONTACTS)
    mtime = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    assert detect_kind(path) == "contacts_csv"
    batch = parse_file(path, OPERATOR)
    assert batch.source == "files"
    by_email = {c.email: c for c in batch.contacts}
    assert list(by_email) == [
        "dana.reyes@acme-robotics.example",
        "al.ng@gmail.com",
        "cy@site.example",
        "ed@acme-robotics.example",
    ]
    dana = by_email["dana.reyes@acme-robotics.example"]
    assert dana.name == "Dana Reyes"
    assert dana.title == "VP Finance"
    assert dana.lifecycle_stage == "marketingqualifiedlead"
    assert dana.owner == "Casey Morgan"
    assert dana.external_ids == {"hubspot": "101"}
    # 14:03 in New York in November is 19:03 UTC.
    assert dana.created_at == datetime(2026, 11, 20, 19, 3, tzinfo=UTC)
    assert dana.company_domain == "acme-robotics.example"
    assert by_email["al.ng@gmail.com"].company_domain is None
    assert by_email["al.ng@gmail.com"].created_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert by_email["cy@site.example"].company_domain == "site-co.example"
    assert by_email["ed@acme-robotics.example"].title == "Director, FP&A"

    companies = {c.domain: c for c in batch.companies}
    assert set(companies) == {"acme-robotics.example", "site-co.example"}
    assert companies["acme-robotics.example"].name == "Acme Robotics"

    signals = {s.dedup_key: s for s in batch.signals}
    assert set(signals) == {f"contact.created:{email}" for email in by_email}
    dana_signal = signals["contact.created:dana.reyes@acme-robotics.example"]
    assert dana_signal.kind == "contact.created"
    assert dana_signal.occurred_at == dana.created_at
    assert dana_signal.contact_email == dana.email
    assert dana_signal.company_domain == "acme-robotics.example"
    # No Create Date (or an unreadable one): the export's file time stands in.
    assert signals["contact.created:cy@site.example"].occurred_at == mtime
    assert signals["contact.created:ed@acme-robotics.example"].occurred_at == mtime

    assert batch.warnings == [
        "contacts.csv:4: skipped, no email",
        "contacts.csv:7: skipped, 'not-an-email' is not an email address",
        "contacts.csv:8: skipped, dana.reyes@acme-robotics.example already imported from line 2",
        "contacts.csv:9: ignored Create Date 'yesterday': not a date",
    ]
    for record in (*batch.contacts, *batch.signals):
        for value in vars(record).values():
            if isinstance(value, datetime):
                assert value.tzinfo is not None and value.utcoffset() == timedelta(0)


def test_companies_export(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "companies.csv",
        "Record ID,Company name,Company Domain Name,Industry,Number of Employees,"
        "Ideal Customer Profile Tier,Lifecycle Stage,Website URL\r\n"
        '1,Acme Robotics,acme.example,Manufacturing,"1,200",Tier 1,Customer,\r\n'
        "2,Fernwood,FERNWOOD.example,COMPUTER_SOFTWARE,210,tier_2,Lead,\r\n"
        "3,Kestrel,,Financial Services,480.0,Tier 3,Lead,https://www.kestrel.example/x\r\n"
        "4,Nameless,,,,,,\r\n"
        "5,Odd Tier,odd.example,,many,Gold,,\r\n",
    )
    assert detect_kind(path) == "companies_csv"
    batch = parse_file(path, OPERATOR)
    companies = {c.domain: c for c in batch.companies}
    assert list(companies) == ["acme.example", "fernwood.example", "kestrel.example", "odd.example"]
    assert companies["acme.example"].size == 1200
    assert companies["acme.example"].tier == "A"
    assert companies["acme.example"].external_ids == {"hubspot": "1"}
    assert companies["fernwood.example"].tier == "B"
    assert companies["fernwood.example"].industry == "Computer Software"
    assert companies["kestrel.example"].tier == "C"
    assert companies["kestrel.example"].size == 480
    assert companies["odd.example"].tier is None
    assert companies["odd.example"].size is None
    assert batch.signals == []
    assert batch.warnings == [
        "companies.csv:5: skipped company 'Nameless' with no domain",
        "companies.csv:6: ignored Number of Employees 'many': not a number",
        "companies.csv:6: ignored Ideal Customer Profile Tier 'Gold': expected Tier 1-3",
    ]


DEALS_HEADER = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,Deal owner,"
    "Last Activity Date,Last Modified Date,Associated Company,Associated Contact,"
    '"Date entered ""Contract Sent (Sales Pipeline)""",'
    '"Date entered ""Decision Maker Bought-In (Sales Pipeline)"""\n'
)


def test_deals_export(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "deals.csv",
        DEALS_HEADER + '11,Acme rollout,Contract Sent,Sales Pipeline,"$48,000.00",11/20/2026,'
        "2026-09-01 10:00,Casey Morgan,2026-11-18 09:30,2026-11-19 08:00,Acme Robotics,"
        '"Dana Reyes (Dana@Acme.example); Bo Lin (bo@acme.example)",2026-11-10 16:45,'
        "2026-10-01 10:00\n"
        "12,Pilot,Decision Maker Bought-In,Sales Pipeline,9500,2026-12-01,2026-10-01,,,"
        "2026-10-20 12:00,Fern (fern.example),pat@gmail.com,,\n"
        "13,Internal ids,closedwon,default,abc,2026-12-01T00:00:00Z,2026-10-01,,,,"
        "kestrel.example,,,\n"
        ",No id,Closed Won,Sales Pipeline,1,,,,,,,,,\n",
    )
    assert detect_kind(path) == "deals_csv"
    batch = parse_file(path, OPERATOR)
    deals = {d.external_id: d for d in batch.deals}
    assert list(deals) == ["11", "12", "13"]

    acme = deals["11"]
    assert acme.stage == "contractsent"
    assert acme.pipeline == "default"
    assert acme.amount == 48000.0
    assert acme.close_date == date(2026, 11, 20)
    assert acme.contact_emails == ["dana@acme.example", "bo@acme.example"]
    assert acme.company_domain == "acme.example"  # from the contacts, the cell is only a name
    assert acme.stage_entered_at == datetime(2026, 11, 10, 21, 45, tzinfo=UTC)
    assert acme.last_activity_at == datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
    assert acme.created_at == datetime(2026, 9, 1, 14, 0, tzinfo=UTC)  # EDT in September

    pilot = deals["12"]
    assert pilot.stage == "decisionmakerboughtin"
    # The current stage's "Date entered" cell is empty: Last Modified Date stands in.
    assert pilot.stage_entered_at == datetime(2026, 10, 20, 16, 0, tzinfo=UTC)
    assert pilot.company_domain == "fern.example"
    assert pilot.contact_emails == ["pat@gmail.com"]

    internal = deals["13"]
    assert internal.stage == "closedwon"
    assert internal.amount is None
    assert internal.company_domain == "kestrel.example"
    # A midnight-UTC date must not slip to the previous day in New York.
    assert internal.close_date == date(2026, 12, 1)
    assert internal.stage_entered_at == internal.created_at  # no stage or modified date

    signals = {s.dedup_key: s for s in batch.signals}
    assert set(signals) == {"deal.created:11", "deal.created:12", "deal.created:13"}
    signal = signals["deal.created:11"]
    assert signal.kind == "deal.created"
    assert signal.occurred_at == acme.created_at
    assert signal.deal_external_id == "11"
    assert signal.contact_email == "dana@acme.example"
    assert signal.payload["company_name"] == "Acme Robotics"
    assert signal.payload["amount"] == 48000.0
    assert batch.warnings == [
        "deals.csv:4: ignored Amount 'abc': not a number",
        "deals.csv:5: skipped deal 'No id', no Record ID",
    ]


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


def test_csv_missing_required_column(tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv", "First Name,Last Name,Phone Number\nDana,Reyes,1\n")
    with pytest.raises(ImportFormatError, match="missing column 'Email'") as err:
        parse_file(path, OPERATOR, kind="contacts_csv")
    assert err.value.path == str(path)
    assert err.value.line == 1
    with pytest.raises(ImportFormatError, match="not a HubSpot export"):
        parse_file(path, OPERATOR)
    deals = write(tmp_path, "deals.csv", "Record ID,Deal Name,Amount\n1,x,2\n")
    with pytest.raises(ImportFormatError, match="missing column 'Deal Stage'"):
        parse_file(deals, OPERATOR)
    no_ids = write(tmp_path, "deals2.csv", "Deal Name,Deal Stage,Pipeline\nx,Closed Won,\n")
    with pytest.raises(ImportFormatError, match="missing column 'Record ID'"):
        parse_file(no_ids, OPERATOR)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "file is empty"),
        (b"\xff\xfe\x00\x81\x9dgarbage\x00\x00\xc3\x28", "not UTF-8"),
    ],
)
def test_csv_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, "export.csv", content)
    with pytest.raises(ImportFormatError, match=message):
        parse_file(path, OPERATOR)


def test_csv_undecodable_row_reports_line(tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv", b"Email\na@x.example\nb\xff@x.example\n")
    with pytest.raises(ImportFormatError, match="not a UTF-8 text file") as err:
        parse_file(path, OPERATOR, kind="contacts_csv")
    assert "contacts.csv" in str(err.value)


# --------------------------------------------------------------------------- mbox


def mail(
    *,
    frm: str,
    to: str = "Casey Morgan <casey@quill.example>",
    subject: str = "Pricing",
    date_: str = "Mon, 16 Nov 2026 10:00:00 -0500",
    msgid: str | None = "<m1@acme.example>",
    headers: str = "",
    body: str = "Hello there.\n",
    content_type: str = "text/plain; charset=utf-8",
    envelope: str = "From 1781000000000000001@xxx Mon Nov 16 15:00:00 +0000 2026",
) -> str:
    lines = [envelope]
    if headers:
        lines.append(headers.rstrip("\n"))
    if frm:
        lines.append(f"From: {frm}")
    lines += [f"To: {to}", f"Subject: {subject}"]
    if date_:
        lines.append(f"Date: {date_}")
    if msgid:
        lines.append(f"Message-ID: {msgid}")
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}", "", body.rstrip("\n"), ""]
    return "\n".join(lines) + "\n"


def test_mbox_thread_directions_and_signals(tmp_path: Path) -> None:
    inbound_body = (
        "Can you send pricing for three entities?\n\nThanks,\nDana\n\n"
        "On Fri, Nov 13, 2026 at 9:00 AM Casey Morgan <\ncasey@quill.example> wrote:\n"
        "> Hi Dana,\n>\n> Great to meet you.\n"
    )
    content = (
        mail(
            frm="Casey Morgan <casey@quill.example>",
            to="Dana Reyes <Dana@Acme.example>, Riley <riley@quill.example>",
            msgid="<root@quill.example>",
            date_="Fri, 13 Nov 2026 09:00:00 -0500",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Sent,Important",
            body="Great to meet you.\n",
        )
        + mail(
            frm="Dana Reyes <dana@acme.example>",
            msgid="<reply@acme.example>",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Inbox,Unread\n"
            "In-Reply-To: <root@quill.example>\nReferences: <root@quill.example>\n"
            "Cc: riley@quill.example",
            subject="Re: Pricing",
            body=inbound_body,
        )
        + mail(
            frm="Riley Chen <riley@quill.example>",
            msgid="<internal@quill.example>",
            headers="X-GM-THRID: 1781000000000000001",
            subject="Re: Pricing",
            date_="Mon, 16 Nov 2026 11:00:00 -0500",
            body="I can take this one.\n",
        )
        + mail(
            frm="Casey Morgan <casey@quill.example>",
            to="Riley Chen <riley@quill.example>",
            msgid="<note@quill.example>",
            subject="Internal note",
            body="Just us.\n",
        )
        + mail(
            frm="Casey Morgan <casey@quill.example>",
            to="dana@acme.example",
            msgid="<draft@quill.example>",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Draft",
            subject="Re: Pricing",
            body="Half-written\n",
        )
    )
    path = write(tmp_path, "All mail.mbox", content)
    assert detect_kind(path) == "mbox"
    batch = parse_file(path, OPERATOR)
    assert batch.warnings == []
    msgs = {m.message_id: m for m in batch.messages}
    assert list(msgs) == [
        "root@quill.example",
        "reply@acme.example",
        "internal@quill.example",
        "note@quill.example",
        "draft@quill.example",
    ]
    root, reply, internal = (
        msgs["root@quill.example"],
        msgs["reply@acme.example"],
        msgs["internal@quill.example"],
    )
    # X-GM-THRID, in the hex form the Gmail API uses for thread ids.
    assert root.thread_key == reply.thread_key == internal.thread_key == "18b7621058f88001"
    assert root.direction == "outbound"
    assert root.to == ["dana@acme.example", "riley@quill.example"]
    assert root.labels == ["Sent", "Important"]
    assert reply.direction == "inbound"
    assert reply.from_name == "Dana Reyes"
    assert reply.cc == ["riley@quill.example"]
    assert reply.in_reply_to == "root@quill.example"
    assert reply.sent_at == datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert reply.body == "Can you send pricing for three entities?\n\nThanks,\nDana"
    assert internal.direction == "internal"
    assert msgs["note@quill.example"].direction == "outbound"
    draft = msgs["draft@quill.example"]
    assert draft.is_draft is True

    by_key = {s.dedup_key: s for s in batch.signals}
    # Nothing for the colleague's mail, the colleague-only note or the draft.
    assert set(by_key) == {"email.sent:root@quill.example", "email.received:reply@acme.example"}
    sent = by_key["email.sent:root@quill.example"]
    assert sent.kind == "email.sent"
    assert sent.contact_email == "dana@acme.example"
    assert sent.thread_key == root.thread_key
    received = by_key["email.received:reply@acme.example"]
    assert received.contact_email == "dana@acme.example"
    assert received.occurred_at == reply.sent_at
    assert received.payload["message_id"] == "reply@acme.example"
    assert received.payload["subject"] == "Re: Pricing"
    assert received.payload["from"] == "dana@acme.example"
    assert received.payload["to"] == ["casey@quill.example"]
    assert received.payload["snippet"] == "Can you send pricing for three entities? Thanks, Dana"
    assert received.payload["automated"] is False


def test_mbox_threading_without_gmail_headers(tmp_path: Path) -> None:
    content = (
        mail(frm="dana@acme.example", msgid="<a@acme.example>", subject="Budget")
        + mail(
            frm="casey@quill.example",
            to="dana@acme.example",
            msgid="<b@quill.example>",
            subject="Re: Budget",
            headers="In-Reply-To: <a@acme.example>",
        )
        + mail(
            frm="dana@acme.example",
            msgid="<c@acme.example>",
            subject="RE: Budget",
            headers="References: <a@acme.example> <b@quill.example>\n"
            "In-Reply-To: <b@quill.example>",
        )
        + mail(frm="dana@acme.example", msgid=None, subject="Re: Lunch?", body="Yes!\n")
        + mail(
            frm="casey@quill.example",
            to="dana@acme.example",
            msgid=None,
            subject="Lunch?",
            body="Thursday?\n",
        )
    )
    batch = parse_file(write(tmp_path, "mail.mbox", content), OPERATOR)
    keys = [m.thread_key for m in batch.messages]
    assert keys[0] == keys[1] == keys[2] == "a@acme.example"
    # Without any message ids, subject and participants hold the conversation together.
    assert keys[3] == keys[4] != keys[0]
    assert keys[3].startswith("subject-")


def test_mbox_missing_message_id_is_stable(tmp_path: Path) -> None:
    content = mail(frm="dana@acme.example", msgid=None, body="No id here.\n")
    path = write(tmp_path, "mail.mbox", content)
    first = parse_file(path, OPERATOR).messages[0].message_id
    second = parse_file(path, OPERATOR).messages[0].message_id
    assert first == second
    assert first.endswith("@generated")
    other = write(tmp_path, "other.mbox", mail(frm="dana@acme.example", msgid=None, body="Other\n"))
    assert parse_file(other, OPERATOR).messages[0].message_id != first


def test_mbox_html_only_body(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<div>Hi Casey,</div><p>Numbers &amp; pricing look <b>good</b>.&nbsp;Let&#39;s talk."
        '</p><script>alert(1)</script><div class="gmail_quote">On Mon, Casey wrote:'
        "<blockquote>old text</blockquote></div></body></html>"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(frm="dana@acme.example", body=html, content_type="text/html; charset=utf-8"),
    )
    body = parse_file(path, OPERATOR).messages[0].body
    assert body == "Hi Casey,\n\nNumbers & pricing look good. Let's talk."


def test_mbox_prefers_plain_text_part(tmp_path: Path) -> None:
    body = (
        "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        "quoted-printable\n\nCaf=C3=A9 at 10? This line is long enough that it was wrapped by=\n"
        " quoted-printable.\n--b1\nContent-Type: text/html\n\n<p>HTML version</p>\n--b1--"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="=?utf-8?q?Jos=C3=A9_D=C3=ADaz?= <JOSE@Acme.example>",
            body=body,
            content_type='multipart/alternative; boundary="b1"',
        ),
    )
    msg = parse_file(path, OPERATOR).messages[0]
    assert msg.body == (
        "Café at 10? This line is long enough that it was wrapped by quoted-printable."
    )
    assert msg.from_name == "José Díaz"
    assert msg.from_addr == "jose@acme.example"


def test_strip_quoted_variants() -> None:
    gmail = "Sounds good.\n\nOn Mon, Nov 16, 2026 at 9:00 AM Casey <casey@x.example> wrote:\n> hi"
    assert strip_quoted(gmail) == "Sounds good."
    outlook = (
        "Works for me.\n\n________________________________\nFrom: Casey Morgan "
        "<casey@x.example>\nSent: Monday, November 16, 2026 9:00 AM\nTo: Dana\nSubject: Re: x\n\n"
        "Earlier text"
    )
    assert strip_quoted(outlook) == "Works for me."
    bare_outlook = "Yes.\n\nFrom: Casey <casey@x.example>\nSent: Monday\nTo: Dana\n\nOld"
    assert strip_quoted(bare_outlook) == "Yes."
    original = "Fine.\n-----Original Message-----\nFrom: x\nold"
    assert strip_quoted(original) == "Fine."
    inline = "> quoted question?\nMy answer.\n> another quote\nMore answer."
    assert strip_quoted(inline) == "My answer.\nMore answer."
    # A sentence that merely starts with "On" is kept.
    assert strip_quoted("On Tuesday we close the books.\nThanks") == (
        "On Tuesday we close the books.\nThanks"
    )


def test_html_to_text_keeps_outlook_header_for_stripping() -> None:
    html = (
        '<div>Short answer.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Casey &lt;c@x.example'
        "&gt;<br><b>Sent:</b> Monday<br><b>To:</b> Dana</div><div>Old message</div>"
    )
    assert strip_quoted(html_to_text(html)) == "Short answer."


def test_mbox_from_line_in_body_is_unescaped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mail.mbox",
        mail(frm="dana@acme.example", body=">From the numbers, we are fine.\nReal line\n"),
    )
    assert (
        parse_file(path, OPERATOR).messages[0].body == "From the numbers, we are fine.\nReal line"
    )


@pytest.mark.parametrize(
    ("frm", "headers", "automated"),
    [
        ("news@letter.example", "List-Unsubscribe: <mailto:u@letter.example>", True),
        ("digest@forum.example", "Precedence: bulk", True),
        ("bot@tool.example", "Auto-Submitted: auto-generated", True),
        ("person@tool.example", "Auto-Submitted: no", False),
        ("noreply@tool.example", "", True),
        ("no-reply+abc@tool.example", "", True),
        ("notifications@tool.example", "", True),
        ("dana@acme.example", "", False),
    ],
)
def test_mbox_automated_mail(tmp_path: Path, frm: str, headers: str, automated: bool) -> None:
    path = write(tmp_path, "mail.mbox", mail(frm=frm, headers=headers))
    batch = parse_file(path, OPERATOR)
    assert ("automated" in batch.messages[0].labels) is automated
    assert batch.signals[0].kind == "email.received"
    assert batch.signals[0].payload["automated"] is automated


def test_mbox_bounce_with_delivery_status(tmp_path: Path) -> None:
    body = (
        "--r1\nContent-Type: text/plain\n\nDelivery to the following recipient failed.\n"
        "--r1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; Gone@Acme.example\nAction: failed\nStatus: 5.1.1\n"
        "--r1\nContent-Type: text/rfc822-headers\n\nTo: gone@acme.example\n--r1--"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="Mail Delivery System <MAILER-DAEMON@mx.example>",
            subject="Undelivered Mail Returned to Sender",
            content_type='multipart/report; report-type=delivery-status; boundary="r1"',
            body=body,
        ),
    )
    batch = parse_file(path, OPERATOR)
    msg = batch.messages[0]
    assert msg.direction == "inbound"
    assert "automated" in msg.labels and "bounce" in msg.labels
    assert [s.kind for s in batch.signals] == ["email.bounced"]
    bounce = batch.signals[0]
    assert bounce.contact_email == "gone@acme.example"
    assert bounce.payload["recipient"] == "gone@acme.example"
    assert bounce.dedup_key == "email.bounced:m1@acme.example"


def test_mbox_bounce_recipient_from_body(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="postmaster@acme.example",
            subject="Delivery failure",
            body="Your message to casey@quill.example could not be delivered to "
            "old.friend@acme.example: mailbox unavailable.\n",
        ),
    )
    signal = parse_file(path, OPERATOR).signals[0]
    assert signal.kind == "email.bounced"
    assert signal.contact_email == "old.friend@acme.example"
    vague = write(
        tmp_path,
        "vague.mbox",
        mail(frm="mailer-daemon@mx.example", subject="Failure", body="Something went wrong.\n"),
    )
    batch = parse_file(vague, OPERATOR)
    assert batch.signals[0].kind == "email.bounced"
    assert batch.signals[0].contact_email is None
    assert batch.warnings == [
        "vague.mbox: message 1: bounce notice m1@acme.example names no failed recipient"
    ]


def test_mbox_bad_messages_are_skipped_with_warning(tmp_path: Path) -> None:
    content = (
        mail(frm="", msgid="<nofrom@x.example>")
        + mail(frm="dana@acme.example", msgid="<ok@acme.example>")
        + mail(
            frm="dana@acme.example",
            msgid="<nodate@acme.example>",
            date_="",
            envelope="From dana@acme.example Tue Nov 17 08:30:00 2026",
        )
        + mail(
            frm="dana@acme.example",
            msgid="<baddate@acme.example>",
            date_="someday soon",
            envelope="From x garbage",
        )
    )
    batch = parse_file(write(tmp_path, "mail.mbox", content), OPERATOR)
    ids = [m.message_id for m in batch.messages]
    assert ids == ["ok@acme.example", "nodate@acme.example"]
    # No Date header: the envelope "From " line supplies the time.
    assert batch.messages[1].sent_at == datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    assert len(batch.warnings) == 2
    assert batch.warnings[0].startswith("mail.mbox: message 1: skipped, no sender")
    assert batch.warnings[1].startswith("mail.mbox: message 4: skipped, no valid Date")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"Subject: hi\n\nbody\n", "not an mbox file: first line must start with 'From '"),
        (b"\x00\xff\xfe\x81garbage" * 10, "not an mbox file"),
    ],
)
def test_mbox_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, "mail.mbox", content)
    with pytest.raises(ImportFormatError, match=message) as err:
        parse_file(path, OPERATOR)
    assert str(path) in str(err.value)


# --------------------------------------------------------------------------- iCalendar


def ics(*events: str, extra: str = "") -> str:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{extra}{body}END:VCALENDAR\r\n"


def vevent(lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + lines.strip().replace("\n", "\r\n") + "\r\nEND:VEVENT\r\n"


NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def test_ics_event_fields_and_signal(tmp_path: Path) -> None:
    event = vevent(
        """
UID:evt-1@example
DTSTART:20261117T150000Z
DTEND:20261117T154500Z
DTSTAMP:20261116T120000Z
CREATED:20261110T080000Z
SUMMARY:Acme Robotics: discovery call about the month-end close and what a pilot wo
 uld look like
ORGANIZER;CN=Casey:mailto:Casey@Quill.example
ATTENDEE;CN=Casey;PARTSTAT=ACCEPTED:mailto:casey@quill.example
ATTENDEE;CN=Dana Reyes;PARTSTAT=ACCEPTED:mailto:Dana@Acme.example
ATTENDEE;CN=Bo;PARTSTAT=DECLINED:mailto:bo@acme.example
ATTENDEE;PARTSTAT=TENTATIVE:mailto:cy@acme.example
ATTENDEE:mailto:di@acme.example
ATTENDEE;CUTYPE=RESOURCE;CN=Room 4;PARTSTAT=ACCEPTED:mailto:room4@resource.quill.example
LOCATION:Room 4\\, 5th floor
DESCRIPTION:Agenda:\\n1. Close process\\n2. Pilot
STATUS:CONFIRMED
"""
    )
    path = write(tmp_path, "cal.ics", ics(event))
    assert detect_kind(path) == "ics"
    batch = parse_file(path, OPERATOR, now=NOW)
    assert batch.warnings == []
    (meeting,) = batch.meetings
    assert meeting.uid == "evt-1@example"
    # Folded continuation lines are joined.
    assert meeting.title == (
        "Acme Robotics: discovery call about the month-end close and what a pilot would look like"
    )
    assert meeting.start_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    assert meeting.end_at == datetime(2026, 11, 17, 15, 45, tzinfo=UTC)
    assert meeting.organizer == "casey@quill.example"
    assert [(a.email, a.name, a.response_status) for a in meeting.attendees] == [
        ("casey@quill.example", "Casey", "accepted"),
        ("dana@acme.example", "Dana Reyes", "accepted"),
        ("bo@acme.example", "Bo", "declined"),
        ("cy@acme.example", None, "tentative"),
        ("di@acme.example", None, "needsAction"),
    ]
    assert meeting.location == "Room 4, 5th floor"
    assert meeting.description == "Agenda:\n1. Close process\n2. Pilot"
    assert meeting.status == "confirmed"
    (signal,) = batch.signals
    assert signal.kind == "meeting.booked"
    assert signal.dedup_key == "meeting.booked:evt-1@example"
    assert signal.occurred_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert signal.contact_email == "dana@acme.example"
    assert signal.meeting_uid == "evt-1@example"
    assert signal.payload == {
        "title": meeting.title,
        "start_at": "2026-11-17T15:00:00+00:00",
        "attendees": [a.email for a in meeting.attendees],
    }


def test_ics_signal_rules(tmp_path: Path) -> None:
    internal = vevent(
        """
UID:internal
DTSTART:20261117T150000Z
ATTENDEE:mailto:casey@quill.example
ATTENDEE:mailto:riley@quill.example
"""
    )
    cancelled = vevent(
        """
UID:cancelled
DTSTART:20261118T150000Z
DTSTAMP:20261101T000000Z
STATUS:CANCELLED
ATTENDEE:mailto:dana@acme.example
"""
    )
    stamp_only = vevent(
        """
UID:stamp
DTSTART:20261119T150000Z
DTSTAMP:20261112T000000Z
ATTENDEE:mailto:dana@acme.example
"""
    )
    no_dates = vevent(
        """
UID:nodates
DTSTART:20261120T150000Z
ATTENDEE:mailto:dana@acme.example
"""
    )
    batch = parse_file(
        write(tmp_path, "c.ics", ics(internal, cancelled, stamp_only, no_dates)), OPERATOR, now=NOW
    )
    meetings = {m.uid: m for m in batch.meetings}
    assert meetings["cancelled"].status == "cancelled"
    # No DTEND: 30 minutes.
    assert meetings["internal"].end_at - meetings["internal"].start_at == timedelta(minutes=30)
    signals = {s.meeting_uid: s for s in batch.signals}
    assert set(signals) == {"stamp", "nodates"}
    assert signals["stamp"].occurred_at == datetime(2026, 11, 12, tzinfo=UTC)
    assert signals["nodates"].occurred_at == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)


def test_ics_timezones_and_all_day(tmp_path: Path) -> None:
    events = [
        vevent(
            """
UID:berlin
DTSTART;TZID=Europe/Berlin:20261117T100000
DTEND;TZID=Europe/Berlin:20261117T110000
"""
        ),
        vevent(
            """
UID:floating
DTSTART:20261117T100000
DURATION:PT1H
"""
        ),
        vevent(
            """
UID:allday
DTSTART;VALUE=DATE:20261118
DTEND;VALUE=DATE:20261119
SUMMARY:Offsite
"""
        ),
        vevent(
            """
UID:allday-noend
DTSTART;VALUE=DATE:20261120
"""
        ),
        vevent(
            """
UID:custom-tz
DTSTART;TZID=Eastern Standard Time:20261117T090000
DTEND;TZID=Eastern Standard Time:20261117T093000
"""
        ),
    ]
    vtimezone = (
        "BEGIN:VTIMEZONE\r\nTZID:Eastern Standard Time\r\nBEGIN:STANDARD\r\n"
        "DTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
        "DTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    batch = parse_file(write(tmp_path, "c.ics", ics(*events, extra=vtimezone)), OPERATOR, now=NOW)
    assert batch.warnings == []
    m = {x.uid: x for x in batch.meetings}
    assert m["berlin"].start_at == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert m["berlin"].end_at == datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    # Floating times are the operator's wall clock.
    assert m["floating"].start_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    assert m["floating"].end_at == datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert m["allday"].start_at == datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    assert m["allday"].end_at == datetime(2026, 11, 19, 5, 0, tzinfo=UTC)
    assert m["allday-noend"].end_at - m["allday-noend"].start_at == timedelta(days=1)
    assert m["custom-tz"].start_at == datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    for meeting in batch.meetings:
        assert meeting.start_at.utcoffset() == timedelta(0)


def test_ics_recurrence_exdate_window_and_dst(tmp_path: Path) -> None:
    weekly = vevent(
        """
UID:weekly
DTSTART;TZID=America/New_York:20260907T093000
DTEND;TZID=America/New_York:20260907T100000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=America/New_York:20261102T093000
EXDATE;TZID=America/New_York:20261123T093000
SUMMARY:Pipeline review
ATTENDEE:mailto:riley@quill.example
"""
    )
    until = vevent(
        """
UID:until
DTSTART;TZID=America/New_York:20261110T160000
RRULE:FREQ=DAILY;UNTIL=20261112T210000Z
ATTENDEE:mailto:dana@acme.example
CREATED:20261101T000000Z
"""
    )
    moved = vevent(
        """
UID:weekly
RECURRENCE-ID;TZID=America/New_York:20261109T093000
DTSTART;TZID=America/New_York:20261110T140000
DTEND;TZID=America/New_York:20261110T143000
SUMMARY:Pipeline review (moved)
"""
    )
    path = write(tmp_path, "c.ics", ics(moved, weekly, until))
    batch = parse_file(path, OPERATOR, now=NOW)
    assert batch.warnings == []
    weekly_starts = sorted(
        m.start_at for m in batch.meetings if m.uid.startswith("weekly#") and "moved" not in m.title
    )
    local = [s.astimezone(NY) for s in weekly_starts]
    # Window is Oct 17 - Dec 16; Nov 2 and Nov 23 are excluded, Nov 9 was moved.
    assert [d.date() for d in local] == [
        date(2026, 10, 19),
        date(2026, 10, 26),
        date(2026, 11, 16),
        date(2026, 11, 30),
        date(2026, 12, 7),
        date(2026, 12, 14),
    ]
    # 09:30 on the wall clock on both sides of the November 1 DST change.
    assert {(d.hour, d.minute) for d in local} == {(9, 30)}
    assert weekly_starts[0].hour == 13 and weekly_starts[-1].hour == 14
    uids = {m.uid for m in batch.meetings}
    assert "weekly#2026-10-19T13:30:00+00:00" in uids
    (moved_meeting,) = [m for m in batch.meetings if "moved" in m.title]
    assert moved_meeting.uid == "weekly#2026-11-09T14:30:00+00:00"
    assert moved_meeting.start_at == datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    until_starts = sorted(m.start_at for m in batch.meetings if m.uid.startswith("until#"))
    assert [s.astimezone(NY).day for s in until_starts] == [10, 11, 12]
    signal_uids = {s.meeting_uid for s in batch.signals}
    assert signal_uids == {m.uid for m in batch.meetings if m.uid.startswith("until#")}


def test_ics_all_day_recurrence(tmp_path: Path) -> None:
    event = vevent(
        """
UID:payday
DTSTART;VALUE=DATE:20261101
RRULE:FREQ=MONTHLY;BYMONTHDAY=1;COUNT=24
EXDATE;VALUE=DATE:20261201
"""
    )
    batch = parse_file(write(tmp_path, "c.ics", ics(event)), OPERATOR, now=NOW)
    starts = [m.start_at for m in batch.meetings]
    assert starts == [datetime(2026, 11, 1, 4, 0, tzinfo=UTC)]  # midnight EDT, Dec 1 excluded


def test_ics_bad_events_are_skipped(tmp_path: Path) -> None:
    events = [
        vevent("UID:nostart\nSUMMARY:No start"),
        vevent("UID:broken\nDTSTART:tomorrow-ish\nSUMMARY:Broken"),
        vevent("UID:ok\nDTSTART:20261117T150000Z\nSUMMARY:Fine"),
        vevent("UID:badrule\nDTSTART:20261117T150000Z\nRRULE:FREQ=SOMETIMES\nSUMMARY:Odd"),
    ]
    batch = parse_file(write(tmp_path, "c.ics", ics(*events)), OPERATOR, now=NOW)
    # An unreadable repeat rule keeps the first occurrence rather than losing the event.
    assert [m.uid for m in batch.meetings] == ["ok", "badrule#2026-11-17T15:00:00+00:00"]
    assert batch.warnings == [
        "c.ics: skipped event 'No start': no start time (DTSTART)",
        "c.ics: skipped event 'Broken': start time 'tomorrow-ish' is not a date",
        "c.ics: event badrule: could not expand its repeat rule (invalid 'FREQ': SOMETIMES); "
        "imported the first occurrence only",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"BEGIN:VCARD\r\nEND:VCARD\r\n", "not an iCalendar file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\x00\r\n", "not an iCalendar file"),
    ],
)
def test_ics_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, "cal.ics", content)
    with pytest.raises(ImportFormatError, match=message):
        parse_file(path, OPERATOR, now=NOW)


# --------------------------------------------------------------------------- detection


def test_detect_kind_by_content_and_extension(tmp_path: Path) -> None:
    assert detect_kind(write(tmp_path, "export", "From x@y Mon Nov 16 10:00:00 2026\n")) == "mbox"
    assert detect_kind(write(tmp_path, "calendar.txt", "\ufeffBEGIN:VCALENDAR\r\n")) == "ics"
    assert detect_kind(write(tmp_path, "d.txt", "Record ID,Deal Name,Deal Stage\n")) == "deals_csv"
    assert detect_kind(write(tmp_path, "c.csv", "Company name,Company Domain Name\n")) == (
        "companies_csv"
    )
    with pytest.raises(ImportFormatError, match=r"supported files are HubSpot exports"):
        detect_kind(write(tmp_path, "notes.txt", "just some notes\n"))
    with pytest.raises(ImportFormatError, match="file not found"):
        detect_kind(tmp_path / "missing.csv")
    with pytest.raises(ImportFormatError, match="unknown file kind"):
        parse_file(write(tmp_path, "x.csv", "Email\n"), OPERATOR, kind="vcard")


def test_kind_override_parses_as_requested(tmp_path: Path) -> None:
    # A header that looks like a company export still parses as contacts when told to.
    path = write(tmp_path, "people.csv", "Email,Company name\nA@B.example,B Inc\n")
    batch = parse_file(path, OPERATOR, kind="contacts_csv")
    assert [c.email for c in batch.contacts] == ["a@b.example"]
    assert batch.contacts[0].company_name == "B Inc"
