"""Help as plain text: a summary, usage, arguments, flags in groups, examples.

Laid out for an 80-column terminal (narrower if the terminal is): no boxes, no type
names, a metavar such as N or WHEN after a flag that takes a value, and the default where
there is one. Imported only when help is printed; `clidoc` renders docs/CLI.md with it.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typer.core import TyperArgument, TyperGroup, TyperOption

from caseyos_cli import cli

if TYPE_CHECKING:
    from typer import _click

MAX_WIDTH = 80
MIN_WIDTH = 40
# A flag column wider than this puts the flag's help on the lines below it.
MAX_NAME_COLUMN = 24


def width() -> int:
    """The terminal's width, at most 80 (COLUMNS when not a terminal; 80 without it)."""
    return max(MIN_WIDTH, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def _paragraphs(text: str | None) -> list[str]:
    """A docstring's paragraphs, each joined into one line."""
    if not text:
        return []
    text = textwrap.dedent(text).split("\f", 1)[0]
    return [" ".join(p.split()) for p in text.strip().split("\n\n") if p.strip()]


def summary(command: _click.Command) -> str:
    """The one-line summary: the first paragraph of the command's help."""
    if command.short_help:
        return " ".join(command.short_help.split())
    paras = _paragraphs(command.help)
    return paras[0] if paras else ""


def metavar(param: _click.Parameter) -> str:
    """ID, N, WHEN...: the declared metavar, or one made from the type or the name."""
    if param.metavar:
        return param.metavar
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if annotation in (int, float):
        return "N"
    if annotation is Path:
        return "PATH"
    return (param.name or "value").upper()


def _is_flag(param: _click.Parameter) -> bool:
    return bool(getattr(param, "is_flag", False))


def _default_note(param: _click.Parameter) -> str:
    if getattr(param, "show_default", True) is False or _is_flag(param) or param.required:
        return ""
    default = param.default
    if default is None or default == [] or default == () or callable(default):
        return ""
    return f"(default: {default})"


def _help_of(param: _click.Parameter) -> str:
    text = " ".join((getattr(param, "help", None) or "").split())
    extra = [_default_note(param)]
    if isinstance(param, TyperOption) and param.required:
        extra.append("(required)")
    return " ".join(t for t in [text, *extra] if t)


def _is_help_option(param: _click.Parameter, ctx: _click.Context) -> bool:
    return isinstance(param, TyperOption) and set(param.opts) == set(ctx.help_option_names)


def flag_names(param: TyperOption) -> str:
    """'-n, --limit N' or '    --json': long flags line up whether or not a short one exists."""
    shorts = [o for o in param.opts if not o.startswith("--")]
    longs = [o for o in param.opts if o.startswith("--")] + list(param.secondary_opts)
    names = ", ".join(shorts + longs)
    if not shorts:
        names = "    " + names
    if not _is_flag(param):
        names += " " + metavar(param)
    return names


def _wrap(text: str, indent: int, total: int) -> list[str]:
    return textwrap.wrap(
        text,
        max(20, total - indent),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


def rows(
    pairs: list[tuple[str, str]], total: int, indent: int = 2, column: int | None = None
) -> list[str]:
    """Two columns: names, then help wrapped with a hanging indent."""
    if not pairs:
        return []
    if column is None:
        column = min(MAX_NAME_COLUMN, max(len(name) for name, _ in pairs))
    gap = 3
    lines = []
    for name, text in pairs:
        start = indent + column + gap
        if len(name) > column:
            lines.append(" " * indent + name)
            lines += [" " * start + part for part in _wrap(text, start, total)] if text else []
            continue
        parts = _wrap(text, start, total)
        lines.append((" " * indent + name.ljust(column + gap) + parts[0]).rstrip())
        lines += [" " * start + part for part in parts[1:]]
    return lines


def _paragraph_lines(text: str, total: int, indent: int = 0) -> list[str]:
    return textwrap.wrap(
        text,
        total - indent,
        initial_indent=" " * indent,
        subsequent_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def usage(command: _click.Command, ctx: _click.Context) -> str:
    """`caseyos queue snooze ID --until WHEN [flags]`; a group: `caseyos queue <command>`."""
    path = ctx.command_path
    if isinstance(command, TyperGroup):
        if ctx.parent is None:
            return f"{path} <command> [<subcommand>] [flags]"
        return f"{path} <command> [flags]"
    pieces = [path]
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = metavar(param) + ("..." if param.nargs != 1 else "")
            pieces.append(name if param.required else f"[{name}]")
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.required:
            pieces.append(f"{param.opts[0]} {metavar(param)}")
    pieces.append("[flags]")
    return " ".join(pieces)


@dataclass
class Section:
    title: str
    lines: list[str]


def _flag_sections(command: _click.Command, ctx: _click.Context, total: int) -> list[Section]:
    groups: dict[str, list[tuple[str, str]]] = {}
    inherited: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        if not isinstance(param, TyperOption) or param.hidden:
            continue
        if _is_help_option(param, ctx):
            entry = (flag_names(param), _help_of(param))
            # The root's own flags are not inherited from anywhere.
            (inherited if ctx.parent is not None else groups.setdefault(cli.FLAGS, [])).append(
                entry
            )
            continue
        panel = param.rich_help_panel or (
            cli.OUTPUT if set(param.opts) & cli.OUTPUT_OPTIONS else cli.FLAGS
        )
        groups.setdefault(panel, []).append((flag_names(param), _help_of(param)))
    order = [cli.FLAGS, *[p for p in groups if p not in (cli.FLAGS, cli.OUTPUT)], cli.OUTPUT]
    sections = [Section(title, rows(groups[title], total)) for title in order if title in groups]
    if inherited:
        sections.append(Section(cli.INHERITED, rows(inherited, total)))
    return sections


def _panel(command: _click.Command, ctx: _click.Context) -> str:
    """The heading a subcommand is listed under: panels in the root, "Commands" below."""
    panel = getattr(command, "rich_help_panel", None) if ctx.parent is None else None
    return panel or "Commands"


def subcommands(group: TyperGroup, ctx: _click.Context) -> list[tuple[str, _click.Command]]:
    """Visible subcommands in the order help lists them: by panel, then as declared."""
    found = []
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if sub is not None and not sub.hidden:
            found.append((name, sub))
    rank = {panel: i for i, panel in enumerate(cli.PANELS)}
    return sorted(found, key=lambda pair: rank.get(_panel(pair[1], ctx), len(rank)))


def _command_sections(group: TyperGroup, ctx: _click.Context, total: int) -> list[Section]:
    panels: dict[str, list[tuple[str, str]]] = {}
    for name, sub in subcommands(group, ctx):
        panels.setdefault(_panel(sub, ctx), []).append((name, summary(sub)))
    order = list(panels)
    # One name column for all the groups, so the summaries line up down the page.
    names = [name for pairs in panels.values() for name, _ in pairs]
    column = min(MAX_NAME_COLUMN, max(map(len, names), default=0))
    return [Section(title, rows(panels[title], total, column=column)) for title in order]


def _examples(doc: cli.Doc) -> list[str]:
    lines: list[str] = []
    for example in doc.examples:
        if example.startswith("#"):
            if lines:
                lines.append("")
            lines.append("  " + example)
        else:
            first, *more = example.splitlines()
            lines.append("  $ " + first)
            # A continued line (after "\\") indents under the command's arguments.
            lines += ["        " + line.strip() for line in more]
    return lines


def sections(command: _click.Command, ctx: _click.Context, total: int) -> list[Section]:
    """Everything after the description, in order: usage, arguments, commands, flags, ..."""
    out = [Section("Usage", ["  " + usage(command, ctx)])]
    if ctx.parent is None and getattr(command, "invoke_without_command", False):
        out[0].lines.append(f"  {ctx.command_path}   (no command: a short status)")
    arguments = [
        (metavar(p), _help_of(p))
        for p in command.get_params(ctx)
        if isinstance(p, TyperArgument) and not p.hidden
    ]
    if arguments:
        out.append(Section("Arguments", rows(arguments, total)))
    if isinstance(command, TyperGroup):
        out += _command_sections(command, ctx, total)
    out += _flag_sections(command, ctx, total)
    doc = cli.doc_of(command)
    if doc.examples:
        out.append(Section("Examples", _examples(doc)))
    more = learn_more(command, ctx, doc)
    if more:
        out.append(Section("Learn more", _paragraph_lines(more, total, indent=2)))
    return out


def learn_more(command: _click.Command, ctx: _click.Context, doc: cli.Doc) -> str:
    if isinstance(command, TyperGroup):
        return (
            f"Use `{ctx.command_path} <command> --help` for more about a command. "
            "Every command: docs/CLI.md."
        )
    if not doc.op:
        return ""
    if any(isinstance(p, TyperOption) and "--json" in p.opts for p in command.get_params(ctx)):
        return (
            f"Calls the daemon operation {doc.op}; with --json it prints that "
            "operation's result, whose fields docs/API.md lists (`caseyos api list`)."
        )
    return f"Calls the daemon operation {doc.op} (docs/API.md, `caseyos api list`)."


def help_text(command: _click.Command, ctx: _click.Context, total: int | None = None) -> str:
    total = total or width()
    lines: list[str] = []
    for i, para in enumerate(_paragraphs(command.help)):
        if i:
            lines.append("")
        lines += _paragraph_lines(para, total)
    for section in sections(command, ctx, total):
        lines += ["", f"{section.title}:", *section.lines]
    return "\n".join(lines).lstrip("\n")


def walk(command: _click.Command, ctx: _click.Context) -> list[tuple[_click.Command, Any]]:
    """Every command under `command` (itself first) with its context, depth first.

    `root_context` makes the first context; each is made as a run would, without
    parsing anything.
    """
    found: list[tuple[_click.Command, Any]] = [(command, ctx)]
    if isinstance(command, TyperGroup):
        for name, sub in subcommands(command, ctx):
            found += walk(sub, sub.make_context(name, [], parent=ctx, resilient_parsing=True))
    return found


def root_context(root: _click.Command) -> Any:
    return root.make_context("caseyos", [], resilient_parsing=True)
