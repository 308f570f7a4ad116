"""Every command the README shows runs, in order, against the demo and then your own data.

The commands are read from the README's `sh` blocks (all but the set-up section, which
tests/test_readme.py covers), so a README edit that breaks the tour fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bench import corpus
from tests.conftest import PINNED_NOW
from tests.mailfixtures import write_ics

ROOT = Path(__file__).resolve().parents[2]


def tour() -> list[str]:
    """The README's commands, one per line as a user would paste them, comments removed."""
    text = (ROOT / "README.md").read_text()
    before, after = text.split("## Set up on a fresh machine", 1)
    after = after.split("\n## ", 1)[1] if "\n## " in after else ""
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)\n```", before + after, flags=re.S):
        joined = re.sub(r"\\\n\s*", "", block)
        for line in joined.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_the_readme_shows_a_tour() -> None:
    commands = tour()
    assert len(commands) >= 15
    assert all(c.startswith("caseyos") for c in commands), commands


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The files the README imports, in the directory the commands run in."""
    from datetime import datetime

    now = datetime.fromisoformat(PINNED_NOW)
    corpus.write_contacts_csv(tmp_path / "contacts.csv", 40)
    corpus.write_mbox(tmp_path / "mail.mbox", 60)
    write_ics(
        tmp_path / "calendar.ics",
        "tour-1",
        "Pipeline review",
        now + timedelta(days=1),
        now + timedelta(days=1, hours=1),
        ["lee@example.com"],
    )
    return tmp_path


@pytest.mark.long
def test_every_readme_command_runs(workdir: Path, caseyos_home: Path) -> None:
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "CASEYOS_NOW": PINNED_NOW,
        "COLUMNS": "80",
    }
    env.pop("CASEYOS_NO_AUTOSTART", None)  # the tour relies on the daemon starting itself
    try:
        for command in tour():
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, f"{command!r} exited {done.returncode}:\n{done.stderr}"
            assert "Traceback" not in done.stderr, command
    finally:
        subprocess.run(
            [sys.executable, "-m", "caseyos_cli", "daemon", "stop"],
            env=env,
            capture_output=True,
            timeout=60,
        )
