"""Talking to people and scripts: JSON to stdout, tables for humans, errors to stderr.

Exit codes (docs/DOMAIN.md): 0 ok, 1 failure, 2 usage, 4 needs auth, 5 daemon unreachable,
6 protocol mismatch. Rich is imported only when a table is drawn, never for --json.

For people, everything fits `width()` columns (the terminal's; COLUMNS, else 80, when
piped) and no line ends in spaces:

    output.console().print(table)   Rich, styled by the `style` rule, lines right-trimmed
    output.table(...)               a Rich table with the house layout (no box, bold header)
    output.wrap(text)               a sentence wrapped to the width, long words kept whole
    output.plural(2, "move")        '2 moves' (and `counted(3, "companies")`)
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sys
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO, cast

import typer

from caseyos_cli import style
from daemon.protocol import ErrorCode, RemoteError
from daemon.vocabulary import counted, plural

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["counted", "plural"]

OK, FAILURE, USAGE, AUTH, UNREACHABLE, PROTOCOL = 0, 1, 2, 4, 5, 6

EXIT_FOR_CODE = {
    ErrorCode.INVALID_PARAMS: USAGE,
    ErrorCode.UNKNOWN_OPERATION: USAGE,
    ErrorCode.BAD_FRAME: FAILURE,
    ErrorCode.PROTOCOL_MISMATCH: PROTOCOL,
    ErrorCode.UNAUTHORIZED: UNREACHABLE,
    ErrorCode.NEEDS_REAUTH: AUTH,
}


def width() -> int:
    """Columns to lay out for: the terminal's, or COLUMNS, or 80 (never under 40)."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, indent: str = "", first: str = "") -> str:
    """Text for people, wrapped at word boundaries to `width()`; paths and URLs stay whole.

    The first line starts with `first`, the lines after it with `indent` (a hanging indent
    by default). Line breaks already in `text` are kept.
    """
    import textwrap

    lines: list[str] = []
    lead = first
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(
            paragraph,
            width=width(),
            initial_indent=lead,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        ) or [lead.rstrip()]
        lead = indent
    return "\n".join(lines)


def setting(value: Any) -> str:
    """A setting's or an agent knob's value as `set` takes it back: lists and pairs with
    commas (`fintech,insurance`, `opportunity=2,customer=5`), `none` for nothing, yes/no,
    whole numbers without a point."""
    if value is None or value == [] or value == {}:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:g}"
    return str(value)


def fail(message: str, code: int = FAILURE, hint: str | None = None) -> NoReturn:
    print(wrap(f"caseyos: {message}", indent="  "), file=sys.stderr)
    if hint:
        print(wrap(hint, indent="  ", first="  "), file=sys.stderr)
    raise typer.Exit(code)


def note(message: str) -> None:
    """Progress and remarks: stderr, so stdout stays data."""
    print(message, file=sys.stderr)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def _in_cli_words(message: str, field: str | None, flags: dict[str, str] | None) -> str:
    """A daemon message that starts with a parameter's name, starting with the command's
    name for it instead (`status must be ...` becomes `--status must be ...`)."""
    top = (field or "").split(".")[0]
    flag = (flags or {}).get(top)
    if flag and re.match(rf"{re.escape(top)}\b(?![.-])", message):
        return flag + message[len(top) :]
    return message


def call(
    op: str,
    params: dict[str, Any] | None = None,
    *,
    autostart: bool = True,
    flags: dict[str, str] | None = None,
) -> Any:
    """One request to the daemon, with every failure turned into a message and exit code.

    A refused parameter is named as the user typed it: `flags` maps the daemon's parameter
    names to this command's options and arguments ({"emails": "--email", "name": "NAME"}).
    """
    from caseyos_cli.client import DaemonUnreachable, ProtocolMismatch, connect

    try:
        with connect(autostart=autostart) as client:
            _warn_on_version_skew(client.server)
            return client.call(op, params)
    except DaemonUnreachable as exc:
        fail(str(exc), UNREACHABLE, exc.hint)
    except ProtocolMismatch as exc:
        fail(str(exc), PROTOCOL)
    except RemoteError as exc:
        hint = f"reference {exc.ref}" if exc.ref else None
        message = _in_cli_words(exc.message, exc.field, flags)
        fail(message, EXIT_FOR_CODE.get(exc.code, FAILURE), hint)
    except (ConnectionError, TimeoutError, OSError) as exc:
        fail(
            f"lost the daemon during {op}: {exc}",
            UNREACHABLE,
            "see `caseyos daemon logs`; `caseyos daemon status` tells whether it runs",
        )


def _warn_on_version_skew(hello: dict[str, Any]) -> None:
    """Same protocol, other release: it works, but the daemon runs yesterday's code."""
    from daemon import __version__

    theirs = hello.get("version")
    if theirs and theirs != __version__:
        note(
            f"caseyos: the daemon runs version {theirs}, this command is {__version__}; "
            "`caseyos daemon restart` picks up the new one"
        )


_TRAILING = re.compile(r"(?:\x1b\[[0-9;]*m| )+$")


def rstrip_line(line: str) -> str:
    """A line without trailing spaces, even ones wrapped in ANSI codes (styling is closed)."""
    tail = _TRAILING.search(line)
    if tail is None:
        return line
    kept = line[: tail.start()]
    return kept + "\x1b[0m" if "\x1b[" in tail.group() and "\x1b[" in kept else kept


class _TrimmedLines(io.TextIOBase):
    """A stream that passes whole lines on, right-trimmed (Rich pads every table cell)."""

    def __init__(self, target: TextIO):
        self.target = target
        self.pending = ""

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.target.write(rstrip_line(line) + "\n")
        return len(text)

    def flush(self) -> None:
        # Rich flushes after each print, which ends with a newline; anything else (a print
        # with end="") goes out as it is.
        if self.pending:
            self.target.write(self.pending)
            self.pending = ""
        self.target.flush()

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()


def console(stderr: bool = False) -> Console:
    """A Rich console for stdout (or stderr): `width()` wide, lines right-trimmed, styled
    only on a terminal without NO_COLOR (and then in colour; otherwise no codes at all)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    styled = style.enabled(stream)
    return Console(
        file=cast(IO[str], _TrimmedLines(stream)),
        width=width(),
        force_terminal=styled,
        color_system="auto" if styled else None,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )


def table(*, expand: bool = False) -> Table:
    """A table in the house layout: no box or edge padding, a bold header row."""
    from rich.table import Table

    return Table(
        box=None,
        pad_edge=False,
        show_edge=False,
        expand=expand,
        header_style=style.rich("header"),
    )


def require_tty(what: str, flag: str) -> None:
    if not sys.stdin.isatty():
        fail(f"{what} is missing and there is no terminal to ask; pass {flag}", USAGE)
