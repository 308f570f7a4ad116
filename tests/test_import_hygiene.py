"""The CLI's hot path never loads the daemon's heavy dependencies."""

from __future__ import annotations

import json
import subprocess
import sys

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
    run(["queue", "today", "--json"])
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
sys.stderr.write("\\nLOADED=" + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def test_queue_today_json_stays_light(blank_daemon: DaemonProcess) -> None:
    blank_daemon.call("queue.add", {"title": "a move"})
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY)], capture_output=True, text=True, timeout=60
    )
    report = json.loads(out.stderr.rsplit("LOADED=", 1)[1])
    assert report["code"] in (0, None), out.stderr
    assert json.loads(out.stdout)["moves"][0]["title"] == "a move"
    assert report["heavy"] == [], f"the CLI loaded {report['heavy']}"
