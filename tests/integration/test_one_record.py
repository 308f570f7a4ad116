"""One record, many sources, through a real daemon and the vendor fakes: an email that is in
Gmail and logged in HubSpot is one message (one signal, at most one move) whichever sync
brings it first, and so is a meeting in Calendar and HubSpot; a record shows where it came
from in `show`, as JSON and for people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DaemonProcess, run_cli
from tests.fakes import google as fake_google
from tests.fakes import hubspot as fake_hubspot
from tests.fakes.google import FakeGoogle
from tests.fakes.hubspot import FakeHubSpot
from tests.integration.test_live_sync import (
    GOOGLE_ACCESS,
    HUBSPOT_TOKEN,
    NOW,
    sign_in,
    sync,
)
from tests.integration.test_live_sync import daemon as daemon  # a fixture
from tests.integration.test_live_sync import env as env  # a fixture

SENT = datetime.fromisoformat(NOW) - timedelta(hours=2)
DANA = "dana@harborline.example"
MEETING_AT = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot(tokens={HUBSPOT_TOKEN})
    fake.add_owner("Casey", "Morgan", f"casey@{fake_hubspot.OWN_DOMAIN}")
    fake.add_pipeline("default", "Sales Pipeline", fake_hubspot.DEFAULT_PIPELINE)
    fake.contact_id = fake.add(  # type: ignore[attr-defined]
        "contacts", {"email": DANA, "firstname": "Dana", "lastname": "Reyes"}
    )
    with fake:
        yield fake


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle(tokens={GOOGLE_ACCESS}, now=datetime.fromisoformat(NOW).astimezone(UTC))
    with fake:
        yield fake


def in_gmail(google: FakeGoogle, subject: str = "Pricing question", at: datetime = SENT) -> None:
    google.add_message(
        fake_google.compose(
            sender=f"Dana Reyes <{DANA}>",
            to=[fake_google.OPERATOR],
            subject=subject,
            body="Can you send the enterprise pricing?",
            at=at,
            message_id="pricing.1@harborline.example",
        ),
        labels=["INBOX"],
        at=at,
    )


def in_hubspot(
    hubspot: FakeHubSpot, subject: str = "  pricing   QUESTION", at: datetime = SENT
) -> str:
    """The same email logged in HubSpot (by its BCC address, say): no Message-ID, a few
    seconds off, the subject spaced and cased differently."""
    eid = hubspot.add(
        "emails",
        {
            "hs_email_subject": subject,
            "hs_email_text": "Can you send the enterprise pricing?",
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_status": "SENT",
            "hs_email_from_email": DANA,
            "hs_email_to_email": fake_google.OPERATOR,
            "hs_timestamp": fake_hubspot.iso(fake_hubspot.ms_of(at + timedelta(seconds=40))),
        },
    )
    hubspot.associate("emails", eid, "contacts", hubspot.contact_id)  # type: ignore[attr-defined]
    return eid


def meeting_in_calendar(google: FakeGoogle) -> None:
    google.add_event(
        "Demo with Harborline",
        MEETING_AT,
        MEETING_AT + timedelta(minutes=45),
        attendees=[
            {"email": fake_google.OPERATOR, "self": True, "responseStatus": "accepted"},
            {"email": DANA, "responseStatus": "accepted"},
        ],
    )


def meeting_in_hubspot(hubspot: FakeHubSpot) -> None:
    stamp = fake_hubspot.iso(fake_hubspot.ms_of(MEETING_AT))
    mid = hubspot.add(
        "meetings",
        {
            "hs_meeting_title": "demo with  Harborline",
            "hs_meeting_start_time": stamp,
            "hs_meeting_end_time": fake_hubspot.iso(
                fake_hubspot.ms_of(MEETING_AT + timedelta(minutes=45))
            ),
            "hs_meeting_outcome": "SCHEDULED",
            "hs_timestamp": stamp,
        },
    )
    hubspot.associate("meetings", mid, "contacts", hubspot.contact_id)  # type: ignore[attr-defined]


def synced(env: dict[str, str], *connectors: str) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for name in connectors:
        code, result, err = sync(env, name)
        assert code == 0, err
        counts[name] = result["connectors"][name]["counts"]
    return counts


def the_thread(daemon: DaemonProcess) -> dict[str, Any]:
    threads = daemon.call("threads.list", {})["threads"]
    assert len(threads) == 1, threads
    shown: dict[str, Any] = daemon.call("threads.show", {"ref": str(threads[0]["id"])})
    return shown


def mail_signals(daemon: DaemonProcess) -> list[dict[str, Any]]:
    found = daemon.call("signals.list", {"limit": 200})["signals"]
    return [s for s in found if s["kind"].startswith("email.")]


def moves_about(daemon: DaemonProcess, thread_id: int) -> list[dict[str, Any]]:
    moves = daemon.call("queue.list", {"limit": 200})["moves"]
    return [m for m in moves if m["thread_id"] == thread_id]


@pytest.mark.parametrize("first", ["gmail", "hubspot"])
def test_an_email_in_gmail_and_hubspot_is_one_message_whichever_comes_first(
    first: str,
    daemon: DaemonProcess,
    env: dict[str, str],
    hubspot: FakeHubSpot,
    google: FakeGoogle,
) -> None:
    sign_in(daemon, env)
    in_gmail(google)
    in_hubspot(hubspot)
    second = "hubspot" if first == "gmail" else "gmail"
    counts = synced(env, first, second)
    assert counts[first].get("messages") == 1
    assert not counts[second].get("messages"), counts

    shown = the_thread(daemon)
    assert shown["thread"]["messages"] == 1
    assert {s["source"] for s in shown["sources"]} == {"gmail", "hubspot"}
    assert shown["thread"]["subject"] == "Pricing question"
    received = [s for s in mail_signals(daemon) if s["kind"] == "email.received"]
    assert len(received) == 1, received
    assert received[0]["payload"]["message_id"] == "pricing.1@harborline.example"
    assert len(moves_about(daemon, shown["thread"]["id"])) <= 1

    # Syncing both again changes nothing: HubSpot's email is known by its id now.
    again = synced(env, "hubspot", "gmail")
    assert not any(c.get("messages") or c.get("signals") for c in again.values()), again
    assert the_thread(daemon)["thread"]["messages"] == 1

    human = run_cli("threads", "show", str(shown["thread"]["id"]), env=env)
    assert human.returncode == 0, human.stderr
    assert "Sources (2)" in human.stdout
    assert "gmail" in human.stdout and "hubspot" in human.stdout


@pytest.mark.parametrize(
    ("subject", "apart"),
    [("Pricing question", timedelta(minutes=10)), ("Contract question", timedelta(0))],
    ids=["ten-minutes-apart", "another-subject"],
)
def test_a_hubspot_email_that_does_not_match_stays_its_own_message(
    subject: str,
    apart: timedelta,
    daemon: DaemonProcess,
    env: dict[str, str],
    hubspot: FakeHubSpot,
    google: FakeGoogle,
) -> None:
    sign_in(daemon, env)
    in_gmail(google)
    in_hubspot(hubspot, subject=subject, at=SENT + apart)
    counts = synced(env, "gmail", "hubspot")
    assert counts["gmail"].get("messages") == 1
    assert counts["hubspot"].get("messages") == 1
    received = [s for s in mail_signals(daemon) if s["kind"] == "email.received"]
    assert len(received) == 2
    # Two messages, each from its one source.
    threads = daemon.call("threads.list", {})["threads"]
    sources = [
        [s["source"] for s in daemon.call("threads.show", {"ref": str(t["id"])})["sources"]]
        for t in threads
    ]
    assert sorted(sources) == [["gmail"], ["hubspot"]]


@pytest.mark.parametrize("first", ["calendar", "hubspot"])
def test_a_meeting_in_calendar_and_hubspot_is_one_meeting_whichever_comes_first(
    first: str,
    daemon: DaemonProcess,
    env: dict[str, str],
    hubspot: FakeHubSpot,
    google: FakeGoogle,
) -> None:
    sign_in(daemon, env)
    meeting_in_calendar(google)
    meeting_in_hubspot(hubspot)
    second = "hubspot" if first == "calendar" else "calendar"
    counts = synced(env, first, second)
    assert counts[first].get("meetings") == 1
    assert not counts[second].get("meetings"), counts

    listed = daemon.call("meetings.list", {})["meetings"]
    assert len(listed) == 1, listed
    shown = daemon.call("meetings.show", {"ref": str(listed[0]["id"])})
    assert {s["source"] for s in shown["sources"]} == {"calendar", "hubspot"}
    assert shown["meeting"]["title"] == "Demo with Harborline"  # Calendar's word wins
    booked = [s for s in shown["signals"] if s["kind"] == "meeting.booked"]
    assert len(booked) == 1, shown["signals"]
    prep = [
        m
        for m in daemon.call("queue.list", {"limit": 200})["moves"]
        if m["meeting_id"] == listed[0]["id"]
    ]
    assert len(prep) <= 1

    again = synced(env, "hubspot", "calendar")
    assert not any(c.get("meetings") or c.get("signals") for c in again.values()), again


def test_a_contact_from_a_mailbox_and_then_hubspot_shows_both_sources(
    daemon: DaemonProcess,
    env: dict[str, str],
    hubspot: FakeHubSpot,
    tmp_path: Path,
) -> None:
    sign_in(daemon, env)
    mbox = tmp_path / "mail.mbox"
    mbox.write_bytes(
        b"From dana@harborline.example Mon Nov 23 10:00:00 2026\r\n"
        + fake_google.compose(
            sender=f"Dana Reyes <{DANA}>",
            to=[fake_google.OPERATOR],
            subject="Hello",
            body="Hi Casey",
            at=SENT - timedelta(days=2),
            message_id="hello.1@harborline.example",
        ).replace(b"\r\n", b"\n")
        + b"\n"
    )
    imported = run_cli("import", str(mbox), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    synced(env, "hubspot")

    shown = json.loads(run_cli("contacts", "show", DANA, "--json", env=env).stdout)
    sources = [s["source"] for s in shown["sources"]]
    assert sources == ["files", "hubspot"]  # first seen first
    first = shown["sources"][0]
    assert first["first_seen_at"] <= first["last_seen_at"]

    human = run_cli("contacts", "show", DANA, env=env)
    assert human.returncode == 0, human.stderr
    lines = human.stdout.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("Sources (2)")))
    assert lines[at + 1].split()[0] == "files" and lines[at + 2].split()[0] == "hubspot"
    assert "since" in lines[at + 1]
