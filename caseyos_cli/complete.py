"""Shell completion at run time: what to offer for the words typed so far.

The scripts in completions/ run `_CASEYOS_COMPLETE=<shell> caseyos WORD... CURRENT`: the
words after `caseyos`, the last one being the word under the cursor (maybe empty). The
answer is one candidate a line, `value<TAB>description` for zsh and fish, the bare value
for bash; or the single line `:files` when the word is a file name, which the shell then
completes itself.

Values that live in the daemon (move ids, workspaces, signal kinds) come from a daemon
that is already running, asked with a short timeout: completion never starts one, and
offers nothing when none answers in time. Command modules import the completers below
when they declare their parameters, so this module imports nothing heavy at the top.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from typer import _click
    from typer._click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
FILES = ":files"


def timeout() -> float:
    """Seconds for each step (connect, hello, the call) with a daemon that may be busy or
    hung."""
    return float(os.environ.get("CASEYOS_COMPLETE_TIMEOUT", "0.5"))


Candidates = list[tuple[str, str]]


def ask(op: str, params: dict[str, Any]) -> Any:
    """The result of one call to a running daemon, or None: never autostarts, never waits."""
    from caseyos_cli.client import Client

    try:
        with Client.connect(timeout=timeout()) as client:
            return client.call(op, params)
    except Exception:  # completion must never print a traceback into the prompt
        return None


def move_ids(*statuses: str) -> Callable[..., Candidates]:
    """Ids of the newest moves (in these statuses, if any), each with its title."""

    def complete(incomplete: str) -> Candidates:
        result = ask("queue.list", {"status": list(statuses), "limit": 100})
        if not isinstance(result, dict):
            return []
        return [
            (str(m["id"]), str(m["title"]))
            for m in result.get("moves", [])
            if str(m["id"]).startswith(incomplete)
        ]

    return complete


def job_ids(*statuses: str) -> Callable[..., Candidates]:
    """Ids of recent jobs (in these statuses, if any), each with its title and status."""

    def complete(incomplete: str) -> Candidates:
        result = ask("jobs.list", {"status": list(statuses), "limit": 50})
        if not isinstance(result, dict):
            return []
        return [
            (j["id"], f"{j['title']} ({j['status']})")
            for j in result.get("jobs", [])
            if j["id"].startswith(incomplete)
        ]

    return complete


def workspaces(incomplete: str) -> Candidates:
    result = ask("workspace.list", {})
    if not isinstance(result, dict):
        return []
    return [
        (w["name"], "active" if w["active"] else "")
        for w in result.get("workspaces", [])
        if w["name"].startswith(incomplete)
    ]


def signal_kinds(ctx: typer.Context, incomplete: str) -> Candidates:
    """Kinds of the signals in the window `--since` names, with how many there are."""
    since = ctx.params.get("since") or "7d"
    result = ask("signals.stats", {"since": since})
    if not isinstance(result, dict):
        return []
    return [
        (kind, f"{n} since {since}")
        for kind, n in sorted(result.get("by_kind", {}).items())
        if kind.startswith(incomplete)
    ]


def choices(*values: str) -> Callable[..., Candidates]:
    """A fixed list, for options whose values the CLI knows (statuses)."""

    def complete(incomplete: str) -> Candidates:
        return [(v, "") for v in values if v.startswith(incomplete)]

    return complete


def _candidates(command: _click.Command, words: list[str], incomplete: str) -> list[Any]:
    """CompletionItems for the word under the cursor, or FILES for a file name."""
    # Click's own resolution (which command, which parameter); Typer vendors it.
    from typer._click.shell_completion import _resolve_context, _resolve_incomplete
    from typer.core import TyperArgument, TyperOption

    ctx = _resolve_context(command, {}, "caseyos", words)
    target, incomplete = _resolve_incomplete(ctx, words, incomplete)
    if isinstance(target, TyperArgument | TyperOption):
        descriptor = target.type_descriptor
        from pathlib import Path

        if descriptor.annotation is Path or descriptor.is_file:
            return [FILES]
    return list(target.shell_complete(ctx, incomplete))


def _bash_words(words: list[str]) -> list[str]:
    """Bash splits `--status=pe` into `--status`, `=`, `pe`: drop the `=`."""
    return [w for i, w in enumerate(words) if not (w == "=" and i and words[i - 1][:2] == "--")]


def _line(item: CompletionItem, shell: str) -> str:
    value = str(item.value)
    description = " ".join((item.help or "").split())
    if shell == "bash" or not description:
        return value
    return f"{value}\t{description}"


def respond(request: str, args: list[str], build: Callable[[], typer.Typer]) -> None:
    """Answer one completion request from a script in completions/ and exit."""
    if request not in SHELLS:
        _legacy(request, build)
        return
    words = list(args)
    incomplete = words.pop() if words else ""
    if request == "bash":
        words = _bash_words(words)
        if incomplete == "=":
            incomplete = ""
    command = typer.main.get_command(build())
    try:
        found = _candidates(command, words, incomplete)
    except Exception:  # a half-typed line must never break the prompt
        found = []
    if found == [FILES]:
        sys.stdout.write(FILES + "\n")
        return
    sys.stdout.write("".join(_line(item, request) + "\n" for item in found))


def _legacy(request: str, build: Callable[[], typer.Typer]) -> None:
    """Scripts that `--install-completion` wrote before (Typer's protocol): still served."""
    from typer._completion_classes import completion_init
    from typer.completion import shell_complete

    completion_init()
    command = typer.main.get_command(build())
    sys.exit(shell_complete(command, {}, "caseyos", "_CASEYOS_COMPLETE", request))


def agent_names(incomplete: str) -> Candidates:
    """The agents, each with whether it is on."""
    result = ask("agents.list", {})
    if not isinstance(result, dict):
        return []
    return [
        (a["name"], "on" if a["enabled"] else "off")
        for a in result.get("agents", [])
        if a["name"].startswith(incomplete)
    ]


def setting_keys(incomplete: str) -> Candidates:
    """The workspace settings, each with its value now."""
    result = ask("settings.list", {})
    if not isinstance(result, dict):
        return []
    return [
        (s["key"], f"now {s['value']}")
        for s in result.get("settings", [])
        if s["key"].startswith(incomplete)
    ]
