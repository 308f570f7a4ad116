"""Every queue transition through the real daemon and client, on a real database."""

from __future__ import annotations

import json
import select
from typing import Any

import pytest

from caseyos_cli.client import Client
from daemon import protocol
from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import DaemonProcess, run_cli

LATER = "2026-11-25T18:30:00+00:00"

# Tests on `steady_daemon` share one daemon per module: each acts on moves it added itself
# and asserts about those moves only (or compares the whole queue before and after), so
# what the others added does not matter in whichever order they run. Tests that restart
# the daemon or assert about the whole queue (its ranking, its stats) keep their own.


def add(d: DaemonProcess, title: str, due: str = "today") -> dict:
    return d.call("queue.add", {"title": title, "due": due})["move"]


def today_ids(d: DaemonProcess) -> list[int]:
    return [m["id"] for m in d.call("queue.today", {})["moves"]]


def test_manual_moves_rank_and_transition(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    overdue = add(d, "Send the Q4 deck", due="2026-11-20")
    due_today = add(d, "Call Dana about renewal", due="today")
    later = add(d, "Plan next quarter", due="next week")
    ids = today_ids(d)
    assert later["id"] not in ids, "a move due next week is not today's"
    assert ids == [overdue["id"], due_today["id"]], "overdue ranks above due-today"
    assert overdue["aps"] > due_today["aps"]

    assert d.call("queue.accept", {"id": overdue["id"]})["move"]["status"] == "accepted"
    assert overdue["id"] not in today_ids(d)
    assert d.call("queue.done", {"id": overdue["id"]})["move"]["status"] == "done"

    dismissed = d.call("queue.dismiss", {"id": due_today["id"], "reason": "not a fit"})
    assert dismissed["move"]["status"] == "dismissed"
    assert dismissed["move"]["status_reason"] == "not a fit"

    # done straight from pending goes through accepted, and the history shows both steps.
    d.call("queue.done", {"id": later["id"]})
    history = d.call("queue.show", {"id": later["id"]})["history"]
    assert [h["to_status"] for h in history] == ["pending", "accepted", "done"]

    stats = d.call("queue.stats", {})
    assert stats["by_status"] == {"done": 2, "dismissed": 1}
    assert stats["by_agent"]["manual"]["proposed"] == 3
    # Two of three were accepted at some point: done from pending passes through accepted.
    assert stats["accepted"] == 2 and stats["by_agent"]["manual"]["accepted"] == 2
    assert stats["acceptance_rate"] == pytest.approx(2 / 3, abs=0.001)


@pytest.mark.parametrize(
    ("setup", "op", "allowed"),
    [
        ("done", "queue.accept", "is done, and that is final: it cannot be accepted"),
        ("dismiss", "queue.done", "is dismissed, and that is final: it cannot be marked done"),
        (
            "accept",
            "queue.dismiss",
            "is accepted, so it cannot be dismissed; it can be marked done or failed, or snoozed",
        ),
        ("accept", "queue.accept", "is already accepted; it can be marked done or failed"),
    ],
)
def test_illegal_transitions_name_the_allowed_ones(
    steady_daemon: DaemonProcess, setup: str, op: str, allowed: str
) -> None:
    d = steady_daemon
    move = add(d, "Illegal transition target")
    d.call(f"queue.{setup}", {"id": move["id"]})
    before = d.call("queue.show", {"id": move["id"]})
    with pytest.raises(RemoteError) as err:
        d.call(op, {"id": move["id"]})
    assert err.value.code == ErrorCode.CONFLICT
    assert allowed in err.value.message
    assert d.call("queue.show", {"id": move["id"]}) == before, "a refused change changes nothing"


def test_snooze_wakes_at_its_time_across_a_restart(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    move = add(d, "Check in with Priya")
    snoozed = d.call("queue.snooze", {"id": move["id"], "until": "in 2h"})["move"]
    assert snoozed["status"] == "snoozed"
    assert snoozed["snoozed_until"].startswith("2026-11-25T17:00:00")
    assert move["id"] not in today_ids(d)

    d.restart(now=LATER)  # 3.5 hours later: past the snooze
    assert move["id"] in today_ids(d), "a woken snooze is on today's list"
    d.run_job("agents.run")
    shown = d.call("queue.show", {"id": move["id"]})
    assert shown["move"]["status"] == "pending"
    assert [h["to_status"] for h in shown["history"]] == ["pending", "snoozed", "pending"]


def test_snooze_rejects_bad_and_past_times(steady_daemon: DaemonProcess) -> None:
    move = add(steady_daemon, "Something")
    for until, fragment in (
        ("whenever", "could not understand"),
        ("2026-11-01", "'2026-11-01' is in the past"),
        ("yesterday", "'yesterday' is in the past"),
    ):
        with pytest.raises(RemoteError) as err:
            steady_daemon.call("queue.snooze", {"id": move["id"], "until": until})
        assert err.value.code == ErrorCode.INVALID_PARAMS
        assert err.value.field == "until"
        assert fragment in err.value.message


def test_restart_keeps_every_move_and_event(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    for i in range(5):
        add(d, f"Move {i}")
    d.call("queue.accept", {"id": 1})
    before = d.call("queue.list", {"limit": 100})
    d.restart()
    assert d.call("queue.list", {"limit": 100}) == before
    assert d.call("operator.show", {})["name"] == "Casey Morgan"


def test_unknown_move_is_not_found(steady_daemon: DaemonProcess) -> None:
    with pytest.raises(RemoteError) as err:
        steady_daemon.call("queue.accept", {"id": 999})
    assert err.value.code == ErrorCode.NOT_FOUND
    assert err.value.field == "id"


def test_add_with_unknown_contact_is_refused(steady_daemon: DaemonProcess) -> None:
    before = steady_daemon.call("queue.list", {"limit": 1000})
    with pytest.raises(RemoteError) as err:
        steady_daemon.call("queue.add", {"title": "x", "contact": "nobody@nowhere.example"})
    assert err.value.code == ErrorCode.NOT_FOUND
    assert err.value.field == "contact"
    assert steady_daemon.call("queue.list", {"limit": 1000}) == before, "no move was added"


def test_done_on_a_snoozed_move_records_each_step(steady_daemon: DaemonProcess) -> None:
    d = steady_daemon
    move = add(d, "Did it anyway")
    d.call("queue.snooze", {"id": move["id"], "until": "tomorrow"})
    assert d.call("queue.done", {"id": move["id"]})["move"]["status"] == "done"
    history = d.call("queue.show", {"id": move["id"]})["history"]
    assert [h["to_status"] for h in history] == [
        "pending",
        "snoozed",
        "pending",
        "accepted",
        "done",
    ]


def test_an_accepted_move_can_be_snoozed_and_comes_back_pending(
    blank_daemon: DaemonProcess,
) -> None:
    d = blank_daemon
    move = add(d, "Send the contract")
    d.call("queue.accept", {"id": move["id"]})
    d.call("queue.snooze", {"id": move["id"], "until": "in 1h"})
    d.restart(now=LATER)
    d.run_job("agents.run")
    history = d.call("queue.show", {"id": move["id"]})["history"]
    assert [h["to_status"] for h in history] == ["pending", "accepted", "snoozed", "pending"]
    assert history[-1]["reason"] == "snooze ended"


def _move_updates(listener: Client, move_id: int) -> list[dict[str, Any]]:
    """The move.updated events for one move that reached the listener, until it is quiet."""
    found = []
    while select.select([listener.sock], [], [], 0.5)[0]:
        frame = protocol.read_frame_blocking(listener.sock)
        event = frame.get("event")
        if event and event["type"] == "move.updated" and event["data"]["id"] == move_id:
            found.append(event["data"])
    return found


def test_a_dismissal_undone_through_the_cli_is_back_on_today(
    steady_daemon: DaemonProcess,
) -> None:
    d = steady_daemon
    move = add(d, "Call Dana about renewal")
    stats = d.call("queue.stats", {})
    listener = Client.connect()
    listener.subscribe()
    try:
        assert run_cli("queue", "dismiss", str(move["id"]), "--reason", "not a fit").returncode == 0
        assert move["id"] not in today_ids(d)
        undone = run_cli("queue", "undo", str(move["id"]))
        assert undone.returncode == 0, undone.stderr
        assert f"Move {move['id']} is pending again (undid: dismissed)" in undone.stdout
        today = json.loads(run_cli("queue", "today", "--json").stdout)
        [back] = [m for m in today["moves"] if m["id"] == move["id"]]
        assert back["status"] == "pending" and back["status_reason"] is None
        assert [e["status"] for e in _move_updates(listener, move["id"])] == [
            "dismissed",
            "pending",
        ]
    finally:
        listener.close()
    # The dismissal is forgotten: no step of it in the history or the stats (which are as
    # they were before it, whatever the module's other tests left in the queue).
    history = d.call("queue.show", {"id": move["id"]})["history"]
    assert [h["to_status"] for h in history] == ["pending"]
    assert d.call("queue.stats", {}) == stats
    # Nothing of the operator's is left to undo: a conflict, exit 1.
    again = run_cli("queue", "undo", str(move["id"]))
    assert again.returncode == 1
    assert f"nothing to undo on move {move['id']}" in again.stderr
    as_json = run_cli("queue", "undo", "999", "--json")
    assert as_json.returncode != 0 and "no move with id 999" in as_json.stderr


def test_done_on_a_snoozed_move_undone_sleeps_until_the_same_time(
    steady_daemon: DaemonProcess,
) -> None:
    d = steady_daemon
    move = add(d, "Plan next quarter")
    until = d.call("queue.snooze", {"id": move["id"], "until": LATER})["move"]["snoozed_until"]
    d.call("queue.done", {"id": move["id"]})
    undone = d.call("queue.undo", {"id": move["id"]})
    assert undone["undid"] == ["pending", "accepted", "done"]
    assert undone["move"]["status"] == "snoozed"
    assert undone["move"]["snoozed_until"] == until
    history = d.call("queue.show", {"id": move["id"]})["history"]
    assert [h["to_status"] for h in history] == ["pending", "snoozed"]
