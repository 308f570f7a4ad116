"""Talking to people and scripts: JSON to stdout, tables for humans, errors to stderr.

Exit codes (CONVENTIONS.md): 0 ok, 1 failure, 2 usage, 4 needs auth, 5 daemon unreachable,
6 protocol mismatch. Rich is imported only when a table is drawn, never for --json.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from daemon.protocol import ErrorCode, RemoteError

if TYPE_CHECKING:
    from rich.console import Console

OK, FAILURE, USAGE, AUTH, UNREACHABLE, PROTOCOL = 0, 1, 2, 4, 5, 6

EXIT_FOR_CODE = {
    ErrorCode.INVALID_PARAMS: USAGE,
    ErrorCode.UNKNOWN_OPERATION: USAGE,
    ErrorCode.BAD_FRAME: FAILURE,
    ErrorCode.PROTOCOL_MISMATCH: PROTOCOL,
    ErrorCode.UNAUTHORIZED: UNREACHABLE,
}


def fail(message: str, code: int = FAILURE, hint: str | None = None) -> NoReturn:
    print(f"caseyos: {message}", file=sys.stderr)
    if hint:
        print(f"  {hint}", file=sys.stderr)
    raise typer.Exit(code)


def note(message: str) -> None:
    """Progress and remarks: stderr, so stdout stays data."""
    print(message, file=sys.stderr)


def wrap(text: str) -> str:
    """A sentence for people, wrapped at word boundaries to the terminal (80 without one)."""
    import shutil
    import textwrap

    width = shutil.get_terminal_size((80, 24)).columns
    return textwrap.fill(text, width=max(40, width), break_on_hyphens=False)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def call(op: str, params: dict[str, Any] | None = None, *, autostart: bool = True) -> Any:
    """One request to the daemon, with every failure turned into a message and exit code."""
    from caseyos_cli.client import DaemonUnreachable, ProtocolMismatch, connect

    try:
        with connect(autostart=autostart) as client:
            _warn_on_version_skew(client.server)
            return client.call(op, params)
    except DaemonUnreachable as exc:
        fail(
            str(exc),
            UNREACHABLE,
            "start it with `caseyos daemon start` (its log: `caseyos daemon logs`)",
        )
    except ProtocolMismatch as exc:
        fail(str(exc), PROTOCOL)
    except RemoteError as exc:
        hint = f"reference {exc.ref}" if exc.ref else None
        fail(exc.message, EXIT_FOR_CODE.get(exc.code, FAILURE), hint)
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


def console() -> Console:
    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "80"))
    return Console(width=width, highlight=False, soft_wrap=False)


def require_tty(what: str, flag: str) -> None:
    if not sys.stdin.isatty():
        fail(f"{what} is missing and there is no terminal to ask; pass {flag}", USAGE)
