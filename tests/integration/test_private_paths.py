"""The run directory is refused when it is not safely ours, and tightened when it is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DaemonProcess, run_cli

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
