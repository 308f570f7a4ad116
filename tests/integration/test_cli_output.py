"""How the CLI's output reads: times, words, exit codes, colour, against a real daemon."""

from __future__ import annotations

import os
import re
from pathlib import Path

from daemon import paths
from tests.conftest import DaemonProcess, run_cli, run_cli_tty
from tests.mailfixtures import write_contacts_csv

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A table row: id, APS, the move's title, and the Due column after a wide gap.
ROW = re.compile(r"\s*[0-9]+\s+[0-9]+\s+(?P<title>\S.*?)\s{2,}(?P<due>\S.*)")
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*3[1-7](?:;[0-9]+)*m")

# Tests on `steady_daemon` (blank) or `steady_demo_daemon` share one daemon per module: they
# read, or send what is refused; the one that adds a move (a past time) asserts about that
# move alone. Tests that count the whole queue keep a daemon of their own.


def _main_with_operator(caseyos_home: Path) -> None:
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")


def test_uptime_is_elapsed_time_not_the_pinned_clock(
    daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    """A daemon pinned years back has still just started."""
    _main_with_operator(caseyos_home)
    d = DaemonProcess(daemon_env).start(now="2024-01-01T12:00:00+00:00")
    try:
        bare = run_cli()
        status = run_cli("daemon", "status")
    finally:
        d.stop()
    for out in (bare.stdout, status.stdout):
        assert re.search(r"\bup [0-9]+[sm]\b", out), out


def test_times_read_one_way_in_the_operators_zone(blank_daemon: DaemonProcess) -> None:
    """The clock is pinned to Wed 25 Nov 2026, 10:00 in New York (15:00 UTC)."""
    d = blank_daemon
    for title, due in (
        ("Due long ago", "2026-11-16 09:00"),
        ("Due yesterday", "2026-11-24 14:05"),
        ("Due this afternoon", "today"),
    ):
        d.call("queue.add", {"title": title, "due": due})
    today = run_cli("queue", "today", env={**os.environ, "COLUMNS": "80"})
    assert today.returncode == 0, today.stderr
    rows = (ROW.match(line) for line in today.stdout.splitlines())
    due = {row["title"]: row["due"] for row in rows if row}
    assert due == {
        "Due long ago": "Mon 16 Nov",
        "Due yesterday": "yesterday 14:05",
        "Due this afternoon": "today 17:00",
    }

    status = run_cli("daemon", "status").stdout
    assert "clock     today 10:00 (America/New_York, pinned by CASEYOS_NOW)" in status
    assert not re.search(r"[0-9]T[0-9]|\+00:00|[0-9]Z\b|\.[0-9]{6}", status), status

    stats = run_cli("signals", "stats", "--since", "24h")
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.startswith("0 signals since yesterday 10:00 ("), stats.stdout
    assert "UTC" not in stats.stdout


def test_one_of_a_thing_is_singular(blank_daemon: DaemonProcess) -> None:
    blank_daemon.call("queue.add", {"title": "Only one"})
    today = run_cli("queue", "today")
    assert "1 move due today." in today.stderr, today.stderr
    assert run_cli("queue", "stats").stdout.startswith("1 move; ")
    assert "today:     1 move due" in run_cli().stdout


def test_usage_errors_exit_2_and_read_like_a_person_wrote_them(
    steady_daemon: DaemonProcess,
) -> None:
    nope = run_cli("workspace", "use", "nope")
    assert nope.returncode == 2, nope.stderr
    assert "no workspace 'nope'; have: main" in nope.stderr

    bad_name = run_cli("workspace", "use", "Not A Name")
    assert bad_name.returncode == 2
    assert "caseyos: NAME: 'Not A Name' is not a workspace name" in bad_name.stderr

    status = run_cli("queue", "list", "--status", "bogus")
    assert status.returncode == 2
    assert status.stderr.replace("\n  ", " ").startswith(
        "caseyos: --status must be one of pending, accepted, done, dismissed, snoozed, "
        "failed, expired or resolved, not 'bogus'"
    ), status.stderr
    jobs = run_cli("jobs", "list", "--status", "finished")
    assert jobs.returncode == 2
    assert "--status must be one of running, succeeded" in jobs.stderr

    email = run_cli("init", "--name", "Casey", "--email", "casey-at-example")
    assert email.returncode == 2
    assert "caseyos: --email: 'casey-at-example' is not an email address" in email.stderr
    zone = run_cli("init", "--name", "Casey", "--email", "c@x.example", "--timezone", "Mars/Base")
    assert zone.returncode == 2
    assert "caseyos: --timezone: unknown time zone 'Mars/Base'" in zone.stderr

    for out in (nope, bad_name, status, jobs, email, zone):
        assert "Input should" not in out.stderr and "Value error" not in out.stderr


def test_a_past_time_is_called_past(steady_daemon: DaemonProcess) -> None:
    move = steady_daemon.call("queue.add", {"title": "Later"})["move"]
    for until in ("yesterday", "2026-11-01", "3d ago"):
        out = run_cli("queue", "snooze", str(move["id"]), "--until", until)
        assert out.returncode == 2
        assert f"'{until}' is in the past" in out.stderr, out.stderr
        assert "could not understand" not in out.stderr


def test_bare_caseyos_does_not_promise_an_autostart_that_is_off() -> None:
    out = run_cli()
    assert out.returncode == 0
    assert "not running" in out.stdout
    assert "starts it" not in out.stdout.replace("\n", " ").replace("will not start it", "")
    assert "CASEYOS_NO_AUTOSTART" in out.stdout and "caseyos daemon start" in out.stdout


def test_importing_a_directory_says_so(steady_daemon: DaemonProcess, tmp_path: Path) -> None:
    out = run_cli("import", str(tmp_path))
    assert out.returncode == 2
    assert f"{tmp_path} is a directory" in out.stderr.replace("\n  ", " ")
    with steady_daemon.client() as c:
        try:
            c.call("import.file", {"path": str(tmp_path)})
        except Exception as exc:  # the daemon says the same to any client
            assert "is a directory" in str(exc)
        else:
            raise AssertionError("a directory was accepted for import")


def test_an_import_refused_before_init_leaves_no_workspace(
    steady_demo_daemon: DaemonProcess, tmp_path: Path
) -> None:
    daemon = steady_demo_daemon
    home = Path(daemon.env["CASEYOS_HOME"])
    csv = write_contacts_csv(tmp_path / "contacts.csv", [{"Email": "ana@client.example"}])
    out = run_cli("import", str(csv))
    assert out.returncode == 2, out.stderr
    assert "caseyos init" in out.stderr
    assert (home / "data" / "workspaces" / "demo.sqlite3").exists()
    assert not (home / "data" / "workspaces" / "main.sqlite3").exists()
    assert [w["name"] for w in daemon.call("workspace.list")["workspaces"]] == ["demo"]
    assert daemon.call("queue.today")["workspace"] == "demo"


def test_colour_on_a_terminal_and_none_without_one_or_with_no_color(
    steady_demo_daemon: DaemonProcess,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(COLUMNS="80", TERM="xterm-256color")
    code, tty = run_cli_tty("queue", "today", env=env)
    assert code == 0, tty
    assert COLOUR.search(tty), "APS bands and overdue times are coloured on a terminal"
    # Due times in the past are red.
    assert "\x1b[31m" in tty

    code, plain = run_cli_tty("queue", "today", env={**env, "NO_COLOR": "1"})
    assert code == 0
    assert "\x1b[" not in plain, "NO_COLOR drops all styling, bold and dim included"
    assert ANSI.sub("", tty) == plain

    piped = run_cli("queue", "today", env=env)
    assert "\x1b[" not in piped.stdout + piped.stderr
    show = run_cli("queue", "show", "1", env=env)
    assert show.returncode == 0 and "\x1b[" not in show.stdout
    code, shown = run_cli_tty("queue", "show", "1", env=env)
    assert code == 0 and COLOUR.search(shown)


def test_pipes_get_no_trailing_spaces(steady_demo_daemon: DaemonProcess) -> None:
    out = run_cli("queue", "today", env={**os.environ, "COLUMNS": "80"})
    assert out.returncode == 0
    assert [line for line in out.stdout.splitlines() if line != line.rstrip()] == []
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


def test_daemon_start_works_when_autostart_is_off(caseyos_home: Path) -> None:
    """CASEYOS_NO_AUTOSTART stops commands from starting the daemon, not `daemon start`."""
    _main_with_operator(caseyos_home)
    started = run_cli("daemon", "start")
    try:
        assert started.returncode == 0, started.stderr
        assert "started (pid" in started.stdout
        assert paths.socket_path().exists()
    finally:
        assert run_cli("daemon", "stop").returncode == 0
