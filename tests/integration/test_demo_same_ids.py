"""Two builds of the demo at the same pinned instant give the same moves, signals and
records with the same ids (snapshots and docs quote them), however busy the machine."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DaemonProcess

LISTS = (
    ("queue.list", "moves", ("agent", "move_type", "title", "status")),
    ("signals.list", "signals", ("kind", "payload", "contact_id", "deal_id")),
    ("contacts.list", "contacts", ("email",)),
    ("companies.list", "companies", ("domain",)),
    ("deals.list", "deals", ("name",)),
    ("threads.list", "threads", ("subject",)),
)


def every(d: DaemonProcess, op: str, field: str) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = d.call(op, {"limit": 200, "cursor": cursor})
        yield from page[field]
        cursor = page["next_cursor"]
        if not cursor:
            return


def ids(d: DaemonProcess) -> list[tuple[str, int, str]]:
    """(list, id, what it is) for everything the demo holds, through the operations."""
    out = []
    for op, field, keys in LISTS:
        for row in every(d, op, field):
            what = json.dumps([row.get(k) for k in keys], sort_keys=True)
            out.append((field, int(row["id"]), what))
    return sorted(out)


def test_two_builds_at_the_same_instant_give_the_same_ids(
    steady_demo_daemon: DaemonProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ids(steady_demo_daemon)  # the demo built once per worker, at the pinned instant
    assert sum(1 for kind, _, _ in first if kind == "moves") > 20
    home = tmp_path / "home"
    env = {**os.environ, "CASEYOS_HOME": str(home), "CASEYOS_NO_AUTOSTART": "1"}
    for var in ("CASEYOS_SOCKET", "CASEYOS_NOW", "CASEYOS_DATABASE_URL"):
        env.pop(var, None)
    monkeypatch.setenv("CASEYOS_HOME", str(home))
    again = DaemonProcess(env).start()  # an empty home: it builds the demo afresh
    try:
        second = ids(again)
    finally:
        assert again.stop() == 0
    assert second == first
