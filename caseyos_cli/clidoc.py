"""docs/CLI.md from the command tree: `python -m caseyos_cli.clidoc > docs/CLI.md`.

Each command's section is exactly what its `--help` prints on an 80-column terminal, so
the two cannot drift apart; a test checks the file is current.
"""

from __future__ import annotations

import re

import typer
from typer.core import TyperGroup

from caseyos_cli import cli, helpfmt
from caseyos_cli.main import build_app

WIDTH = 80

INTRO = """\
# The `caseyos` command

Generated from the command tree by `python -m caseyos_cli.clidoc`; a test keeps
it current. Each section below is what `caseyos ... --help` prints. A command that
calls the daemon names its operation: with `--json` it prints that operation's
result, whose fields [API.md](API.md) lists.
"""

WRITING = """\
## Writing a command

A noun is a module `caseyos_cli/commands/<noun>_cmd.py` with an `app`, listed in `NOUNS`
in `caseyos_cli/main.py` (which imports only the noun being run). Build it from
`caseyos_cli/cli.py`, which gives it this help layout:

```python
import typer

from caseyos_cli import cli, complete, output

app = cli.App(help="Contacts: the people you sell to.", panel=cli.DATA)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


@app.command(
    "show",
    examples=[
        "caseyos contacts show dana@acme-robotics.example",
        "# As JSON, for a script",
        "caseyos contacts show dana@acme-robotics.example --json",
    ],
    op="contacts.show",
)
def show(
    email: str = typer.Argument(..., metavar="EMAIL", help="The contact's address."),
    as_json: bool = JSON,
) -> None:
    \"\"\"One contact: company, deals, last emails and meetings.

    Paragraphs after the first line show in `--help` only.
    \"\"\"
```

- The docstring's first line is the summary in `caseyos --help` and the noun's list;
  keep it short enough to fit on one line there.
- `examples`: two or three command lines as typed, starting with the command's own
  words (`caseyos contacts show`); a string starting with `# ` is a comment shown above
  the next example. `op`: the daemon operation the command calls, if any; its `--json`
  output is that operation's result.
- Every option and argument has `help=`. An option that takes a value names it with
  `metavar=` (`N`, `WHEN`, `EMAIL`, `ID`); defaults show by themselves. `--json` is
  listed under "Output flags"; `rich_help_panel="Paging flags"` puts an option in a
  group of that name.
- Values from the daemon complete with `autocompletion=`: `complete.move_ids(...)`,
  `complete.workspaces`, `complete.choices(...)` for a fixed list, or a function of
  your own built on `complete.ask(op, params)`, which asks a running daemon with a
  short timeout and never starts one.
- `panel` places the noun under a heading of `caseyos --help` (`cli.WORK`, `cli.DATA`,
  `cli.SETUP`, `cli.DAEMON`, `cli.OTHER`).

`tests/test_cli_help.py` walks the whole tree and fails on a parameter without help, a
command without examples, an example that does not parse or a help line over 80
columns. Then regenerate this file: `python -m caseyos_cli.clidoc > docs/CLI.md`.
"""


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def api_link(op: str) -> str:
    return f"[`{op}`](API.md#{op.replace('.', '')})"


def render() -> str:
    root = typer.main.get_command(build_app())
    ctx = helpfmt.root_context(root)
    commands = helpfmt.walk(root, ctx)

    lines = [INTRO, "## Commands", "", "| command | summary | daemon operation |", "|---|---|---|"]
    for command, sub_ctx in commands[1:]:
        if isinstance(command, TyperGroup):
            continue
        op = cli.doc_of(command).op
        path = sub_ctx.command_path
        lines.append(
            f"| [`{path}`](#{anchor(path)}) | {helpfmt.summary(command)} | "
            f"{api_link(op) if op else ''} |"
        )
    lines.append("")
    for command, sub_ctx in commands:
        path = sub_ctx.command_path
        depth = "##" if isinstance(command, TyperGroup) or sub_ctx.parent is ctx else "###"
        lines += [f"{depth} {path}", "", "```text", helpfmt.help_text(command, sub_ctx, WIDTH)]
        lines += ["```", ""]
        op = cli.doc_of(command).op
        if op:
            lines += [f"Daemon operation: {api_link(op)}.", ""]
    lines.append(WRITING)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
