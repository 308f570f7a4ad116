"""Generated files stay current: docs/API.md, docs/CLI.md and the shell completions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from caseyos_cli import clidoc, completions
from daemon import apidoc

ROOT = Path(__file__).resolve().parent.parent


def test_api_doc_is_current() -> None:
    current = (ROOT / "docs" / "API.md").read_text()
    assert current == apidoc.render(), "regenerate: python -m daemon.apidoc > docs/API.md"


def test_cli_doc_is_current() -> None:
    current = (ROOT / "docs" / "CLI.md").read_text()
    assert current == clidoc.render(), "regenerate: python -m caseyos_cli.clidoc > docs/CLI.md"


def test_api_doc_lists_every_operation() -> None:
    from daemon.registry import SURFACES, load_operations

    text = apidoc.render()
    ops = load_operations()
    assert 20 <= len(ops) <= 60, "the API stays small: adding an operation is deliberate"
    for name, op in ops.items():
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"Tool: `{op.tool_name}`, exposed to " in section
        assert ", ".join(f"`{s}`" for s in SURFACES if s in op.expose) in section
        assert f"`destructiveHint` {str(op.hints.destructive).lower()}" in section


def test_api_doc_has_a_section_for_every_event() -> None:
    from daemon.event_types import EVENTS

    text = apidoc.render()
    assert len(EVENTS) >= 6
    for name, declared in EVENTS.items():
        section = text.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        assert declared.description in section
        for field, info in declared.payload.model_fields.items():
            assert f"| `{field}` |" in section and str(info.description) in section


@pytest.mark.parametrize("shell", sorted(completions.SHELLS))
def test_completion_scripts_are_current(shell: str) -> None:
    path = ROOT / "completions" / completions.SHELLS[shell]
    assert path.read_text() == completions.script(shell), (
        "regenerate: python -m caseyos_cli.completions"
    )


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("caseyos qu", 1, "queue"),
        ("caseyos queue sn", 2, "snooze"),
        ("caseyos signals st", 2, "stats"),
        ("caseyos daemon re", 2, "restart"),
    ],
)
def test_completion_answers_from_the_live_command_tree(
    words: str, cword: int, expected: str
) -> None:
    env = {
        **os.environ,
        "_CASEYOS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
    }
    out = subprocess.run(
        [sys.executable, "-m", "caseyos_cli"], env=env, capture_output=True, text=True, timeout=60
    )
    assert expected in out.stdout.split()
