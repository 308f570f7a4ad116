"""The run directory is refused when it is not safely ours, and tightened when it is."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DaemonProcess, run_cli
from tests.mailfixtures import write_contacts_csv

NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to another uid")


def _others_dir(path: Path) -> Path:
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    os.chown(path, 65534, 65534)
    return path


def _daemon_run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@NEEDS_ROOT
def test_symlinked_run_dir_is_refused_and_its_target_untouched(
    daemon_env: dict[str, str], caseyos_home: Path, tmp_path: Path
) -> None:
    theirs = _others_dir(tmp_path / "theirs")
    caseyos_home.mkdir()
    run = caseyos_home / "run"
    run.symlink_to(theirs)
    os.lchown(run, 65534, 65534)  # another user's symlink
    out = _daemon_run(daemon_env)
    assert out.returncode == 1, out.stderr
    assert "symbolic link" in out.stderr and str(run) in out.stderr.replace("\n  ", " ")
    st = theirs.stat()
    assert st.st_mode & 0o777 == 0o755 and st.st_uid == 65534
    assert list(theirs.iterdir()) == [], "no socket, pid file or lock was put there"
    # A command that would start the daemon says the same, as a failure to fix (exit 1).
    cli = run_cli("daemon", "start", env=daemon_env)
    assert cli.returncode == 1, cli.stderr
    assert "symbolic link" in cli.stderr and "Traceback" not in cli.stderr
    assert list(theirs.iterdir()) == []


@NEEDS_ROOT
def test_run_dir_owned_by_another_user_is_refused(
    daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    caseyos_home.mkdir()
    run = _others_dir(caseyos_home / "run")
    out = _daemon_run(daemon_env)
    assert out.returncode == 1, out.stderr
    assert "belongs to uid 65534" in out.stderr and "Traceback" not in out.stderr
    assert run.stat().st_mode & 0o777 == 0o755
    assert list(run.iterdir()) == []


def test_our_own_open_run_dir_is_tightened(daemon_env: dict[str, str], caseyos_home: Path) -> None:
    run = caseyos_home / "run"
    run.mkdir(parents=True)
    os.chmod(run, 0o755)
    d = DaemonProcess(daemon_env).start()
    try:
        assert run.stat().st_mode & 0o777 == 0o700
    finally:
        d.stop()


def _modes(home: Path) -> dict[str, int]:
    """Every path under `home` (and home itself), relative, with its permission bits."""
    found = {".": home.lstat().st_mode & 0o7777}
    for top, dirs, files in os.walk(home):
        for name in dirs + files:
            p = Path(top) / name
            found[str(p.relative_to(home))] = p.lstat().st_mode & 0o7777
    return found


def _too_open(home: Path) -> dict[str, str]:
    bad = {}
    for rel, mode in _modes(home).items():
        wanted = 0o700 if (home / rel).is_dir() and not (home / rel).is_symlink() else 0o600
        if mode != wanted:
            bad[rel] = oct(mode)
    return bad


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default umask, under which files are 0644 and directories 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_fresh_install_and_an_import_are_private_whatever_the_umask(
    open_umask: None, daemon_env: dict[str, str], caseyos_home: Path, tmp_path: Path
) -> None:
    d = DaemonProcess(daemon_env).start()  # builds the demo workspace: an import
    try:
        init = run_cli(
            "init",
            "--name",
            "Real Person",
            "--email",
            "me@realco.example",
            "--internal-domain",
            "realco.example",
            "--timezone",
            "Europe/Berlin",
            env=daemon_env,
        )
        assert init.returncode == 0, init.stderr
        csv = write_contacts_csv(tmp_path / "contacts.csv", [{"Email": "ana@client.example"}])
        imported = run_cli("import", str(csv), env=daemon_env)
        assert imported.returncode == 0, imported.stderr
        found = _modes(caseyos_home)
        for name in ("main", "demo"):
            for suffix in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm"):
                assert f"data/workspaces/{name}{suffix}" in found, sorted(found)
        assert "state/daemon.log" in found and "run/caseyos.sock" in found
        assert _too_open(caseyos_home) == {}
    finally:
        d.stop()
    assert _too_open(caseyos_home) == {}


def test_an_existing_open_install_is_tightened_on_start_and_the_log_says_so(
    open_umask: None, daemon_env: dict[str, str], caseyos_home: Path
) -> None:
    DaemonProcess(daemon_env).start().stop()
    # What an install made before CaseyOS set its modes looks like.
    for rel in _modes(caseyos_home):
        p = caseyos_home / rel
        if p.is_dir():
            os.chmod(p, 0o755)
        elif p.is_file():
            os.chmod(p, 0o644)
    lock = caseyos_home / "run" / "startup.lock"  # what a client that started it left
    lock.touch()
    os.chmod(lock, 0o644)
    assert _too_open(caseyos_home)
    d = DaemonProcess(daemon_env).start()
    try:
        assert _too_open(caseyos_home) == {}
        from daemon.logfmt import parse

        records = [parse(line) for line in (caseyos_home / "state" / "daemon.log").open()]
        said = [r["message"] for r in records if "tightened permissions" in r["message"]]
        assert len(said) == 1, said
        assert str(caseyos_home / "data" / "workspaces") in said[0]
    finally:
        d.stop()
