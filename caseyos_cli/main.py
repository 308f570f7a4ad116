"""The `caseyos` command: nouns then verbs, one module per noun under `commands/`."""

from __future__ import annotations

import typer

from caseyos_cli.commands import (
    agents_cmd,
    api_cmd,
    daemon_cmd,
    outcomes_cmd,
    queue_cmd,
    setup_cmd,
    signals_cmd,
    workspace_cmd,
)

app = typer.Typer(
    name="caseyos",
    help="CaseyOS: your go-to-market operating system, in the terminal.",
    add_completion=True,
    no_args_is_help=False,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(queue_cmd.app, name="queue")
app.add_typer(signals_cmd.app, name="signals")
app.add_typer(outcomes_cmd.app, name="outcomes")
app.add_typer(daemon_cmd.app, name="daemon")
app.add_typer(workspace_cmd.app, name="workspace")
app.add_typer(agents_cmd.app, name="agents")
app.add_typer(api_cmd.app, name="api")
setup_cmd.register(app)


@app.callback()
def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    """With no command: a short status (daemon, moves due today, last sync)."""
    if version:
        from daemon import __version__

        print(f"caseyos {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        daemon_cmd.short_status()


def run() -> None:
    # A fixed name keeps help text and the completion variable (_CASEYOS_COMPLETE) the same
    # whether we run as the console script or as `python -m caseyos_cli`.
    app(prog_name="caseyos")
