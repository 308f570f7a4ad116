"""Every instant a client gets, from every operation and event, is ISO 8601 with an offset.

One style across the daemon: `2026-11-25T15:00:00+00:00` (fractions of a second only when
there are any), never `...Z` from one model and `+00:00` from another, never a bare time.
"""

from __future__ import annotations

import contextlib
import re
import select
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from caseyos_cli.client import Client
from daemon import protocol
from daemon.registry import load_operations
from daemon.wire import instant, jsonable
from tests.conftest import DaemonProcess
from tests.mailfixtures import Mail, write_contacts_csv, write_ics, write_mbox

# Anything that starts like a date and a time of day is an instant and must follow the style.
LOOKS_LIKE_AN_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
THE_STYLE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}"
)


def offenders(value: Any, where: str = "") -> list[str]:
    if isinstance(value, str):
        if LOOKS_LIKE_AN_INSTANT.match(value) and not THE_STYLE.fullmatch(value):
            return [f"{where}: {value!r}"]
        return []
    if isinstance(value, dict):
        return [bad for k, v in value.items() for bad in offenders(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [bad for i, v in enumerate(value) for bad in offenders(v, f"{where}[{i}]")]
    return []


def test_jsonable_writes_one_style_whatever_it_is_given() -> None:
    aware = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    naive = datetime(2026, 11, 25, 15, 0, 0, 120000)
    berlin = datetime(2026, 11, 25, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    data = jsonable({"a": aware, "b": [naive], "c": {"d": berlin, "e": "2026-11-25"}})
    assert data == {
        "a": "2026-11-25T15:00:00+00:00",
        "b": ["2026-11-25T15:00:00.120000+00:00"],
        "c": {"d": "2026-11-25T15:00:00+00:00", "e": "2026-11-25"},
    }
    assert instant(datetime.fromisoformat("2026-11-25T16:00:00+01:00")) == (
        "2026-11-25T15:00:00+00:00"
    )


def _drain_events(client: Client) -> list[dict[str, Any]]:
    events = []
    while select.select([client.sock], [], [], 0.5)[0]:
        frame = protocol.read_frame_blocking(client.sock)
        if "event" in frame:
            events.append(frame["event"])
    return events


def test_every_operation_and_event_writes_instants_with_an_offset(
    daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = daemon
    listener = Client.connect()
    listener.subscribe(since=0)
    results: dict[str, Any] = {}
    asked: set[str] = set()

    def call(op: str, params: dict[str, Any] | None = None) -> Any:
        asked.add(op)
        results[op] = d.call(op, params or {})
        return results[op]

    moves = call("queue.today", {"limit": 100})["moves"]
    first, second, third = (m["id"] for m in moves[:3])
    for op in (
        "agents.list",
        "api.events",
        "api.list",
        "jobs.list",
        "operator.show",
        "outcomes.stats",
        "queue.list",
        "queue.stats",
        "reports.pipeline",
        "settings.list",
        "signals.list",
        "signals.stats",
        "system.status",
        "workspace.list",
    ):
        call(op)
    call("queue.show", {"id": first})
    call("queue.explain", {"id": first})
    call("queue.accept", {"id": first})
    call("queue.done", {"id": first})
    call("outcomes.record", {"move_id": first, "kind": "replied"})
    call("queue.snooze", {"id": second, "until": "tomorrow 9am"})
    call("queue.dismiss", {"id": third, "reason": "not now"})
    call("queue.undo", {"id": third})
    call("queue.add", {"title": "Call Dana", "due": "fri 3pm"})
    call("agents.configure", {"name": "deal_health", "enabled": False})
    job = call("agents.run")["job"]
    call("jobs.wait", {"id": job["id"], "timeout": 30})
    call("agents.show", {"name": "follow_up_due"})
    call("agents.set", {"name": "meeting_prep", "knob": "horizon_working_days", "value": "2"})
    call("agents.dry_run", {"name": "meeting_prep"})
    call("settings.set", {"key": "typical_deal_size", "value": "30000"})
    one = call("agents.run", {"name": "follow_up_due"})["job"]
    call("jobs.wait", {"id": one["id"], "timeout": 30})
    call("jobs.show", {"id": job["id"]})
    call("demo.load", {"reset": False})
    call("workspace.use", {"name": "demo"})

    call("operator.init", {"name": "Casey Morgan", "emails": ["casey@northwind.example"]})
    start = datetime(2026, 11, 26, 15, tzinfo=UTC)
    for path in (
        write_contacts_csv(
            tmp_path / "contacts.csv",
            [{"Record ID": "1", "Email": "dana@acme.example", "Create Date": "2026-10-01 09:00"}],
        ),
        write_mbox(
            tmp_path / "mail.mbox",
            [
                Mail(
                    "m1@acme.example",
                    "dana@acme.example",
                    "casey@northwind.example",
                    "Renewal",
                    datetime(2026, 11, 24, 14, tzinfo=UTC),
                )
            ],
        ),
        write_ics(
            tmp_path / "call.ics",
            "call-1",
            "Renewal call",
            start,
            start + timedelta(minutes=30),
            ["dana@acme.example"],
        ),
    ):
        started = call("import.file", {"path": str(path)})
        call("jobs.wait", {"id": started["job"]["id"], "timeout": 30})
    call("signals.list", {"since": "30d"})
    # The records the imports brought in, each with its times.
    for kind in ("contacts", "companies", "deals", "meetings", "threads"):
        call(f"{kind}.list", {})
    call("tasks.list", {"status": "all"})
    call("contacts.show", {"ref": "dana@acme.example"})
    call("companies.show", {"ref": "acme.example"})
    call("meetings.show", {"ref": "renewal call"})
    call("threads.show", {"ref": "renewal"})
    with contextlib.suppress(protocol.RemoteError):
        call("deals.show", {"ref": "1"})  # none imported here: not_found, no instants
    running = call("agents.run")["job"]
    # It may have ended already; the answer is a conflict then, with no instants in it.
    with contextlib.suppress(protocol.RemoteError):
        call("jobs.cancel", {"id": running["id"]})
    call("jobs.list", {"limit": 50})
    call("workspace.backup", {"name": "main"})
    call("workspace.restore", {"name": "main"})
    call("workspace.recover", {"name": "main"})  # a healthy file: every row comes over
    call("system.status")
    # Sign-ins: no store on a test machine, so saving and logging out are refused.
    call("auth.status", {"check": True})
    for op, params in (
        ("auth.save", {"service": "slack", "kind": "token", "token": "xoxb-not-kept"}),
        ("auth.logout", {"service": "slack"}),
    ):
        with contextlib.suppress(protocol.RemoteError):
            call(op, params)

    # Live connectors: none signed in here, so a sync is refused (the e2e sync test checks
    # the instants of synced connectors).
    call("connectors.list")
    call("connectors.set", {"name": "gmail", "knob": "every_minutes", "value": "10"})
    with contextlib.suppress(protocol.RemoteError):
        call("connectors.sync", {"name": "gmail"})

    # Every operation was asked at least once, except stopping the daemon.
    assert set(load_operations()) - asked == {"system.stop"}
    events = _drain_events(listener)
    listener.close()
    assert {"job.updated", "move.updated", "workspace.changed"} <= {e["type"] for e in events}
    bad = offenders(results, "result") + offenders(events, "events")
    assert not bad, "\n".join(bad)
    # And there were instants to check: moves, signals, jobs, the clock.
    assert THE_STYLE.fullmatch(results["system.status"]["now"])
    assert THE_STYLE.fullmatch(results["queue.show"]["signals"][0]["occurred_at"])
