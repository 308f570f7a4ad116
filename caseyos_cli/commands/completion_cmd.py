"""caseyos completion ...: shell completion, printed or installed."""

from __future__ import annotations

import os
import sys

import typer

from caseyos_cli import cli, complete, output

app = cli.App(
    help="Shell completion for bash, zsh and fish.",
    panel=cli.OTHER,
)

SHELL = typer.Option(
    None,
    "--shell",
    "-s",
    metavar="SHELL",
    help="bash, zsh or fish; default: the shell you run this from ($SHELL).",
    autocompletion=complete.choices("bash", "zsh", "fish"),
)


def _shell(given: str | None) -> str:
    from caseyos_cli import completions

    if given is not None:
        if given not in completions.SHELLS:
            output.fail(f"no completion for {given!r}; use bash, zsh or fish", output.USAGE)
        return given
    try:
        return completions.detect_shell(os.environ, completions.parent_process_name())
    except completions.ShellUnknown as exc:
        output.fail(str(exc), output.USAGE)


@app.command(
    "script",
    examples=[
        "caseyos completion script --shell zsh",
        "# Load it into this bash session only",
        "source <(caseyos completion script --shell bash)",
    ],
)
def script(shell: str | None = SHELL) -> None:
    """Print the completion script for a shell.

    Load it yourself, or let `caseyos completion install` put it where your shell looks.
    """
    from caseyos_cli import completions

    sys.stdout.write(completions.script(_shell(shell)))


@app.command(
    examples=[
        "caseyos completion install",
        "caseyos completion install --shell fish",
    ]
)
def install(shell: str | None = SHELL) -> None:
    """Install completion for your shell (asks before editing ~/.bashrc or ~/.zshrc).

    The script goes where the shell looks for it (bash: ~/.local/share/bash-completion,
    zsh: ~/.zfunc, fish: ~/.config/fish/completions). Bash and zsh also need a line in
    their start-up file: at a terminal you are asked whether to add it; otherwise the
    line is printed for you to add. Running it again changes nothing.
    """
    from caseyos_cli import completions

    target = completions.target(_shell(shell), os.environ)
    rc = completions.tilde(target.rc_file, os.environ) if target.rc_file else ""
    wrote = completions.write_script(target)
    shown = completions.tilde(target.script, os.environ)
    print(f"{'Wrote' if wrote else 'Up to date:'} {shown}")
    if target.rc_file is None or target.rc_line is None:
        print(f"{target.shell} loads it by itself; open a new shell to use it.")
        return
    if completions.rc_has_line(target):
        print(f"{rc} already loads it; open a new shell to use it.")
        return
    if sys.stdin.isatty() and sys.stdout.isatty():
        print(f"To load it in every new {target.shell}, {rc} needs this line:")
        print(f"  {target.rc_line}")
        if typer.confirm(f"Add it to {rc}?", default=False):
            completions.add_rc_line(target)
            print(f"Added to {rc}; open a new shell to use it.")
        else:
            print(f"{rc} is unchanged; add the line yourself when you like.")
        return
    print(f"To load it in every new {target.shell}, add this line to {rc}:")
    print(f"  {target.rc_line}")
