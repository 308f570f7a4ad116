"""Shared by the tests/test_files_*.py modules: the operator and a file writer."""

from __future__ import annotations

from pathlib import Path

from connectors.base import OperatorIdentity

OPERATOR = OperatorIdentity(
    name="Casey Morgan",
    emails=("casey@quill.example",),
    internal_domains=("quill.example",),
    timezone="America/New_York",
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path
