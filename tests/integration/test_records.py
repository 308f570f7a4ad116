"""Browsing imported records through the daemon: filters, accent-blind search, linked moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import PINNED_NOW, DaemonProcess, calling
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_ics, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)
ZOE = "zoe.park@acme-robotics.example"

DEALS = (
    "Record ID,Deal Name,Deal Stage,Pipeline,Amount,Close Date,Create Date,"
    "Associated Company,Associated Contact\n"
    '21,Acme rollout,Contract Sent,Sales Pipeline,"$48,000.00",2026-12-10,2026-09-01,'
    f"Acme Robotics (acme-robotics.example),Zoë Park ({ZOE})\n"
    "22,Fern pilot,Decision Maker Bought-In,Sales Pipeline,9500,2027-02-01,2026-10-01,"
    "Fern (fern.example),bo@fern.example\n"
    "23,Acme expansion,Closed Won,Sales Pipeline,120000,2026-11-01,2026-08-01,"
    "Acme Robotics (acme-robotics.example),\n"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("records")
    write_contacts_csv(
        d / "contacts.csv",
        [
            {
                "Record ID": "1",
                "First Name": "Zoë",
                "Last Name": "Park",
                "Email": ZOE,
                "Company Name": "Acme Robotics",
                "Lifecycle Stage": "opportunity",
            },
            {
                "Record ID": "2",
                "First Name": "Dana",
                "Last Name": "Reyes",
                "Email": "dana@acme-robotics.example",
                "Company Name": "Acme Robotics",
                "Lifecycle Stage": "customer",
            },
            {
                "Record ID": "3",
                "First Name": "Bo",
                "Last Name": "Lin",
                "Email": "bo@fern.example",
                "Company Name": "Fern",
                "Lifecycle Stage": "lead",
            },
            {
                "Record ID": "4",
                "First Name": "Zoey",
                "Last Name": "Adams",
                "Email": "zoey@fern.example",
                "Company Name": "Fern",
                "Lifecycle Stage": "lead",
            },
        ],
    )
    (d / "deals.csv").write_text(DEALS)
    write_mbox(
        d / "mail.mbox",
        [
            Mail(
                "z1@acme",
                ZOE,
                OPERATOR,
                "Pricing questions",
                NOW - timedelta(days=2),
                body="Could you send the pricing for 40 seats?",
            ),
        ],
    )
    write_ics(
        d / "cal.ics",
        "m1",
        "Acme contract review",
        NOW + timedelta(days=1),
        NOW + timedelta(days=1, hours=1),
        [ZOE, OPERATOR],
    )
    return d


def import_all(d: DaemonProcess, files: Path) -> DaemonProcess:
    for name in ("contacts.csv", "deals.csv", "mail.mbox", "cal.ics"):
        d.run_job("import.file", {"path": str(files / name)})
    d.call("agents.run")
    return d


@pytest.fixture
def records(blank_daemon: DaemonProcess, files: Path) -> DaemonProcess:
    """The files imported into a daemon of the test's own: for a test that changes them."""
    return import_all(blank_daemon, files)


@pytest.fixture(scope="module")
def _module_records(_module_blank_daemon: DaemonProcess, files: Path) -> DaemonProcess:
    with calling(_module_blank_daemon) as d:
        return import_all(d, files)


@pytest.fixture
def shared_records(_module_records: DaemonProcess, steady_daemon: DaemonProcess) -> DaemonProcess:
    """The files imported once into the module's daemon, for the tests that only read them
    (and one that adds a move no other test here looks at)."""
    return steady_daemon


def names(result: dict, key: str = "contacts") -> list[str]:
    return [r["name"] for r in result[key]]


def test_search_ignores_case_and_accents(shared_records: DaemonProcess) -> None:
    d = shared_records
    assert names(d.call("contacts.list", {"query": "zoe"})) == ["Zoë Park", "Zoey Adams"]
    assert names(d.call("contacts.list", {"query": "ZOË park"})) == ["Zoë Park"]
    assert names(d.call("contacts.list", {"query": "acme"})) == ["Dana Reyes", "Zoë Park"]
    assert names(d.call("contacts.list", {"company": "fern"})) == ["Bo Lin", "Zoey Adams"]
    assert names(d.call("contacts.list", {"lifecycle": "LEAD"})) == ["Bo Lin", "Zoey Adams"]
    assert d.call("contacts.list", {"query": "nobody"})["total"] == 0
    # LIKE's wildcards are plain characters in a search.
    assert d.call("contacts.list", {"query": "%"})["total"] == 0


def test_contact_show_links_company_deals_threads_meetings_moves(
    shared_records: DaemonProcess,
) -> None:
    shown = shared_records.call("contacts.show", {"ref": "zoë park"})
    assert shown["contact"]["email"] == ZOE
    assert shown["contact"]["company"]["name"] == "Acme Robotics"
    assert [d["name"] for d in shown["deals"]] == ["Acme rollout"]
    assert [t["subject"] for t in shown["threads"]] == ["Pricing questions"]
    assert [m["title"] for m in shown["meetings"]] == ["Acme contract review"]
    assert any(m["move_type"] == "reply" for m in shown["moves"]), shown["moves"]
    assert shown["signals_total"] >= 1 and shown["signals"]
    # The same contact by id and by email.
    by_id = shared_records.call("contacts.show", {"ref": str(shown["contact"]["id"])})
    assert by_id["contact"]["email"] == ZOE
    assert (
        shared_records.call("contacts.show", {"ref": ZOE.upper()})["contact"]["id"]
        == by_id["contact"]["id"]
    )


