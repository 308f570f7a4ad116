"""caseyos queue ...: Today's Moves and what you do with them."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, complete, output, paging
from daemon.vocabulary import MOVE_STATUSES

app = cli.App(help="Today's Moves: ranked, explained, worked.", panel=cli.WORK)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


def move_id(*statuses: str) -> Any:
    """The ID argument; completion offers moves in these statuses (any, if none)."""
    return typer.Argument(
        ...,
        help="The move's id (the # column).",
        min=1,
        metavar="ID",
        autocompletion=complete.move_ids(*statuses),
    )


MOVE_ID = move_id()


def moves_table(moves: list[dict[str, Any]], now: str, tz: str, *, status: bool = False) -> None:
    """Moves as people read them: rank, score, what and for whom, why now, when.

    On a terminal the score is coloured by band, an overdue due time red, a status by kind.
    """
    from rich.text import Text

    from caseyos_cli import style, timefmt

    table = output.table(expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("APS", justify="right", no_wrap=True)
    # Agents name the person in the title ("Reply to Dana Reyes (Acme)"), so "who" needs no
    # column of its own and why-now gets the width an 80-column terminal can spare.
    table.add_column("Move, who / why now", ratio=1)
    table.add_column("Status" if status else "Due", no_wrap=True)
    for i, m in enumerate(moves):
        cell = Text(m["title"], style=style.rich("title"))
        cell.append("\n" + m["why_now"], style=style.rich("muted"))
        if i < len(moves) - 1:
            cell.append("\n")
        if status:
            last = Text(m["status"], style=style.rich(style.status_role(m["status"])))
        elif m["status"] == "snoozed":
            last = Text("woke")
        else:
            overdue = timefmt.is_past(m["due_at"], now)
            last = Text(
                timefmt.when(m["due_at"], now, tz), style=style.rich("overdue") if overdue else ""
            )
        aps = Text(f"{m['aps']:.0f}", style=style.rich(style.aps_role(m["aps"])))
        table.add_row(str(m["id"]), aps, cell, last)
    output.console().print(table)


@app.command(
    examples=[
        "caseyos queue today",
        "# The five that matter most, for a script",
        "caseyos queue today -n 5 --json",
    ],
    op="queue.today",
)
def today(
    limit: int = paging.limit_option(25, "moves"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = JSON,
) -> None:
    """Today's Moves, ranked by APS: move, who, why now, due."""
    result = paging.fetch(
        "queue.today", {}, "moves", limit=limit, everything=everything, cursor=cursor
    )
    if as_json:
        output.print_json(result)
        return
    moves = result["moves"]
    if not moves:
        print("Nothing due today. New moves appear as signals arrive (`caseyos signals list`).")
        return
    moves_table(moves, result["now"], result["timezone"])
    if not paging.say_if_cut(result, "moves", "moves due today"):
        output.note(f"{output.plural(len(moves), 'move')} due today.")
    if result["workspace"] == "demo":
        output.note("This is the demo workspace: `caseyos init` to use your own.")
    output.note("Next: caseyos queue explain ID | accept ID | snooze ID --until 'mon 9am'")


