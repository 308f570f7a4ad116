"""The `caseyos` command: nouns then verbs, one module per noun under `commands/`.

Only the noun being run is imported and built: Typer turns every sub-app into Click
commands up front, and on the hot path (`caseyos queue today --json`) that work for the
other nouns is pure start-up cost. Shell completion builds only what the words typed so
far need, too (`complete.respond`).
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from caseyos_cli import cli

NOUNS = {
    "queue": "queue_cmd",
    "signals": "signals_cmd",
    "report": "report_cmd",
    "outcomes": "outcomes_cmd",
    "daemon": "daemon_cmd",
    "workspace": "workspace_cmd",
    "agents": "agents_cmd",
    "settings": "settings_cmd",
    "api": "api_cmd",
    "jobs": "jobs_cmd",
    "contacts": "contacts_cmd",
    "companies": "companies_cmd",
    "deals": "deals_cmd",
    "tasks": "tasks_cmd",
    "meetings": "meetings_cmd",
    "threads": "threads_cmd",
    "connectors": "connectors_cmd",
    "completion": "completion_cmd",
    "auth": "auth_cmd",
}
TOP_LEVEL = ("init", "demo", "import")
# The dashboard's commands (`dashboard` is an alias of `tui`).
DASHBOARD = ("tui", "dashboard")
# Commands main.py defines itself (no module to import).
OWN = ("version",)
COMPLETE_VAR = "_CASEYOS_COMPLETE"


def _module(name: str) -> object:
    return importlib.import_module(f"caseyos_cli.commands.{name}")


def _print_version() -> None:
    from daemon import __version__

    print(f"caseyos {__version__}")


def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", is_eager=True
    ),
    install_completion: bool = typer.Option(
        False, "--install-completion", hidden=True, help="Same as `caseyos completion install`."
    ),
    show_completion: bool = typer.Option(
        False, "--show-completion", hidden=True, help="Same as `caseyos completion script`."
    ),
) -> None:
    """With no command: a short status (daemon, moves due today, last sync)."""
    if version:
        _print_version()
        raise typer.Exit()
    if install_completion or show_completion:
        from caseyos_cli.commands import completion_cmd

        if install_completion:
            completion_cmd.install(None)
        else:
            completion_cmd.script(None)
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        from caseyos_cli.commands import daemon_cmd

        daemon_cmd.short_status()


cli.document(
    _root,
    examples=[
        "# What is going on: daemon, moves due today, last sync",
        "caseyos",
        "# Today's moves, then what one is about",
        "caseyos queue today",
        "caseyos queue show 7",
        "# Bring your own data in",
        "caseyos init --name 'Casey Morgan' --email casey@example.com",
        "caseyos import contacts.csv",
    ],
)


def version() -> None:
    """Print the version (as `caseyos --version` and `caseyos -V` do)."""
    _print_version()


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree; with `only`, just that noun (the others are never imported)."""
    app = cli.App(
        name="caseyos",
        help="CaseyOS: your go-to-market operating system, in the terminal.",
        no_args_is_help=False,
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for noun, module in NOUNS.items():
        if only in (None, noun):
            sub = _module(module).app  # type: ignore[attr-defined]
            app.add_typer(sub, name=noun, rich_help_panel=getattr(sub, "panel", cli.OTHER))
    if only is None or only in TOP_LEVEL:
        _module("setup_cmd").register(app)  # type: ignore[attr-defined]
    if only is None or only in DASHBOARD:
        _module("tui_cmd").register(app)  # type: ignore[attr-defined]
    if only is None or only in OWN:
        app.command(
            examples=["caseyos version"],
            rich_help_panel=cli.OTHER,
        )(version)
    return app


def _only(args: list[str]) -> str | None:
    first = args[0] if args else None
    known = first in NOUNS or first in TOP_LEVEL or first in DASHBOARD or first in OWN
    return first if known else None


def run(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    request = os.environ.get(COMPLETE_VAR)
    if request:
        from caseyos_cli import complete

        # Only the words before the one being completed choose what to build.
        complete.respond(request, args, lambda: build_app(_only(args[:-1])))
        return
    _refuse_undecodable(args)
    # A fixed name keeps help text and the completion variable (_CASEYOS_COMPLETE) the same
    # whether we run as the console script or as `python -m caseyos_cli`.
    try:
        build_app(_only(args))(args, prog_name="caseyos")
    except Exception as exc:
        # Whatever command met a socket that is not a CaseyOS daemon, or a path it may not
        # use, the operator hears it in one line with its exit code, not as a traceback
        # from deep inside the client. A run directory that is not safely ours is a
        # failure the operator must fix (exit 1).
        from caseyos_cli import output
        from caseyos_cli.client import ProtocolMismatch
        from daemon.paths import UnsafeDirectory

        if isinstance(exc, ProtocolMismatch):
            print(output.wrap(f"caseyos: {exc}", indent="  "), file=sys.stderr)
            raise SystemExit(output.PROTOCOL) from None
        if isinstance(exc, UnsafeDirectory):
            print(output.wrap(f"caseyos: {exc}", indent="  "), file=sys.stderr)
            raise SystemExit(output.FAILURE) from None
        if isinstance(exc, OSError) and exc.filename is not None:
            print(output.wrap(f"caseyos: {_os_error(exc)}", indent="  "), file=sys.stderr)
            raise SystemExit(output.FAILURE) from None
        raise


def _os_error(exc: OSError) -> str:
    """'permission denied: /some/dir' (and the second path of a rename, if any)."""
    what = (exc.strerror or type(exc).__name__).lower()
    where = os.fsdecode(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {os.fsdecode(exc.filename2)}"
    return f"{what}: {where!r}" if not where.isprintable() else f"{what}: {where}"


def _refuse_undecodable(args: list[str]) -> None:
    """Arguments travel to the daemon as UTF-8 text: bytes that are not UTF-8 (which Python
    hands us as lone surrogates) are a usage error, said before anything starts."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(arg) if _surrogate_escaped(arg) else arg
            print(f"caseyos: argument is not valid UTF-8: {shown!r}", file=sys.stderr)
            raise SystemExit(2) from None


def _surrogate_escaped(arg: str) -> bool:
    try:
        os.fsencode(arg)
    except UnicodeEncodeError:
        return False
    return True
