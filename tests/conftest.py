"""Shared fixtures: a private CASEYOS_HOME per test and a real daemon on a real socket."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from caseyos_cli.client import Client, DaemonUnreachable
from daemon import paths
from tests import forked
from tests.forked import Forked

PINNED_NOW = "2026-11-25T15:00:00+00:00"  # a Wednesday, 10:00 in New York


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile CaseyOS once before the tests start its daemon and CLI some hundreds of
    times. Where PYTHONDONTWRITEBYTECODE is set (it is on the CI machines) nothing else
    writes the .pyc files of an editable install, and every one of those processes would
    compile every module again (a third of a second each). Up-to-date files are skipped."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("caseyos_cli", "daemon", "agents", "connectors"):
        compileall.compile_dir(root / package, quiet=2)
    # The same holds for pytest's rewritten test modules: with bytecode writing off, every
    # worker rewrites and compiles every test module again on every run (seconds each).
    # Those cached files carry pytest's own tag, so nothing else ever reads them.
    sys.dont_write_bytecode = False
    config.addinivalue_line(
        "markers", "long: takes seconds even on an idle machine; runs first (see below)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the long tests first. The workers take the rest as they go (the worksteal
    distribution in pyproject.toml), so they finish together; a long test started last
    would keep one worker busy while the others sit idle. Otherwise collection order."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def caseyos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("CASEYOS_HOME", str(home))
    monkeypatch.setenv("CASEYOS_NO_AUTOSTART", "1")
    # No test reads or writes the developer's own keyring: as on a headless machine, there
    # is none, and a test that needs a store chooses the file (CASEYOS_SECRETS=file).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for var in (
        "CASEYOS_SOCKET",
        "CASEYOS_NOW",
        "CASEYOS_DATABASE_URL",
        "CASEYOS_SECRETS",
        "CASEYOS_SECRETS_PASSPHRASE",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


class DaemonProcess:
    """The real daemon as a child process, driven through the real client."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        # Forked (see tests/forked.py), or a real process a test started itself.
        self.proc: Forked | subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return paths.socket_path()

    def start(
        self, now: str | None = PINNED_NOW, timeout: float = 60, first_pass: bool = True
    ) -> DaemonProcess:
        """Start the daemon; return once it answers and (with `first_pass`) has finished
        the agent pass it runs after starting."""
        env = dict(self.env)
        if now:
            env["CASEYOS_NOW"] = now
        else:
            env.pop("CASEYOS_NOW", None)
        # As `python -m daemon` (autostart's way) runs it, forked from a server that has
        # imported it (`caseyos daemon run` and autostart have tests of their own).
        self.proc = forked.start_daemon(env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.read_output()
                raise AssertionError(f"daemon exited with {self.proc.returncode}:\n{out}")
            try:
                with Client.connect() as client:
                    # The first pass runs after the daemon listens; tests start from its result.
                    if client.call("system.status")["last_tick"] or not first_pass:
                        return self
            except DaemonUnreachable:
                pass
            time.sleep(0.05)
        raise AssertionError("daemon did not answer, or finish its first pass, in time")

    def client(self) -> Client:
        return Client.connect()

    def call(self, op: str, params: dict[str, Any] | None = None) -> Any:
        with self.client() as c:
            return c.call(op, params)

    def run_job(self, op: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start a job through `op`, wait for it, and return its result; it must succeed."""
        job = self.call(op, params)["job"]
        while job["status"] == "running":
            job = self.call("jobs.wait", {"id": job["id"], "timeout": 20})["job"]
        assert job["status"] == "succeeded", job
        result: dict[str, Any] = job["result"]
        return result

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout)
        code = self.proc.returncode
        assert code is not None
        if isinstance(self.proc, Forked):
            self.proc.close()
        elif self.proc.stdout:
            self.proc.stdout.close()
        return code

    def crash_report(self) -> str:
        """What faulthandler wrote if the daemon crashed below Python (empty if not)."""
        crash = paths.log_file().with_name("crash.log")
        return crash.read_text() if crash.exists() else ""

    def restart(self, now: str | None = PINNED_NOW) -> DaemonProcess:
        code = self.stop()
        assert code == 0, f"daemon stopped with {code}\n{self.crash_report()}"
        return self.start(now)


@pytest.fixture
def daemon_env(caseyos_home: Path) -> dict[str, str]:
    return dict(os.environ)


@pytest.fixture(scope="session")
def _built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace as a daemon builds it at PINNED_NOW, built once per test worker."""
    home = tmp_path_factory.mktemp("demo-built") / "home"
    env = {**os.environ, "CASEYOS_HOME": str(home), "CASEYOS_NO_AUTOSTART": "1"}
    for var in ("CASEYOS_SOCKET", "CASEYOS_NOW", "CASEYOS_DATABASE_URL"):
        env.pop(var, None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEYOS_HOME", str(home))
        d = DaemonProcess(env).start()
        assert d.stop() == 0
    return home / "data" / "workspaces" / "demo.sqlite3"


def _install_demo(home: Path, built: Path, name: str = "demo") -> None:
    """Put a copy of the built demo database where a daemon in `home` looks for it (or,
    with `name`, a copy of another built workspace under that name)."""
    workspaces = home / "data" / "workspaces"
    workspaces.mkdir(parents=True, mode=0o700, exist_ok=True)
    for d in (home, home / "data"):
        d.chmod(0o700)
    shutil.copyfile(built, workspaces / f"{name}.sqlite3")
    (workspaces / f"{name}.sqlite3").chmod(0o600)


@pytest.fixture(scope="session")
def _migrated_main() -> Path:
    """An empty workspace database at the newest migration, made once per test worker:
    `blank_daemon` starts on a copy instead of running every migration again (the
    migrations and a daemon's first start on an empty home have tests of their own)."""
    import asyncio

    from tests.store_fixtures import migrated_template

    return asyncio.run(migrated_template())


@pytest.fixture
def daemon(
    daemon_env: dict[str, str], caseyos_home: Path, _built_demo: Path
) -> Iterator[DaemonProcess]:
    """A started daemon on the demo workspace at PINNED_NOW. The demo's database is a copy
    of one built by a daemon at the same instant (so this one finds it fresh and keeps it);
    the tests of the build itself start their daemons on an empty home."""
    _install_demo(caseyos_home, _built_demo)
    d = DaemonProcess(daemon_env).start()
    yield d
    d.stop()


@pytest.fixture
def blank_daemon(
    daemon_env: dict[str, str], caseyos_home: Path, _migrated_main: Path
) -> Iterator[DaemonProcess]:
    """A started daemon on an empty 'main' workspace with an operator set."""
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    _install_demo(caseyos_home, _migrated_main, "main")
    d = DaemonProcess(daemon_env).start()
    d.call("operator.init", OPERATOR_PARAMS)
    yield d
    d.stop()


OPERATOR_PARAMS = {
    "name": "Casey Morgan",
    "emails": ["casey@northwind.example"],
    "internal_domains": ["northwind.example"],
    "timezone": "America/New_York",
}


def _module_daemon(
    tmp_path_factory: pytest.TempPathFactory,
    *,
    demo: Path | None = None,
    home: Path | None = None,
) -> Iterator[DaemonProcess]:
    """One daemon for a whole test module, in a home of its own (`home`, or one under
    pytest's temporary directory): on the `demo` built once per worker (copied, as for
    `daemon`), or without it on an empty 'main' with an operator."""
    home = home or tmp_path_factory.mktemp("steady") / "home"
    blank = demo is None
    if demo is None:
        (home / "data").mkdir(parents=True)
        (home / "data" / "active_workspace").write_text("main\n")
    else:
        _install_demo(home, demo)
    env = {**os.environ, "CASEYOS_HOME": str(home), "CASEYOS_NO_AUTOSTART": "1"}
    for var in ("CASEYOS_SOCKET", "CASEYOS_NOW", "CASEYOS_DATABASE_URL"):
        env.pop(var, None)
    d = DaemonProcess(env)
    with calling(d):
        d.start()
        if blank:
            d.call("operator.init", OPERATOR_PARAMS)
    yield d
    with calling(d):
        d.stop()


@contextmanager
def calling(d: DaemonProcess) -> Iterator[DaemonProcess]:
    """CASEYOS_HOME set to `d`'s home for a while: for a fixture wider than one test (whose
    own home `caseyos_home` sets) that starts, calls or stops a module's daemon."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEYOS_HOME", d.env["CASEYOS_HOME"])
        yield d


@pytest.fixture(scope="module")
def _module_blank_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    yield from _module_daemon(tmp_path_factory)


@pytest.fixture(scope="module")
def _module_demo_daemon(
    tmp_path_factory: pytest.TempPathFactory, _built_demo: Path
) -> Iterator[DaemonProcess]:
    yield from _module_daemon(tmp_path_factory, demo=_built_demo)


@pytest.fixture
def steady_daemon(
    _module_blank_daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch
) -> DaemonProcess:
    """Like `blank_daemon`, but one daemon for a whole test module: for tests that only
    send what the daemon must refuse (bad frames, wrong params), and so change nothing.
    Sharing it makes each such test also check the daemon survived the ones before."""
    monkeypatch.setenv("CASEYOS_HOME", _module_blank_daemon.env["CASEYOS_HOME"])
    return _module_blank_daemon


@pytest.fixture
def steady_demo_daemon(
    _module_demo_daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch
) -> DaemonProcess:
    """Like `daemon` (the demo), one per test module: for tests that only read."""
    monkeypatch.setenv("CASEYOS_HOME", _module_demo_daemon.env["CASEYOS_HOME"])
    return _module_demo_daemon


def raw_socket(path: Path, timeout: float) -> socket.socket:
    """A bare connection to the daemon's socket, for tests that speak frames by hand; the
    timeout turns a hang into a failure."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    return s


def run_cli(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`caseyos ARGS`, to its end (forked: see tests/forked.py). `daemon start` and
    `restart` run as a process of their own: run forked, `restart` now and then exited 1
    with nothing said (cause not found; a fresh process never does)."""
    env = env if env is not None else dict(os.environ)
    if args[:2] in (("daemon", "start"), ("daemon", "restart")):
        return subprocess.run(
            [sys.executable, "-m", "caseyos_cli", *args],
            capture_output=True,
            text=True,
            env=env,
            input=input,
            timeout=120,
        )
    return forked.run_cli(list(args), env, input, 120)


def run_cli_tty(
    *args: str, env: dict[str, str] | None = None, columns: int = 80, timeout: float = 120
) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal `columns` wide, as a person at a terminal meets it.

    Returns the exit code and everything written to stdout and stderr, with the terminal's
    CR LF line ends turned back into LF.
    """
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = forked.start_cli_on_terminal(
        list(args), env if env is not None else os.environ, os.ttyname(slave)
    )
    # The terminal's end stays open here until the command has exited (it opens the device
    # itself, maybe after this line): the output is read until it exits and nothing is left.
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if select.select([master], [], [], 0.05)[0]:
                chunks.append(os.read(master, 65536))
            elif proc.poll() is not None:
                break
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(slave)
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    code = proc.returncode
    assert code is not None
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
