"""caseyos tui (alias dashboard): the Textual dashboard, to work the day from one screen."""

from __future__ import annotations

import typer

from caseyos_cli import cli, output

START = typer.Option(False, "--start", help="With no daemon running, start one without asking.")


def tui(start: bool = START) -> None:
    """Open the dashboard: today's moves, live, worked from the keyboard (? for help)."""
    import sys

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        output.fail(
            "the dashboard needs a terminal; for scripts use `caseyos queue today --json`",
            output.USAGE,
        )
    from caseyos_cli.tui.app import Dashboard

    app = Dashboard(start_daemon=True if start else None)
    app.run()
    if app.return_code:  # no daemon, and none started: said on the way out
        raise typer.Exit(app.return_code)


def dashboard(start: bool = START) -> None:
    """The dashboard, as `caseyos tui` opens it."""
    tui(start)


def register(app: cli.App) -> None:
    app.command(
        "tui",
        examples=["caseyos tui", "caseyos tui --start"],
        rich_help_panel=cli.DAEMON,
    )(tui)
    app.command(
        "dashboard", examples=["caseyos dashboard"], hidden=True, rich_help_panel=cli.DAEMON
    )(dashboard)
