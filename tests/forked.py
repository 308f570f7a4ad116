"""Daemons and commands for the tests, forked from a server that has imported them once.

A test that starts a daemon or runs `caseyos ...` would pay Python's imports every time:
~0.45 s of CPU for a daemon (SQLAlchemy, the models, the operations) and ~0.15 s for a
command (Typer, pydantic), over a hundred daemons and hundreds of commands a run. The
standard library's fork server (multiprocessing's "forkserver" start method) imports them
once per test worker and forks a child for each start. From `main()` on, the child is what
`python -m daemon` or `caseyos` runs: a process of its own, with its own environment,
arguments, working directory, stdin, stdout and stderr (files, or a terminal), serving on
a real socket and stopped by real signals.

What a fork cannot show is tested with real processes elsewhere: what a start imports (no
Alembic in a daemon, no Textual in `queue today`), the console script itself, and how a
command's autostart spawns a daemon (it always does, with `python -m daemon`).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# What the server imports before its first fork.
PRELOAD = ["daemon.lifecycle", "caseyos_cli.main", "caseyos_cli.client", "caseyos_cli.output"]
STDOUT = "stdout"  # as stderr: the same file as stdout

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _redirect(fd: int, path: str, flags: int) -> None:
    opened = os.open(path, flags | os.O_NOCTTY)
    if opened != fd:
        os.dup2(opened, fd)
        os.close(opened)


def _child(
    kind: str, args: list[str], env: dict[str, str], cwd: str, streams: tuple[str, str, str]
) -> None:
    """In the forked child: become `python -m daemon` or `caseyos ARGS` as started with
    `env`, `cwd` and the files named in `streams` (stdin, stdout, stderr)."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    stdin, stdout, stderr = streams
    _redirect(0, stdin, os.O_RDONLY)
    _redirect(1, stdout, os.O_WRONLY | os.O_APPEND)
    if stderr == STDOUT:
        os.dup2(1, 2)
    else:
        _redirect(2, stderr, os.O_WRONLY | os.O_APPEND)
    # New stream objects on the new descriptors, buffered as Python buffers them at start.
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    line = 1 if os.isatty(1) else -1
    sys.stdout = open(1, "w", buffering=line, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(  # noqa: SIM115
        2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    if kind == "daemon":
        from daemon.lifecycle import main

        sys.argv = [sys.executable, "-m", "daemon"]
        sys.exit(main())
    from caseyos_cli.main import run

    sys.argv = ["caseyos", *args]
    run(args)


class Forked:
    """A forked daemon or command, handled like a `subprocess.Popen`."""

    def __init__(self, process: Any, output: Path | None) -> None:
        self.process = process
        self.output = output

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    @property
    def returncode(self) -> int | None:
        code = self.process.exitcode
        return None if code is None else int(code)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(["forked", str(self.pid)], timeout or 0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)

    def read_output(self) -> str:
        """What it wrote to stdout and stderr so far (when they went to a file)."""
        if self.output is None or not self.output.exists():
            return ""
        return self.output.read_text(errors="replace")

    def close(self) -> None:
        """Forget its output file (once it has exited)."""
        if self.output is not None:
            self.output.unlink(missing_ok=True)


def _start(
    kind: str, args: list[str], env: Mapping[str, str], streams: tuple[str, str, str]
) -> Any:
    process = _context.Process(
        target=_child, args=(kind, args, dict(env), os.getcwd(), streams), daemon=False
    )
    process.start()
    return process


def start_daemon(env: Mapping[str, str]) -> Forked:
    """`python -m daemon` with `env`, its stdout and stderr to a file of its own."""
    fd, name = tempfile.mkstemp(prefix="caseyos-daemon-", suffix=".out")
    os.close(fd)
    return Forked(_start("daemon", [], env, (os.devnull, name, STDOUT)), Path(name))


def run_cli(
    args: list[str], env: Mapping[str, str], input: str | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`caseyos ARGS` with `env` and `input` on stdin, to its end: what it printed and its
    exit code, as `subprocess.run(..., capture_output=True, text=True)` gives them."""
    with tempfile.TemporaryDirectory(prefix="caseyos-cli-") as tmp:
        stdin, stdout, stderr = (os.path.join(tmp, n) for n in ("in", "out", "err"))
        Path(stdin).write_text(input or "")
        Path(stdout).touch()
        Path(stderr).touch()
        process = _start("cli", args, env, (stdin, stdout, stderr))
        child = Forked(process, None)
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)
            raise
        out = Path(stdout).read_text(errors="replace")
        err = Path(stderr).read_text(errors="replace")
        process.close()
    return subprocess.CompletedProcess(["caseyos", *args], code, out, err)


def start_cli_on_terminal(args: list[str], env: Mapping[str, str], terminal: str) -> Forked:
    """`caseyos ARGS` writing to the terminal device `terminal` (a pty's other end)."""
    return Forked(_start("cli", args, env, (os.devnull, terminal, terminal)), None)
