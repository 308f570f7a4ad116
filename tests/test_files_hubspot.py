"""HubSpot contacts, companies and deals exports, and the errors any HubSpot CSV can raise."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connectors.base import ImportFormatError
from connectors.files import detect_kind, parse_file
from tests.files_helpers import OPERATOR, write

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
    # Rows left out are also summed up in a note the import shows when it ends.
    assert batch.remarks == ["contacts.csv: kept 4 of 7 rows; 3 skipped (see the warnings)"]
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