def test_ambiguous_and_missing_names_say_what_to_do(shared_records: DaemonProcess) -> None:
    with pytest.raises(RemoteError) as several:
        shared_records.call("contacts.show", {"ref": "zoe"})
    assert several.value.code == ErrorCode.INVALID_PARAMS
    assert "Zoë Park" in several.value.message and "Zoey Adams" in several.value.message
    with pytest.raises(RemoteError) as none:
        shared_records.call("deals.show", {"ref": "no such deal"})
    assert none.value.code == ErrorCode.NOT_FOUND


def test_deal_filters_a_seller_uses(shared_records: DaemonProcess) -> None:
    d = shared_records
    every = d.call("deals.list", {})
    assert names(every, "deals") == ["Acme expansion", "Acme rollout", "Fern pilot"]  # by close
    assert names(d.call("deals.list", {"stage": ["contract sent"]}), "deals") == ["Acme rollout"]
    assert names(d.call("deals.list", {"min_amount": 10000, "open": True}), "deals") == [
        "Acme rollout"
    ]
    closing = d.call("deals.list", {"closing_before": "2027-01-01", "open": True})
    assert names(closing, "deals") == ["Acme rollout"]
    rollout = d.call("deals.show", {"ref": "rollout"})
    assert (rollout["deal"]["stage"], rollout["deal"]["stage_label"]) == (
        "contractsent",
        "Contract sent",
    )
    by_id = d.call("deals.list", {"stage": ["contractsent", "Decision maker bought-in"]})
    assert names(by_id, "deals") == ["Acme rollout", "Fern pilot"]
    assert [c["email"] for c in rollout["contacts"]] == [ZOE]
    acme = d.call("companies.show", {"ref": "acme-robotics.example"})
    assert acme["open_pipeline"] == 48000
    assert acme["contacts_total"] == 2
    with pytest.raises(RemoteError) as bad:
        d.call("deals.list", {"closing_before": "someday"})
    assert bad.value.field == "closing_before"


def test_meetings_threads_and_paging(shared_records: DaemonProcess) -> None:
    d = shared_records
    meetings = d.call("meetings.list", {"contact": "zoë park"})
    assert [m["title"] for m in meetings["meetings"]] == ["Acme contract review"]
    assert {a["email"] for a in meetings["meetings"][0]["attendees"]} >= {ZOE}
    threads = d.call("threads.list", {"contact": ZOE})
    assert [t["subject"] for t in threads["threads"]] == ["Pricing questions"]
    found = d.call("threads.list", {"query": "PRICING"})
    assert [t["subject"] for t in found["threads"]] == ["Pricing questions"]
    thread = d.call("threads.show", {"ref": str(threads["threads"][0]["id"])})
    assert "40 seats" in thread["last_messages"][0]["body"]
    assert [p["email"] for p in thread["people"]] == [ZOE]

    seen, cursor = [], None
    while True:
        page = d.call("contacts.list", {"limit": 1, "cursor": cursor})
        assert page["total"] == 4
        seen += names(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["Bo Lin", "Dana Reyes", "Zoë Park", "Zoey Adams"]


def test_a_renamed_contact_is_found_by_its_new_name(
    records: DaemonProcess, tmp_path: Path, caseyos_home: Path
) -> None:
    renamed = write_contacts_csv(
        tmp_path / "renamed.csv",
        [
            {
                "Record ID": "3",
                "First Name": "Bø",
                "Last Name": "Lindqvist",
                "Email": "bo@fern.example",
            }
        ],
    )
    records.run_job("import.file", {"path": str(renamed)})
    assert names(records.call("contacts.list", {"query": "bo lindqvist"})) == ["Bø Lindqvist"]
    assert records.call("contacts.list", {"query": "bo lin "})["total"] == 1
    # Every contact and company, however it was created, has its folded name stored.
    import sqlite3

    db = caseyos_home / "data" / "workspaces" / "main.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for table, column in (
            ("contacts", "name_key"),
            ("companies", "name_key"),
            ("threads", "subject_key"),
        ):
            missing = conn.execute(f"SELECT count(*) FROM {table} WHERE {column} IS NULL")
            assert missing.fetchone()[0] == 0, table


def test_queue_add_takes_a_contact_by_name(shared_records: DaemonProcess) -> None:
    # It adds a move of Dana's, which no other test on the shared daemon reads.
    move = shared_records.call("queue.add", {"title": "Call Dana", "contact": "Dana Reyes"})["move"]
    assert move["contact"]["email"] == "dana@acme-robotics.example"
    assert move["company"]["name"] == "Acme Robotics"
