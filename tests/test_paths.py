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
        with pytest.raises(paths.UnsafeDirectory, match="belongs to uid 65534"):
            paths.ensure_private_dir(d)


NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to another uid")


def _others_dir(path: Path) -> Path:
    """A 0755 directory owned by another user (nobody, 65534)."""
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    os.chown(path, 65534, 65534)
    return path


def _sticky_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A world-writable sticky directory standing in for /tmp, as the temp directory."""
    import tempfile

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    monkeypatch.delenv("CASEYOS_HOME")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    return shared


def test_fallback_run_dir_is_created_private_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _sticky_tmp(tmp_path, monkeypatch)
    run = paths.runtime_dir()
    assert run == shared / f"caseyos-{os.getuid()}"
    old = os.umask(0o022)
    try:
        paths.ensure_private_dir(run)
    finally:
        os.umask(old)
    st = run.lstat()
    assert st.st_mode & 0o777 == 0o700 and st.st_uid == os.getuid()


@NEEDS_ROOT
def test_fallback_run_dir_symlinked_to_another_users_dir_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _sticky_tmp(tmp_path, monkeypatch)
    theirs = _others_dir(tmp_path / "theirs")
    planted = shared / f"caseyos-{os.getuid()}"
    planted.symlink_to(theirs)
    os.lchown(planted, 65534, 65534)  # planted by another user
    with pytest.raises(paths.UnsafeDirectory, match="symbolic link") as err:
        paths.ensure_private_dir(paths.runtime_dir())
    assert str(planted) in str(err.value)
    st = theirs.stat()
    assert st.st_mode & 0o777 == 0o755 and st.st_uid == 65534, "their directory is untouched"


@NEEDS_ROOT
def test_fallback_run_dir_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _sticky_tmp(tmp_path, monkeypatch)
    planted = _others_dir(shared / f"caseyos-{os.getuid()}")
    with pytest.raises(paths.UnsafeDirectory, match="belongs to uid 65534") as err:
        paths.ensure_private_dir(paths.runtime_dir())
    assert str(planted) in str(err.value)
    assert planted.stat().st_mode & 0o777 == 0o755


@NEEDS_ROOT
def test_a_symlink_another_user_made_is_refused_even_to_our_own_dir(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o755)
    os.chmod(real, 0o755)
    link = tmp_path / "run"
    link.symlink_to(real)
    os.lchown(link, 65534, 65534)
    with pytest.raises(paths.UnsafeDirectory, match="symbolic link"):
        paths.ensure_private_dir(link)
    assert real.stat().st_mode & 0o777 == 0o755


def test_our_own_symlink_to_our_own_dir_is_followed(tmp_path: Path) -> None:
    # Say, data/workspaces moved to another disk; root's symlinks (/var/run) are alike.
    real = tmp_path / "real"
    real.mkdir()
    os.chmod(real, 0o755)
    link = tmp_path / "run"
    link.symlink_to(real)
    paths.ensure_private_dir(link)
    assert real.stat().st_mode & 0o777 == 0o700


def test_missing_parents_are_created_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        paths.ensure_private_dir(tmp_path / "a" / "b" / "run")
    finally:
        os.umask(old)
    for d in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "run"):
        assert d.stat().st_mode & 0o777 == 0o700, d


def test_tighten_leaves_symlinks_targets_and_other_users_files_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "workspaces").mkdir(parents=True)
    os.chmod(data, 0o755)
    db = data / "workspaces" / "main.sqlite3"
    db.write_text("")
    os.chmod(db, 0o644)
    outside = tmp_path / "outside.txt"
    outside.write_text("")
    os.chmod(outside, 0o644)
    (data / "link").symlink_to(outside)
    theirs = data / "theirs.txt"
    theirs.write_text("")
    os.chmod(theirs, 0o644)
    if os.geteuid() == 0:
        os.chown(theirs, 65534, 65534)
    changed = paths.tighten([data])
    assert data.stat().st_mode & 0o777 == 0o700
    assert db.stat().st_mode & 0o777 == 0o600
    assert outside.stat().st_mode & 0o777 == 0o644, "a symlink is not followed"
    assert set(changed) >= {data, db} and outside not in changed
    if os.geteuid() == 0:
        assert theirs.stat().st_mode & 0o777 == 0o644 and theirs not in changed
    assert paths.tighten([data]) == [], "nothing left to tighten"
