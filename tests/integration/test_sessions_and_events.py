"""No session outlives its operation; the event stream carries changes with rising ids."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from caseyos_cli.client import Client
from daemon.protocol import RemoteError
from tests.conftest import DaemonProcess


def test_no_connection_stays_checked_out_after_a_burst(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    for i in range(10):
        d.call("queue.add", {"title": f"move {i}"})

    def work(i: int) -> str:
        with Client.connect() as c:
            try:
                c.call("queue.today", {"limit": 5})
                c.call("queue.accept", {"id": (i % 10) + 1})
            except RemoteError as exc:  # racing accepts: the loser gets a conflict
                return exc.code
            try:
                c.call("queue.accept", {"id": "bad"})
            except RemoteError as exc:
                return exc.code
            return "ok"

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(work, range(200)))
    assert set(codes) <= {"conflict", "invalid_params"}
    status = d.call("system.status", {})
    assert status["connections_checked_out"] == 0
    assert status["requests_served"] >= 400  # 10 adds + at least 2 calls per worker


def test_events_stream_changes_with_monotonic_ids(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    received: list[dict] = []
    ready = threading.Event()

    def listen() -> None:
        with Client.connect() as c:
            stream = c.events()
            ready.set()
            for event in stream:
                received.append(event)
                if len(received) >= 3:
                    return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    assert ready.wait(10), "the daemon confirms a subscription before events flow"
    move = d.call("queue.add", {"title": "watch me"})["move"]
    d.call("queue.accept", {"id": move["id"]})
    d.call("queue.done", {"id": move["id"]})
    t.join(10)
    assert [e["type"] for e in received] == ["move.created", "move.updated", "move.updated"]
    assert [e["data"].get("status") for e in received[1:]] == ["accepted", "done"]
    ids = [e["id"] for e in received]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_events_replay_since_an_id(blank_daemon: DaemonProcess) -> None:
    d = blank_daemon
    d.call("queue.add", {"title": "one"})
    d.call("queue.add", {"title": "two"})
    with Client.connect() as c:
        got = []
        for event in c.events(since=0):
            if event["type"] == "move.created":
                got.append(event)
            if len(got) == 2:
                break
    assert [e["data"]["id"] for e in got] == [1, 2]
    assert got[0]["id"] < got[1]["id"]
