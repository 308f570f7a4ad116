"""What a widget shows, as plain text: for checking a detail's body in pilot tests."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.widgets import Static


def plain(widget: Static) -> str:
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    content: Any = widget.content
    console.print(content)
    return console.export_text()
