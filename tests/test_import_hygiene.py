"""The CLI's hot path never loads the daemon's heavy dependencies."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import DaemonProcess

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
