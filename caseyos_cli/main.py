"""The `caseyos` command: nouns then verbs, one module per noun under `commands/`.

Only the noun being run is imported and built: Typer turns every sub-app into Click
commands up front, and on the hot path (`caseyos queue today --json`) that work for the
other seven nouns is pure start-up cost.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

NOUNS = {
    "queue": "queue_cmd",
    "signals": "signals_cmd",
    "outcomes": "outcomes_cmd",
    "daemon": "daemon_cmd",
    "workspace": "workspace_cmd",
    "agents": "agents_cmd",
    "api": "api_cmd",
    "jobs": "jobs_cmd",
}
TOP_LEVEL = ("init", "demo", "import")


def _module(name: str) -> object:
    return importlib.import_module(f"caseyos_cli.commands.{name}")


def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """With no command: a short status (daemon, moves due today, last sync)."""
    if version:
        from daemon import __version__

        print(f"caseyos {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        from caseyos_cli.commands import daemon_cmd

        daemon_cmd.short_status()


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree; with `only`, just that noun (the others are never imported)."""
    app = typer.Typer(
        name="caseyos",
        help="CaseyOS: your go-to-market operating system, in the terminal.",
        add_completion=True,
        no_args_is_help=False,
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for noun, module in NOUNS.items():
        if only in (None, noun):
            app.add_typer(_module(module).app, name=noun)  # type: ignore[attr-defined]
    if only is None or only in TOP_LEVEL:
        _module("setup_cmd").register(app)  # type: ignore[attr-defined]
    return app


def run(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    completing = "_CASEYOS_COMPLETE" in os.environ
    first = args[0] if args else None
    only = first if not completing and (first in NOUNS or first in TOP_LEVEL) else None
    # A fixed name keeps help text and the completion variable (_CASEYOS_COMPLETE) the same
    # whether we run as the console script or as `python -m caseyos_cli`.
    try:
        build_app(only)(args, prog_name="caseyos")
    except Exception as exc:
        # Whatever command met a socket that is not a CaseyOS daemon, the operator hears it
        # in one line with exit 6, not as a traceback from deep inside the client.
        from caseyos_cli.client import ProtocolMismatch

        if not isinstance(exc, ProtocolMismatch):
            raise
        print(f"caseyos: {exc}", file=sys.stderr)
        raise SystemExit(6) from None