@app.command(
    "list",
    examples=[
        "caseyos queue list",
        "caseyos queue list --status snoozed --status accepted",
        "caseyos queue list -s done -n 10 --json",
    ],
    op="queue.list",
)
def list_(
    status: list[str] = typer.Option(
        [],
        "--status",
        "-s",
        metavar="STATUS",
        help="Only this status (repeatable): pending, accepted, "
        "done, dismissed, snoozed, failed, expired, resolved.",
        autocompletion=complete.choices(*MOVE_STATUSES),
    ),
    limit: int = paging.limit_option(50, "moves"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = JSON,
) -> None:
    """All moves, most recently changed first."""
    result = paging.fetch(
        "queue.list",
        {"status": status},
        "moves",
        limit=limit,
        everything=everything,
        cursor=cursor,
        flags={"status": "--status"},
    )
    if as_json:
        output.print_json(result)
        return
    if not result["moves"]:
        print("No moves match.")
        return
    moves_table(result["moves"], result["now"], result["timezone"], status=True)
    paging.say_if_cut(result, "moves", "moves")


def _breakdown(b: dict[str, Any]) -> None:
    from rich.text import Text

    from caseyos_cli import style

    table = output.table()
    table.add_column("component")
    table.add_column("value", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("points", justify="right")
    table.add_column("why", ratio=1)
    for name, c in b.get("components", {}).items():
        shown = f"1-{c['value']:.2f}" if name == "effort" else f"{c['value']:.2f}"
        table.add_row(name, shown, f"{c['weight']:.2f}", f"{c['points']:+.1f}", c["reason"])
    learned = b.get("learned", {})
    table.add_row("learned", "", "", f"{learned.get('points', 0):+.1f}", learned.get("reason", ""))
    total = b.get("total", 0)
    table.add_row(
        Text("APS", style=style.rich("title")),
        "",
        "",
        Text(f"{total:.1f}", style=style.rich(style.aps_role(total))),
        "",
    )
    output.console().print(table)


@app.command(
    examples=["caseyos queue explain 7", "caseyos queue explain 7 --json"],
    op="queue.explain",
)
def explain(move_id: int = MOVE_ID, as_json: bool = JSON) -> None:
    """The APS breakdown of a move: each component, its weight and why."""
    result = output.call("queue.explain", {"id": move_id})
    if as_json:
        output.print_json(result)
        return
    print(f"#{result['id']} {result['title']}  APS {result['aps']:.1f}")
    print("APS = 100 x (weighted revenue + urgency + strategic + (1 - effort)) + learned")
    _breakdown(result["breakdown"])


@app.command(
    examples=["caseyos queue show 7", "caseyos queue show 7 --json"],
    op="queue.show",
)
def show(move_id: int = MOVE_ID, as_json: bool = JSON) -> None:
    """One move: why now, score, the signals behind it and its history."""
    from caseyos_cli import style, timefmt

    result = output.call("queue.show", {"id": move_id})
    if as_json:
        output.print_json(result)
        return
    m, tz, now = result["move"], result["timezone"], result["now"]

    def line(label: str, text: str) -> None:
        print(output.wrap(text, indent=" " * 12, first=f"  {label + ':':<10}"))

    print(output.wrap(f"#{m['id']} {style.paint(m['title'], 'title')}", indent="    "))
    line("why now", m["why_now"])
    status = style.paint(m["status"], style.status_role(m["status"]))
    line("status", status + (f" ({m['status_reason']})" if m["status_reason"] else ""))
    aps = style.paint(f"{m['aps']:.1f}", style.aps_role(m["aps"]))
    line("type", f"{m['move_type']} by {m['agent']}, APS {aps}")
    due = timefmt.exact(m["due_at"], now, tz)
    if timefmt.is_past(m["due_at"], now) and m["status"] in ("pending", "accepted"):
        due = style.paint(f"{due} (overdue)", "overdue")
    line("due", due)
    if m["snoozed_until"]:
        line("snoozed", f"until {timefmt.exact(m['snoozed_until'], now, tz)}")
    if m["contact"]:
        line("contact", f"{m['contact']['name'] or ''} <{m['contact']['email']}>".strip())
    if m["deal"]:
        amount = m["deal"]["amount"]
        line(
            "deal",
            f"{m['deal']['name']} ({m['deal']['stage']}"
            + (f", {amount:,.0f}" if amount else "")
            + ")",
        )
    if result["signals"]:
        print("  signals:")
        for s in result["signals"]:
            print(
                output.wrap(
                    f"{timefmt.exact(s['occurred_at'], now, tz)}  {s['kind']}", "      ", "    "
                )
            )
    print("  history:")
    for h in result["history"]:
        reason = f"  {h['reason']}" if h["reason"] else ""
        step = f"{h['from_status'] or '-'} -> {h['to_status']}{reason}"
        print(output.wrap(f"{timefmt.exact(h['at'], now, tz)}  {step}", "      ", "    "))
    for o in result["outcomes"]:
        when = timefmt.exact(o["occurred_at"], now, tz)
        line("outcome", f"{o['kind']} ({o['source']}) {when}")


def _changed(result: dict[str, Any], verb: str, as_json: bool) -> None:
    if as_json:
        output.print_json(result)
        return
    m = result["move"]
    due = ""
    if verb == "added":
        from caseyos_cli import timefmt

        due = f" (due {timefmt.when(m['due_at'], result['now'], result['timezone'])})"
    print(output.wrap(f"#{m['id']} {verb}: {m['title']}{due}", indent="    "))


@app.command(
    examples=["caseyos queue accept 7", "caseyos queue accept 7 --json"],
    op="queue.accept",
)
def accept(move_id: int = move_id("pending", "failed"), as_json: bool = JSON) -> None:
    """Accept a move: you will do it."""
    _changed(output.call("queue.accept", {"id": move_id}), "accepted", as_json)


@app.command(
    examples=[
        "caseyos queue dismiss 7",
        "caseyos queue dismiss 7 --reason 'not a fit'",
    ],
    op="queue.dismiss",
)
def dismiss(
    move_id: int = move_id("pending", "failed"),
    reason: str = typer.Option(
        None, "--reason", "-r", metavar="TEXT", help="Why it is not worth doing."
    ),
    as_json: bool = JSON,
) -> None:
    """Dismiss a move (it will not come back for the same fact)."""
    result = output.call(
        "queue.dismiss", {"id": move_id, "reason": reason}, flags={"reason": "--reason"}
    )
    _changed(result, "dismissed", as_json)


@app.command(
    examples=[
        "caseyos queue snooze 7 --until 'mon 9am'",
        "caseyos queue snooze 7 -u 'in 2h'",
        "caseyos queue snooze 7 --until 2026-12-01 --json",
    ],
    op="queue.snooze",
)
def snooze(
    move_id: int = move_id("pending", "accepted"),
    until: str = typer.Option(
        ...,
        "--until",
        "-u",
        metavar="WHEN",
        help="When it comes back: 'mon 9am', 'tomorrow', 'in 2h', '2026-12-01 14:00'.",
    ),
    as_json: bool = JSON,
) -> None:
    """Snooze a move until a time; it comes back as pending then."""
    result = output.call(
        "queue.snooze", {"id": move_id, "until": until}, flags={"until": "--until"}
    )
    if as_json:
        output.print_json(result)
        return
    from caseyos_cli import timefmt

    m = result["move"]
    until = timefmt.exact(m["snoozed_until"], result["now"], result["timezone"])
    print(output.wrap(f"#{m['id']} snoozed until {until}: {m['title']}", indent="    "))


@app.command(
    examples=["caseyos queue done 7", "caseyos queue done 7 --json"],
    op="queue.done",
)
def done(move_id: int = move_id("pending", "accepted", "failed"), as_json: bool = JSON) -> None:
    """Mark a move done."""
    _changed(output.call("queue.done", {"id": move_id}), "done", as_json)


@app.command(
    examples=[
        "# Dismissed move 7 by mistake: it is pending again",
        "caseyos queue undo 7",
        "caseyos queue undo 7 --json",
    ],
    op="queue.undo",
)
def undo(
    move_id: int = move_id("accepted", "dismissed", "snoozed", "done"), as_json: bool = JSON
) -> None:
    """Undo your latest decision on a move (accept, dismiss, snooze, done), within 15
    minutes: the move is back where it was, and stats and learning forget the decision."""
    result = output.call("queue.undo", {"id": move_id})
    if as_json:
        output.print_json(result)
        return
    m = result["move"]
    undid = ", ".join(result["undid"])
    print(
        output.wrap(
            f"Move {m['id']} is {m['status']} again (undid: {undid}): {m['title']}",
            indent="    ",
        )
    )


@app.command(
    examples=[
        "caseyos queue add 'Call Dana about renewal'",
        "caseyos queue add 'Send the proposal' --contact dana@acme-robotics.example \\\n"
        "    --due 'fri 3pm' --why 'she asked for it by Friday'",
    ],
    op="queue.add",
)
def add(
    title: str = typer.Argument(
        ..., metavar="TITLE", help="What to do, e.g. 'Call Dana about renewal'."
    ),
    contact: str = typer.Option(
        None, "--contact", "-c", metavar="EMAIL", help="The contact's email address."
    ),
    due: str = typer.Option(
        "today", "--due", "-d", metavar="WHEN", help="When: 'tomorrow', 'fri 3pm', ..."
    ),
    why: str = typer.Option(None, "--why", metavar="TEXT", help="Why now, in your words."),
    as_json: bool = JSON,
) -> None:
    """Add a move by hand."""
    result = output.call(
        "queue.add",
        {"title": title, "contact": contact, "due": due, "why": why},
        flags={"title": "TITLE", "contact": "--contact", "due": "--due", "why": "--why"},
    )
    _changed(result, "added", as_json)


@app.command(
    examples=["caseyos queue stats", "caseyos queue stats --json"],
    op="queue.stats",
)
def stats(as_json: bool = JSON) -> None:
    """Counts by status and by agent, with acceptance rates."""
    result = output.call("queue.stats", {})
    if as_json:
        output.print_json(result)
        return
    rate = result["acceptance_rate"]
    print(
        f"{output.plural(result['total'], 'move')}; acceptance rate "
        f"{'-' if rate is None else f'{rate:.0%}'} (accepted of proposed)"
    )
    from caseyos_cli import style

    for status, n in sorted(result["by_status"].items(), key=lambda kv: -kv[1]):
        print(f"  {style.paint(f'{status:<10}', style.status_role(status))} {n:>5}")
    print("by agent:")
    for agent, s in result["by_agent"].items():
        r = s["acceptance_rate"]
        print(
            f"  {agent:<14} {s['proposed']:>5} proposed, acceptance "
            f"{'-' if r is None else f'{r:.0%}'}"
        )
