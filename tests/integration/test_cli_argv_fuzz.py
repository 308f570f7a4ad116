"""Whatever the argv, the CLI ends in a message and a documented exit code, never a traceback.

Run in-process through `caseyos_cli.main.run`, under hypothesis-made argv built from the real
command words and options mixed with arbitrary text (lone surrogates included: what Python
makes of argument bytes that are not UTF-8).
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from caseyos_cli.main import build_app, run
from tests.conftest import DaemonProcess, run_cli

DOCUMENTED = {0, 1, 2, 5, 6}
# Commands that start or stop a daemon, or write to the shell's start-up files, are left
# out: the rest only talk to the daemon (or fail to) and print.
LEFT_OUT = {("daemon", "run"), ("daemon", "start"), ("daemon", "restart"), ("daemon", "stop")}
LEFT_OUT_WORDS = {"--install-completion", "install", "uninstall"}


def _tree() -> tuple[list[tuple[str, ...]], list[str]]:
    commands: list[tuple[str, ...]] = []
    options: set[str] = set()

    def walk(command: Any, path: tuple[str, ...]) -> None:
        for param in getattr(command, "params", []):
            options.update(o for o in param.opts if o.startswith("-"))
        children = getattr(command, "commands", None)
        if not children:
            if path not in LEFT_OUT:
                commands.append(path)
            return
        for name, child in children.items():
            walk(child, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return sorted(commands), sorted(options - LEFT_OUT_WORDS)


COMMANDS, OPTIONS = _tree()
ODD_TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=["Cc"]) | st.sampled_from("\udcff\ud800"),
    max_size=12,
)
WORD = st.one_of(
    st.sampled_from(OPTIONS),
    ODD_TEXT,
    st.sampled_from(["1", "0", "-1", "99999999999999999999", "today", "--json", "-h"]),
    # Argument bytes that are not UTF-8, as Python hands them over.
    st.sampled_from([os.fsdecode(b"\xff\xfe title"), os.fsdecode(b"caf\xe9")]),
)


@st.composite
def argvs(draw: st.DrawFn, commands: list[tuple[str, ...]]) -> list[str]:
    head = list(draw(st.sampled_from(commands)))
    if draw(st.booleans()) and head:
        head = head[: draw(st.integers(0, len(head) - 1))]
    argv = head + draw(st.lists(WORD, max_size=4))
    if LEFT_OUT_WORDS & set(argv):
        argv = [w for w in argv if w not in LEFT_OUT_WORDS]
    return argv


def _run_in_process(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """The exit code of one run; any other exception fails the test with its traceback."""
    with monkeypatch.context() as m:
        m.setattr(sys, "stdin", io.StringIO(""))
        m.setattr(sys, "stdout", io.StringIO())
        m.setattr(sys, "stderr", io.StringIO())
        try:
            run(argv)
        except SystemExit as exc:
            code = exc.code
        else:
            code = 0
    if code is None:
        return 0
    assert isinstance(code, int), (argv, code)
    return code


@pytest.fixture
def quiet_home(caseyos_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No daemon, no autostart, and a HOME of the test's own (completion looks at it)."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("_CASEYOS_COMPLETE", raising=False)
    return caseyos_home


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=argvs(COMMANDS))
def test_any_argv_without_a_daemon_exits_with_a_documented_code(
    argv: list[str], quiet_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _run_in_process(argv, monkeypatch)
    assert code in DOCUMENTED, (argv, code)


READS = [c for c in COMMANDS if c and c[0] in ("queue", "jobs", "signals", "contacts")]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=argvs(READS))
@example(argv=["queue", "add", os.fsdecode(b"\xff\xfe title")])
@example(argv=["signals", "list", "--limit", os.fsdecode(b"caf\xe9")])
def test_any_argv_against_a_daemon_exits_with_a_documented_code(
    argv: list[str], steady_demo_daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module's demo daemon: what these commands change, the other test here (refused
    # by the CLI before any call) never reads, and it asserts only exit codes.
    monkeypatch.setenv("COLUMNS", "80")
    code = _run_in_process(argv, monkeypatch)
    assert code in DOCUMENTED, (argv, code)


def test_argument_bytes_that_are_not_utf8_are_a_usage_error(
    steady_demo_daemon: DaemonProcess,
) -> None:
    title = os.fsdecode(b"\xff\xfe title")
    result = run_cli("queue", "add", title)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == "caseyos: argument is not valid UTF-8: b'\\xff\\xfe title'"


def test_a_socket_directory_we_may_not_create_is_one_line_naming_it(caseyos_home: Path) -> None:
    # /sys refuses new directories even to root, as another user's directory refuses us.
    env = dict(os.environ, CASEYOS_SOCKET="/sys/caseyos-test/s")
    result = run_cli("daemon", "run", env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "caseyos: operation not permitted: /sys/caseyos-test"
