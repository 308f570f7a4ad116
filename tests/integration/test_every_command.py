"""Every command a user can run, with realistic arguments, fits 80 columns.

The command tree is walked, so a new command fails here until it has a recipe below. Each
recipe runs against a real daemon on the demo workspace (then the operator's own, after
`init` and imports), with COLUMNS=80 and output piped, as a script or `| less` sees it;
every line of stdout and stderr must fit in 80 columns, end without spaces and carry no
escape codes. The commands that only show things run once more on a terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer

from caseyos_cli.main import build_app
from tests.conftest import DaemonProcess, _module_daemon, run_cli, run_cli_tty
from tests.mailfixtures import Mail, write_contacts_csv, write_ics, write_mbox

WIDTH = 80
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def caseyos_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home as long as a real one (~/.local/share/...), not pytest's deep tmp paths:
    socket and database paths are printed whole, and would not fit in any layout."""
    home = Path(tempfile.mkdtemp(prefix="caseyos-", dir="/tmp")) / "home"
    monkeypatch.setenv("CASEYOS_HOME", str(home))
    monkeypatch.setenv("CASEYOS_NO_AUTOSTART", "1")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for var in (
        "CASEYOS_SOCKET",
        "CASEYOS_NOW",
        "CASEYOS_DATABASE_URL",
        "NO_COLOR",
        "CASEYOS_SECRETS",
        "CASEYOS_SECRETS_PASSPHRASE",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home
    shutil.rmtree(home.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def _module_demo_daemon(
    tmp_path_factory: pytest.TempPathFactory, _built_demo: Path
) -> Iterator[DaemonProcess]:
    """The module's demo daemon (`steady_demo_daemon`), in a home as short as the one
    above: the terminal test below reads the database's path in what it checks."""
    home = Path(tempfile.mkdtemp(prefix="caseyos-", dir="/tmp")) / "home"
    yield from _module_daemon(tmp_path_factory, demo=_built_demo, home=home)
    shutil.rmtree(home.parent, ignore_errors=True)


def leaf_commands() -> set[tuple[str, ...]]:
    """Every command path in the Typer tree, e.g. ("queue", "today"), and () for bare."""
    found: set[tuple[str, ...]] = {()}

    def walk(command: object, path: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)
        if not children:
            found.add(path)
            return
        for name, child in children.items():
            walk(child, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return found


def command_of(args: list[str]) -> tuple[str, ...]:
    """The command path that `args` runs (the words before the first argument or option)."""
    leaves = leaf_commands()
    for n in range(len(args), -1, -1):
        if tuple(args[:n]) in leaves:
            return tuple(args[:n])
    raise AssertionError(f"{args} runs no command")


def problems(args: list[str], text: str) -> list[str]:
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        where = f"caseyos {' '.join(args)}, line {n}"
        if len(line) > WIDTH:
            found.append(f"{where}: {len(line)} columns: {line!r}")
        if line != line.rstrip():
            found.append(f"{where}: trailing spaces: {line!r}")
        if "\x1b" in line:
            found.append(f"{where}: escape codes in piped output: {line!r}")
    return found


def _files(tmp: Path) -> dict[str, Path]:
    start = datetime(2026, 11, 27, 15, tzinfo=UTC)
    dana = "dana.reyes@harborline-logistics.example"
    return {
        "csv": write_contacts_csv(
            tmp / "contacts.csv",
            [
                {
                    "Record ID": "1",
                    "First Name": "Dana",
                    "Last Name": "Reyes",
                    "Email": dana,
                    "Job Title": "VP Finance",
                    "Company Name": "Harborline Logistics",
                    "Lifecycle Stage": "opportunity",
                    "Create Date": "2026-10-01 09:00",
                }
            ],
        ),
        "mbox": write_mbox(
            tmp / "mail.mbox",
            [
                Mail(
                    "m1@harborline.example",
                    dana,
                    "casey@quillstack.example",
                    "Order form and MSA: one last change from legal before we sign",
                    datetime(2026, 11, 24, 14, tzinfo=UTC),
                )
            ],
        ),
        "ics": write_ics(
            tmp / "call.ics",
            "harborline-review",
            "Harborline Logistics: contract review with legal and finance",
            start,
            start + timedelta(minutes=45),
            [dana],
        ),
        "dir": tmp,
    }


@pytest.mark.long
def test_every_command_fits_80_columns_with_no_trailing_spaces(
    daemon: DaemonProcess, tmp_path: Path, caseyos_home: Path
) -> None:
    env = {**os.environ, "COLUMNS": str(WIDTH), "HOME": str(caseyos_home.parent)}
    today = daemon.call("queue.today", {"limit": 100})["moves"]
    m1, m2, m3 = (str(m["id"]) for m in today[:3])
    job = daemon.call("jobs.list", {})["jobs"][0]["id"]
    files = _files(tmp_path)
    # (arguments, exit code): the commands a user runs on a first day, and the usual
    # mistakes, in an order that works (ids exist, the daemon runs, `init` before imports).
    recipes: list[tuple[list[str], int]] = [
        ([], 0),
        (["queue", "today"], 0),
        (["queue", "list"], 0),
        (["queue", "list", "--status", "pending", "--limit", "5"], 0),
        (["queue", "show", m1], 0),
        (["queue", "explain", m1], 0),
        (["queue", "stats"], 0),
        (["signals", "list"], 0),
        (["signals", "list", "--since", "30d", "--kind", "email.received"], 0),
        (["signals", "stats"], 0),
        (["report", "pipeline"], 0),
        (["report", "pipeline", "--json"], 0),
        (["outcomes", "stats"], 0),
        (["agents", "list"], 0),
        (["api", "list"], 0),
        (["api", "events"], 0),
        (["workspace", "list"], 0),
        (["jobs", "list"], 0),
        (["jobs", "show", job], 0),
        (["contacts", "list"], 0),
        (["contacts", "list", "--company", "kestrel", "--lifecycle", "opportunity"], 0),
        (["contacts", "show", "Dana Reyes"], 0),
        # The demo keeps Hannah Brooks twice (duplicate_watcher's merge): a name that
        # matches two people asks for an id.
        (["contacts", "show", "Hannah Brooks"], 2),
        (["contacts", "show", "a"], 2),
        (["companies", "list", "--limit", "3"], 0),
        (["companies", "show", "kestrel"], 0),
        (["deals", "list", "--open", "--min-amount", "10000"], 0),
        (["deals", "show", "kestrel"], 0),
        (["tasks", "list", "--status", "all"], 0),
        (["meetings", "list"], 0),
        (["meetings", "show", "1"], 0),
        (["threads", "list", "--external"], 0),
        (["threads", "show", "1"], 0),
        (["threads", "show", "999999"], 1),
        (["version"], 0),
        (["completion", "script", "--shell", "bash"], 0),
        (["completion", "install", "--shell", "bash"], 0),
        (["jobs", "wait", job], 0),
        (["queue", "accept", m1], 0),
        (["queue", "snooze", m2, "--until", "tomorrow 9am"], 0),
        (["queue", "dismiss", m3, "--reason", "not a fit this quarter"], 0),
        (["queue", "undo", m3], 0),
        (["queue", "done", m1], 0),
        (["queue", "add", "Call Dana about the renewal and the MSA change", "--due", "fri 3pm"], 0),
        (["outcomes", "record", m1, "replied", "--note", "She wrote back the same day"], 0),
        # An outcome was recorded since m1 was done: too late to undo.
        (["queue", "undo", m1], 1),
        (["queue", "list"], 0),
        (["queue", "show", m2], 0),
        (["outcomes", "stats"], 0),
        (["outcomes", "stats", "--by", "move_type", "--json"], 0),
        (["outcomes", "stats", "--by", "contact"], 2),
        (["agents", "disable", "deal_health"], 0),
        (["agents", "enable", "deal_health"], 0),
        (["agents", "run"], 0),
        (["agents", "show", "follow_up_due"], 0),
        (["agents", "show", "nobody"], 2),
        (["agents", "set", "deal_health", "stalled_days", "21"], 0),
        (["agents", "set", "deal_health", "stalled_days", "soon"], 2),
        (["agents", "set", "deal_health", "patience", "3"], 2),
        (["agents", "run", "deal_health", "--dry-run"], 0),
        (["agents", "run", "crm_tasks"], 0),
        (["agents", "run", "nobody"], 2),
        (["settings", "list"], 0),
        (["settings", "set", "weights.urgency", "0.35"], 0),
        (["settings", "set", "icp.industries", "fintech,insurance", "--no-rescore"], 0),
        (["settings", "set", "weights.urgency", "high"], 2),
        (["settings", "set", "weights.everything", "1"], 2),
        (["jobs", "cancel", job], 1),
        (["queue", "accept", m1], 1),
        (["queue", "snooze", m3, "--until", "yesterday"], 2),
        (["queue", "list", "--status", "bogus"], 2),
        (["workspace", "use", "nope"], 2),
        (["daemon", "status"], 0),
        (["daemon", "logs", "-n", "20"], 0),
        # No keyring on a test machine and no store chosen: logins stop at once.
        (["auth", "status"], 0),
        (["auth", "login", "google"], 2),
        (["auth", "login", "slack", "--token-stdin"], 1),
        (["auth", "logout", "slack"], 1),
        # Before `init` and any sign-in: nothing connected, and a sync says how to connect.
        (["connectors", "list"], 0),
        (["connectors", "status"], 0),
        (["connectors", "status", "nosuch"], 2),
        (["connectors", "sync", "gmail"], 4),
        (["connectors", "sync"], 4),
        (["workspace", "use", "demo"], 0),
        (["demo"], 0),
        (["import", str(files["csv"])], 2),
        (
            [
                "init",
                "--name",
                "Casey Morgan",
                "--email",
                "casey@quillstack.example",
                "--internal-domain",
                "quillstack.example",
                "--timezone",
                "America/New_York",
            ],
            0,
        ),
        (["import", str(files["csv"])], 0),
        (["import", str(files["mbox"])], 0),
        (["import", str(files["ics"])], 0),
        (["import", str(files["dir"])], 2),
        (["import", str(files["ics"]), "--no-wait"], 0),
        (["workspace", "backup"], 0),
        (["workspace", "restore", "--from", "1999-01-01"], 2),
        (["workspace", "restore"], 0),
        (["workspace", "recover", "nosuch"], 1),
        (["queue", "today"], 0),
        (["signals", "list"], 0),
        (["jobs", "list"], 0),
        (["workspace", "list"], 0),
        (["connectors", "status", "hubspot"], 0),
        (["connectors", "set", "gmail", "every_minutes", "10"], 0),
        (["connectors", "set", "gmail", "window_days", "soon"], 2),
        (["connectors", "set", "gmail", "nosuch", "1"], 2),
        (["daemon", "run"], 1),
        (["daemon", "status"], 0),
        # No terminal here: the dashboard says to use the commands instead.
        (["tui"], 2),
        (["dashboard"], 2),
    ]
    # The daemon's own commands last: they stop and start it (`start` even though
    # CASEYOS_NO_AUTOSTART is set: starting it is what was asked for).
    lifecycle: list[tuple[list[str], int]] = [
        (["daemon", "stop"], 0),
        ([], 0),
        (["daemon", "start"], 0),
        (["daemon", "restart"], 0),
        (["daemon", "stop"], 0),
    ]
    covered = {command_of(args) for args, _ in recipes + lifecycle}
    assert leaf_commands() - covered == set(), "commands without a recipe here"

    found: list[str] = []
    try:
        for args, code in recipes + lifecycle:
            out = run_cli(*args, env=env)
            if out.returncode != code:
                found.append(
                    f"caseyos {' '.join(args)}: exit {out.returncode}, not {code}:\n"
                    f"{out.stdout}{out.stderr}"
                )
            found += problems(args, out.stdout) + problems(args, out.stderr)
    finally:
        run_cli("daemon", "stop", env=env)
    assert not found, "\n".join(found)


@pytest.mark.long
def test_what_people_read_fits_80_columns_on_a_terminal_too(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """Reads only (its agent run is a dry run): it shares the module's demo daemon."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "TERM": "xterm-256color"}
    first = str(steady_demo_daemon.call("queue.today", {})["moves"][0]["id"])
    found = []
    for args in (
        [],
        ["queue", "today"],
        ["queue", "list"],
        ["queue", "show", first],
        ["queue", "explain", first],
        ["queue", "stats"],
        ["signals", "list"],
        ["signals", "stats"],
        ["report", "pipeline"],
        ["outcomes", "stats"],
        ["outcomes", "stats", "--by", "move_type"],
        ["agents", "list"],
        ["agents", "show", "meeting_prep"],
        ["agents", "run", "deal_health", "--dry-run"],
        ["api", "list"],
        ["api", "events"],
        ["jobs", "list"],
        ["workspace", "list"],
        ["daemon", "status"],
    ):
        code, text = run_cli_tty(*args, env=env, columns=WIDTH)
        assert code == 0, (args, text)
        for n, line in enumerate(ANSI.sub("", text).splitlines(), 1):
            if len(line) > WIDTH or line != line.rstrip():
                found.append(f"caseyos {' '.join(args)}, line {n}: {line!r}")
    assert not found, "\n".join(found)


def test_json_output_is_left_alone(steady_demo_daemon: DaemonProcess) -> None:
    """--json is for scripts: whole values, however long, and valid JSON."""
    out = run_cli("queue", "today", "--json", env={**os.environ, "COLUMNS": "40"})
    moves = json.loads(out.stdout)["moves"]
    assert any(len(m["why_now"]) > 40 for m in moves)
