"""One function decides the socket path, for every process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daemon import paths


def test_caseyos_home_puts_everything_under_it(caseyos_home: Path) -> None:
    assert paths.data_dir() == caseyos_home / "data"
    assert paths.log_file().is_relative_to(caseyos_home)
    sock = paths.socket_path()
    assert sock == caseyos_home / "run" / "caseyos.sock" or sock.parent.name.startswith(
        f"caseyos-{os.getuid()}-"
    )


def test_explicit_socket_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEYOS_SOCKET", "/tmp/x/c.sock")
    assert paths.socket_path() == Path("/tmp/x/c.sock")
    assert paths.pid_file() == Path("/tmp/x/daemon.pid")


def test_xdg_runtime_dir_without_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CASEYOS_HOME")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert paths.socket_path() == tmp_path / "caseyos" / "caseyos.sock"


def test_too_long_a_path_falls_back_to_a_short_stable_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deep = "/tmp/" + "d" * 120
    monkeypatch.setenv("CASEYOS_HOME", deep)
    first = paths.socket_path()
    assert len(str(first)) <= paths.SUN_PATH_MAX
    assert first == paths.socket_path(), "every process computes the same fallback"
    monkeypatch.setenv("CASEYOS_HOME", deep + "x")
    assert paths.socket_path() != first, "two homes never share a socket"


def test_private_dir_is_0700_and_refuses_other_owners(tmp_path: Path) -> None:
    d = tmp_path / "run"
    d.mkdir(mode=0o755)
    paths.ensure_private_dir(d)
    assert d.stat().st_mode & 0o777 == 0o700
    if os.geteuid() == 0:
        os.chown(d, 65534, 65534)
        with pytest.raises(PermissionError, match="belongs to uid 65534"):
            paths.ensure_private_dir(d)
