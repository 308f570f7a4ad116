"""What every `caseyos` command is built from: `App` for a noun, `@app.command(...)` for a verb.

A command declares its examples and the daemon operation it calls next to its other
settings; help (`helpfmt`), docs/CLI.md (`clidoc`) and the tests read them from there:

    app = cli.App(help="Today's Moves: ranked, explained, worked.", panel=cli.WORK)

    @app.command(
        examples=["caseyos queue today", "caseyos queue today -n 5 --json"],
        op="queue.today",
    )
    def today(...) -> None:
        ...

The classes here only route help and usage to `helpfmt`, which is imported when help is
printed, never on the way to running a command.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import typer
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from typer import _click

# Headings of `caseyos --help`, in this order; a noun names its own with App(panel=...).
WORK = "Work commands"
DATA = "Data commands"
SETUP = "Set-up commands"
DAEMON = "Daemon commands"
OTHER = "Other commands"
PANELS = (WORK, DATA, SETUP, DAEMON, OTHER)

# Flags whose rich_help_panel names no group go under FLAGS, except these (OUTPUT).
FLAGS = "Flags"
OUTPUT = "Output flags"
INHERITED = "Inherited flags"
OUTPUT_OPTIONS = frozenset({"--json"})

F = TypeVar("F", bound=Callable[..., Any])
_DOC = "_caseyos_doc"


class Doc:
    """What a command shows beyond its parameters: examples and its daemon operation.

    An example is one command line as typed; a string starting with "# " is a comment
    printed above the example that follows it. (A plain class: every command module
    makes these at import, on the way to running any command.)
    """

    __slots__ = ("examples", "op")

    def __init__(self, examples: Sequence[str] = (), op: str | None = None) -> None:
        self.examples = tuple(examples)
        self.op = op

    @property
    def commands(self) -> list[str]:
        return [e for e in self.examples if not e.startswith("#")]


def doc_of(command: _click.Command) -> Doc:
    """The Doc a command was declared with (Typer copies the function's attributes)."""
    doc = getattr(command.callback, _DOC, None)
    return doc if isinstance(doc, Doc) else Doc()


def document(f: F, examples: Sequence[str] = (), op: str | None = None) -> F:
    """Attach examples and an operation name to a command function."""
    setattr(f, _DOC, Doc(examples, op))
    return f


HELP_TEXT = "Show help for a command."


def _worded(option: Any) -> Any:
    if option is not None:
        option.help = HELP_TEXT
    return option


# What Typer's value checks say, and how a person would say it.
_PLAINER = (
    (re.compile(r"Input should be a valid number.*"), "not a number"),
    (re.compile(r"Input should be a valid integer.*"), "not a whole number"),
    (re.compile(r"Input should be a valid boolean.*"), "not yes or no"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be (.*)"), r"should be \1"),
)


def plain_words(message: str) -> str:
    for pattern, words in _PLAINER:
        if pattern.match(message):
            return pattern.sub(words, message, count=1)
    return message


class _PlainHelp:
    """Help and usage from `helpfmt` (gh-like, 80 columns, no boxes), for verbs and nouns."""

    def _command(self) -> _click.Command:
        return cast("_click.Command", self)

    def get_help_option(self, ctx: _click.Context) -> Any:
        return _worded(super().get_help_option(ctx))  # type: ignore[misc]

    def get_help(self, ctx: _click.Context) -> str:
        from caseyos_cli import helpfmt

        return helpfmt.help_text(self._command(), ctx)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write(self.get_help(ctx) + "\n")

    def get_usage(self, ctx: _click.Context) -> str:
        from caseyos_cli import helpfmt

        return "Usage: " + helpfmt.usage(self._command(), ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        from caseyos_cli import helpfmt

        return helpfmt.summary(self._command())


class Command(_PlainHelp, TyperCommand):
    """A verb: help and usage lines come from `helpfmt` (gh-like, 80 columns, no boxes)."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as exc:
            exc.message = plain_words(exc.message)
            raise


class Group(_PlainHelp, TyperGroup):
    """A noun (or the root): its subcommands with one-line summaries, grouped by panel."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        # Typer's own no-args help is drawn by rich as a side effect of building the
        # error; ours is plain text, so print it here (exit status 2 as before).
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            _print_help_and_exit(ctx, 2)
        return super().parse_args(ctx, args)


def _print_help_and_exit(ctx: _click.Context, code: int) -> NoReturn:
    print(ctx.get_help())
    raise typer.Exit(code)


class App(typer.Typer):
    """A noun's sub-app: help via `Group`/`Command`, examples and op names on `command()`."""

    def __init__(self, *, help: str, panel: str = OTHER, **settings: Any) -> None:
        settings.setdefault("no_args_is_help", True)
        # Typer's --install-completion guesses the shell and edits rc files unasked;
        # `caseyos completion install` replaces it.
        settings.setdefault("add_completion", False)
        # Usage errors as plain lines (Click's form), not in a box drawn by rich.
        settings.setdefault("rich_markup_mode", None)
        super().__init__(help=help, cls=Group, **settings)
        self.panel = panel

    def command(  # type: ignore[override]
        self,
        name: str | None = None,
        *,
        examples: Sequence[str] = (),
        op: str | None = None,
        **settings: Any,
    ) -> Callable[[F], F]:
        settings.setdefault("cls", Command)
        register = super().command(name, **settings)

        def decorator(f: F) -> F:
            register(document(f, examples, op))
            return f

        return decorator
