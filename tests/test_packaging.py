"""README command 1 installs a wheel, not this checkout: it must carry every data file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.long
def test_wheel_carries_migrations_demo_seed_and_stylesheet(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    [wheel] = tmp_path.glob("caseyos-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = sorted(p.name for p in (ROOT / "daemon/store/migrations/versions").glob("m*.py"))
    assert migrations, "no migrations found in the checkout"
    for name in migrations:
        assert f"daemon/store/migrations/versions/{name}" in names
    assert "daemon/store/migrations/env.py" in names
    assert "connectors/demo/seed.json" in names
    # The dashboard's stylesheet: without it `caseyos tui` fails at start when installed.
    assert "caseyos_cli/tui/dashboard.tcss" in names
    assert not any(n.startswith("tests/") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "caseyos = caseyos_cli.main:run" in zipfile.ZipFile(wheel).read(entry).decode()
