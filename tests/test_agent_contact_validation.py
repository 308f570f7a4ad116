"""contact_validation on a small imported workspace: a hard bounce names the bounced person
and ends follow-ups to them; a delayed delivery, an idle contact and a complete one get no
move; malformed addresses and active contacts without a name or company do, until fixed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.domain import detectors, queue, settings
from daemon.store.models import Company, Contact, Move, Signal
from tests.data_agents import agent_pass, contact_ids, import_file, moves
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_mbox
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday
AGENT = "contact_validation"


def dsn(msg_id: str, recipient: str, status: str, at: datetime) -> str:
    """A delivery-status report from the mail system, as an mbox entry."""
    action = "failed" if status.startswith("5") else "delayed"
    return (
        f"From MAILER-DAEMON {at:%a %b %d %H:%M:%S %Y}\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.northwind.example>\n"
        f"To: {OPERATOR}\nSubject: Undelivered Mail Returned to Sender\n"
        f"Date: {format_datetime(at)}\nMessage-ID: <{msg_id}>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n"
        "--b1--\n\n"
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


@pytest.fixture
async def workspace(store: Store, tmp_path: Path) -> Store:
    people = [
        ("Jane", "Doe", "jane@acme.example", "Acme"),
        ("Bob", "Stone", "bob..stone@globex.example", "Globex"),
        ("Pat", "Lee", "pat.lee@gmail.com", ""),
        ("Olga", "Timer", "olga.timer@gmail.com", ""),  # no company, but nobody works with her
        ("Sam", "Hill", "sam@hooli.example", "Hooli"),
    ]
    csv = write_contacts_csv(
        tmp_path / "contacts.csv",
        [
            {"Record ID": str(i), "First Name": f, "Last Name": la, "Email": e}
            | ({"Company Name": c} if c else {})
            for i, (f, la, e, c) in enumerate(people, 1)
        ],
    )
    await import_file(store, csv, NOW)
    day = timedelta(days=1)
    mails = [
        Mail(
            "p1@northwind.example",
            OPERATOR,
            "Jane Doe <jane@acme.example>",
            "Pricing",
            NOW - 9 * day,
            labels="Sent",
        ),
        Mail(
            "s1@northwind.example",
            OPERATOR,
            "Sam Hill <sam@hooli.example>",
            "Intro",
            NOW - 9 * day,
            labels="Sent",
        ),
        Mail(
            "q1@northwind.example",
            OPERATOR,
            "pat.lee@gmail.com",
            "Coffee?",
            NOW - 5 * day,
            labels="Sent",
        ),
        Mail(
            "q2@gmail.com",
            "Pat Lee <pat.lee@gmail.com>",
            OPERATOR,
            "Re: Coffee?",
            NOW - 4 * day,
            in_reply_to="q1@northwind.example",
        ),
        Mail("o1@initech.example", "ops@initech.example", OPERATOR, "Your invoice", NOW - 2 * day),
    ]
    mbox = write_mbox(tmp_path / "mail.mbox", mails)
    with mbox.open("a") as f:
        f.write(
            dsn("b1@mx.example", "Jane@Acme.example", "5.1.1", NOW - 9 * day + timedelta(minutes=2))
        )
        f.write(dsn("b2@mx.example", "sam@hooli.example", "4.4.7", NOW - 8 * day))
    await import_file(store, mbox, NOW, "mbox")
    return store


async def test_a_hard_bounce_names_the_person_and_ends_their_follow_ups(workspace: Store) -> None:
    await agent_pass(workspace, NOW)
    ids = await contact_ids(workspace)
    async with workspace.transaction() as s:
        bounces = {
            sig.payload["recipient"]: sig
            for sig in await s.scalars(select(Signal).where(Signal.kind == "email.bounced"))
        }
    # The signal carries the bounced contact and the report's status, not the mail daemon.
    assert bounces["jane@acme.example"].contact_id == ids["jane@acme.example"]
    assert bounces["jane@acme.example"].payload["status"] == "5.1.1"
    assert bounces["sam@hooli.example"].payload["status"] == "4.4.7"
    fixes = {m.dedup_key: m for m in await moves(workspace, AGENT)}
    jane = fixes.pop(f"data_fix:contact:{ids['jane@acme.example']}:bounced")
    assert jane.move_type == "data_fix" and jane.contact_id == ids["jane@acme.example"]
    assert jane.title == "Fix the bounced address of Jane Doe (Acme)"
    assert "jane@acme.example bounced" in jane.why_now and "5.1.1" in jane.why_now
    assert "mailer" not in (jane.title + jane.why_now).lower()
    # Delivery to Sam was only delayed: no data fix for him.
    assert not [k for k in fixes if k.endswith(f":{ids['sam@hooli.example']}:bounced")]
    # Nothing follows up on the bounced address, in this pass or a later one.
    for later in (NOW, NOW + timedelta(days=3)):
        await agent_pass(workspace, later)
        follow_ups = await moves(workspace, "follow_up_due")
        assert ids["jane@acme.example"] not in {m.contact_id for m in follow_ups}


async def test_malformed_addresses_and_gaps_on_active_contacts(workspace: Store) -> None:
    await agent_pass(workspace, NOW)
    ids = await contact_ids(workspace)
    by_contact = {m.contact_id: m for m in await moves(workspace, AGENT)}
    bob = by_contact[ids["bob..stone@globex.example"]]
    assert bob.dedup_key.endswith(":invalid_email")
    assert "bob..stone@globex.example is not a deliverable address" in bob.why_now
    pat = by_contact[ids["pat.lee@gmail.com"]]
    assert pat.title == "Add the company of Pat Lee"
    assert pat.prepared_action == {
        "type": "fix_contact",
        "contact_id": ids["pat.lee@gmail.com"],
        "fields": ["company"],
    }
    ops = by_contact[ids["ops@initech.example"]]
    assert ops.title.startswith("Add the name of ops@initech.example")
    # Olga has no company either, but nobody has written to or met her: left alone.
    assert ids["olga.timer@gmail.com"] not in by_contact
    assert ids["sam@hooli.example"] not in by_contact
    assert len(by_contact) == 4  # Jane's bounce, Bob, Pat, ops


async def test_checks_run_once_a_day_and_a_fix_closes_the_move(workspace: Store) -> None:
    await agent_pass(workspace, NOW)
    ids = await contact_ids(workspace)
    pat = ids["pat.lee@gmail.com"]
    async with workspace.transaction() as s:
        contact = await s.get(Contact, pat)
        assert contact is not None
        company = Company(
            domain="leeworks.example", name="Lee Works", created_at=NOW, updated_at=NOW
        )
        s.add(company)
        await s.flush()
        contact.company_id = company.id
    # Later the same day the checks do not run again: the move stays.
    await agent_pass(workspace, NOW + timedelta(hours=2))
    assert pat in {m.contact_id for m in await moves(workspace, AGENT)}
    # The next day they do, and find the company: the move is resolved.
    await agent_pass(workspace, NOW + timedelta(days=1))
    assert pat not in {m.contact_id for m in await moves(workspace, AGENT)}
    async with workspace.transaction() as s:
        move = await s.scalar(select(Move).where(Move.agent == AGENT, Move.contact_id == pat))
        assert move is not None and move.status == queue.RESOLVED
        assert (await settings.get(s, detectors.DONE))["data_checks"] == "2026-11-26"
    # Bob's address is still malformed: his move stays open.
    assert ids["bob..stone@globex.example"] in {m.contact_id for m in await moves(workspace, AGENT)}


async def test_a_message_from_the_bounced_address_closes_the_fix(
    workspace: Store, tmp_path: Path
) -> None:
    await agent_pass(workspace, NOW)
    ids = await contact_ids(workspace)
    later = write_mbox(
        tmp_path / "later.mbox",
        [
            Mail(
                "j9@acme.example",
                "Jane Doe <jane@acme.example>",
                OPERATOR,
                "Back again",
                NOW + timedelta(hours=1),
            )
        ],
    )
    await import_file(workspace, later, NOW + timedelta(hours=2), "mbox")
    await agent_pass(workspace, NOW + timedelta(hours=2))
    keys = {m.dedup_key for m in await moves(workspace, AGENT)}
    assert f"data_fix:contact:{ids['jane@acme.example']}:bounced" not in keys
