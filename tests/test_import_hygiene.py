"""The CLI's hot path never loads the daemon's heavy dependencies."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import PINNED_NOW, DaemonProcess

HEAVY = (
    "sqlalchemy",
    "textual",
    "openai",
    "mcp",
    "apscheduler",
    "aiosqlite",
    "alembic",
    "httpx",
    "rich",
    "agents",
    "connectors",
    # Sign-ins: only `caseyos auth login` and the daemon need them.
    "authlib",
    "cryptography",
    "keyring",
)

PROBE = """
import json, sys
from caseyos_cli.main import run
try:
    run(json.loads(sys.argv[2]))
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
sys.stderr.write("\\nLOADED=" + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


@pytest.mark.parametrize(
    "argv", [["queue", "today", "--json"], ["queue", "today"]], ids=["json", "table"]
)
def test_queue_today_stays_light(steady_daemon: DaemonProcess, argv: list[str]) -> None:
    """Both ways `caseyos queue today` prints, neither loads Textual (the dashboard's
    framework, imported only by `caseyos tui`) nor the daemon's dependencies. The table
    is drawn with Rich (lazily, in output.py); the JSON needs nothing heavy at all.
    The two share the module's daemon: its only moves are the ones they add, each "a move"."""
    steady_daemon.call("queue.add", {"title": "a move"})
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), json.dumps(argv)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(out.stderr.rsplit("LOADED=", 1)[1])
    assert report["code"] in (0, None), out.stderr
    assert "a move" in out.stdout
    if "--json" in argv:
        assert json.loads(out.stdout)["moves"][0]["title"] == "a move"
    assert "textual" not in report["heavy"], "the CLI loaded Textual"
    allowed = [] if "--json" in argv else ["rich"]
    assert report["heavy"] == allowed, f"the CLI loaded {report['heavy']}"


DAEMON_PROBE = """
import asyncio, json, os, sys
from daemon import lifecycle

def first_pass_done():
    from caseyos_cli.client import Client
    try:
        with Client.connect() as c:
            return bool(c.call("system.status")["last_tick"])
    except Exception:
        return False

async def serve_then_stop():
    task = asyncio.create_task(lifecycle.serve(True))
    # Up, with its first pass done: the state every start reaches.
    while not await asyncio.to_thread(first_pass_done):
        await asyncio.sleep(0.05)
    os.kill(os.getpid(), 15)
    await task

asyncio.run(serve_then_stop())
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
sys.stderr.write("\\nLOADED=" + json.dumps(loaded) + "\\n")
"""


def test_a_daemon_start_leaves_what_it_does_not_need_unloaded(
    daemon: DaemonProcess,
) -> None:
    """A start on a workspace at the newest schema (every start but the first after an
    upgrade) needs no migration tool, no calendar parser and no command-line parser:
    each would cost every start, and every autostart a command waits for."""
    daemon.stop()
    out = subprocess.run(
        [sys.executable, "-c", DAEMON_PROBE, json.dumps(["alembic", "icalendar", "typer"])],
        capture_output=True,
        text=True,
        timeout=60,
        env={**daemon.env, "CASEYOS_NOW": PINNED_NOW},
    )
    assert "LOADED=" in out.stderr, out.stderr
    assert json.loads(out.stderr.rsplit("LOADED=", 1)[1]) == []
