"""Help for every command: help text on every parameter, examples that run, 80 columns.

Walks the whole command tree as `caseyos --help` builds it (every noun), so a command
added later is held to the same rules.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

from caseyos_cli import cli, helpfmt
from caseyos_cli.main import build_app
from tests.conftest import run_cli

Tree = list[tuple[Any, Any]]


@pytest.fixture(scope="module")
def root() -> Any:
    return typer.main.get_command(build_app())


@pytest.fixture(scope="module")
def tree(root: Any) -> Tree:
    return helpfmt.walk(root, helpfmt.root_context(root))


@pytest.fixture(scope="module")
def leaves(tree: Tree) -> Tree:
    return [(c, ctx) for c, ctx in tree if not isinstance(c, TyperGroup)]


def test_the_tree_has_every_noun(tree: Tree) -> None:
    from caseyos_cli.main import NOUNS, OWN, TOP_LEVEL

    paths = {ctx.command_path for _, ctx in tree}
    for name in [*NOUNS, *TOP_LEVEL, *OWN]:
        assert f"caseyos {name}" in paths
    assert len(paths) > 40


def test_every_option_and_argument_has_help(tree: Tree) -> None:
    missing = [
        f"{ctx.command_path} {param.opts[0] if param.opts else param.name}"
        for command, ctx in tree
        for param in command.get_params(ctx)
        if not param.hidden and not " ".join((getattr(param, "help", None) or "").split())
    ]
    assert missing == []


def test_every_command_has_a_summary_and_examples_of_itself(leaves: Tree) -> None:
    for command, ctx in leaves:
        assert helpfmt.summary(command), ctx.command_path
        examples = cli.doc_of(command).commands
        assert examples, f"{ctx.command_path} has no examples"
        for example in examples:
            assert ctx.command_path in example, f"{example!r} is not {ctx.command_path}"


def example_argv(example: str) -> list[str]:
    """The arguments after `caseyos` in an example as a shell would split it."""
    words = shlex.split(example.replace("\\\n", " "))
    start = next(i for i, w in enumerate(words) if w.lstrip("<($") == "caseyos")
    argv = []
    for word in words[start + 1 :]:
        if word in ("|", "&&", ";"):
            break
        argv.append(word.rstrip(")"))
    return argv


def parse(root: Any, argv: list[str]) -> Any:
    """Resolve argv down to its command, parsing (and checking) every level as a run does."""
    ctx = root.make_context("caseyos", list(argv))
    while isinstance(ctx.command, TyperGroup) and (ctx._protected_args or ctx.args):
        name, command, rest = ctx.command.resolve_command(ctx, ctx._protected_args + ctx.args)
        ctx = command.make_context(name, rest, parent=ctx)
    return ctx


def test_every_example_parses_as_the_command_it_documents(root: Any, leaves: Tree) -> None:
    for command, ctx in leaves:
        for example in cli.doc_of(command).commands:
            parsed = parse(root, example_argv(example))
            assert parsed.command_path == ctx.command_path, example


def test_a_broken_example_is_caught(root: Any) -> None:
    with pytest.raises(typer.BadParameter):
        parse(root, example_argv("caseyos queue snooze seven --until mon"))
    assert parse(root, example_argv("caseyos queue show 7 --json")).params["move_id"] == 7


def test_operations_named_by_commands_exist(leaves: Tree) -> None:
    from daemon.registry import load_operations

    ops = load_operations()
    named = {cli.doc_of(c).op for c, _ in leaves} - {None}
    assert len(named) > 20
    assert named <= set(ops), named - set(ops)


NOISE = re.compile(r"<bool>|<int|<str>|<path>|\[x>=|\{[a-z_]+\}|[╭╮╰╯│]|\[OPTIONS\]")


def test_help_fits_80_columns_without_type_noise(tree: Tree) -> None:
    for command, ctx in tree:
        text = helpfmt.help_text(command, ctx, 80)
        for line in text.splitlines():
            assert len(line) <= 80, f"{ctx.command_path}: {line!r}"
        assert not NOISE.search(text), f"{ctx.command_path}: {NOISE.search(text)}"
        assert f"Usage:\n  {ctx.command_path}" in text


def test_flags_come_in_groups(tree: Tree) -> None:
    by_path = {ctx.command_path: helpfmt.help_text(c, ctx, 80) for c, ctx in tree}
    snooze = by_path["caseyos queue snooze"]
    assert snooze.index("\nFlags:") < snooze.index("\nOutput flags:")
    assert snooze.index("\nOutput flags:") < snooze.index("\nInherited flags:")
    assert "\n  -u, --until WHEN " in snooze and "\n      --json " in snooze
    assert "\n  -n, --limit N " in by_path["caseyos queue today"]
    assert "(default: 25)" in by_path["caseyos queue today"]


def test_help_as_a_user_sees_it() -> None:
    env = {**os.environ, "COLUMNS": "80"}
    out = run_cli("queue", "snooze", "--help", env=env)
    assert out.returncode == 0, out.stderr
    assert "Usage:\n  caseyos queue snooze ID --until WHEN [flags]\n" in out.stdout
    assert "Examples:\n  $ caseyos queue snooze 7 --until 'mon 9am'\n" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
    assert not NOISE.search(out.stdout)

    top = run_cli("-h", env=env)
    assert top.returncode == 0
    assert "Work commands:\n  queue " in top.stdout
    assert "\n  -V, --version " in top.stdout

    noun = run_cli("queue", env=env)
    assert "Usage:\n  caseyos queue <command> [flags]" in noun.stdout
    assert re.search(r"\n  accept +Accept a move", noun.stdout)


def test_usage_errors_show_the_readable_usage() -> None:
    out = run_cli("queue", "dismiss")
    assert out.returncode == 2
    assert "caseyos queue dismiss ID [flags]" in out.stderr


@pytest.mark.parametrize("argv", [["-V"], ["--version"], ["version"]])
def test_version_three_ways(argv: list[str]) -> None:
    from daemon import __version__

    out = run_cli(*argv)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"caseyos {__version__}\n"
