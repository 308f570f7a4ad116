"""caseyos init | demo | import: who you are, the demo, and bringing your data in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from caseyos_cli import output


def _ask(what: str, flag: str, default: str | None = None) -> str:
    output.require_tty(what, flag)
    return str(typer.prompt(what, default=default))


def _local_timezone() -> str:
    import os

    tz = os.environ.get("TZ")
    if tz and "/" in tz:
        return tz
    try:
        target = Path("/etc/localtime").resolve()
        parts = target.parts
        if "zoneinfo" in parts:
            return "/".join(parts[parts.index("zoneinfo") + 1 :])
    except OSError:
        pass
    return "UTC"


def _operator_params(
    name: str | None, email: list[str], internal_domain: list[str], timezone: str | None
) -> dict[str, Any]:
    return {
        "name": name,
        "emails": email,
        "internal_domains": internal_domain,
        "timezone": timezone or _local_timezone(),
    }


def init(
    name: str = typer.Option(None, "--name", help="Your name."),
    email: list[str] = typer.Option([], "--email", help="An address you send from (repeat)."),
    internal_domain: list[str] = typer.Option(
        [],
        "--internal-domain",
        help="Your company's mail domain (repeat); default: the domains of your addresses.",
    ),
    timezone: str = typer.Option(
        None, "--timezone", help="IANA zone, e.g. Europe/Berlin; default: this machine's."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set who you are (name, addresses, internal domains, time zone) and use your workspace."""
    if not name:
        name = _ask("Your name", "--name")
    if not email:
        email = [
            e.strip()
            for e in _ask("Your email address(es), comma separated", "--email").split(",")
            if e.strip()
        ]
    if timezone is None and sys.stdin.isatty():
        timezone = _ask("Time zone", "--timezone", _local_timezone())
    result = output.call("operator.init", _operator_params(name, email, internal_domain, timezone))
    if as_json:
        output.print_json(result)
        return
    print(
        f"You are {result['name']} <{', '.join(result['emails'])}>, "
        f"internal: {', '.join(result['internal_domains'])}, zone {result['timezone']}."
    )
    print("Your workspace 'main' is active. Bring data in with `caseyos import FILE`")
    print("(HubSpot CSV exports, a Gmail Takeout mbox, a calendar .ics).")


def demo(
    reset: bool = typer.Option(False, "--reset", help="Delete the demo and rebuild it."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Switch to the demo workspace (built from bundled data, dated relative to today)."""
    from caseyos_cli import jobwatch

    result, job = jobwatch.start_and_follow(
        "demo.load", {"reset": reset}, label="Building the demo workspace"
    )
    if job is not None:
        jobwatch.check_ended_well(job, "the demo build")
        result["job"] = job
    if as_json:
        output.print_json(result)
        return
    if job is not None and job["result"]:
        counts: dict[str, int] = {}
        for f in job["result"]["files"]:
            for k, v in f["counts"].items():
                counts[k] = counts.get(k, 0) + v
        print("Demo workspace built: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print(
        "The demo workspace is active; `caseyos queue today` shows its moves. Your own "
        "data stays in 'main' (`caseyos workspace use main`)."
    )


def import_(
    path: Path = typer.Argument(
        ..., help="contacts/companies/deals CSV (HubSpot export), mail.mbox or calendar.ics."
    ),
    kind: str = typer.Option(
        None,
        "--kind",
        help="contacts_csv, companies_csv, deals_csv, tasks_csv, notes_csv, mbox or ics "
        "(detected if left out).",
    ),
    name: str = typer.Option(None, "--name", help="Your name (if `caseyos init` was not run)."),
    email: list[str] = typer.Option([], "--email", help="Your address (repeat)."),
    internal_domain: list[str] = typer.Option([], "--internal-domain"),
    timezone: str = typer.Option(None, "--timezone"),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the job id and return; the import goes on."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a file into your own workspace (the demo is never touched).

    Large files import as a job with a progress bar; Ctrl-C stops watching, not the job.
    """
    path = path.expanduser().resolve()
    if not path.is_file():
        output.fail(f"no such file: {path}", output.USAGE)
    if email or name:
        if not (email and name):
            output.fail("give both --name and --email to set who you are", output.USAGE)
        output.call("operator.init", _operator_params(name, email, internal_domain, timezone))
    from caseyos_cli import jobwatch

    started, job = jobwatch.start_and_follow(
        "import.file",
        {"path": str(path), "kind": kind},
        label=f"Importing {path.name}",
        wait=not no_wait,
    )
    if job is None:
        job = started["job"]
        if as_json:
            output.print_json(job)
        else:
            print(job["id"])
            output.note(
                f"Importing {path.name} as job {job['id']}: `caseyos jobs show {job['id']}`."
            )
        return
    jobwatch.check_ended_well(job, f"import of {path.name}")
    if as_json:
        output.print_json(job["result"])
        return
    result = job["result"]
    counts = ", ".join(f"{v:,} new {k}" for k, v in result["counts"].items()) or "nothing new"
    print(output.wrap(f"{path.name} ({result['kind']}): {counts}."))
    q = result["queue"]
    print(f"Queue: {q['proposed']:,} new moves, {q['resolved']:,} resolved.")
    for line in jobwatch.note_lines(result):
        print(line)
    for w in result["warnings"][:10]:
        output.note(f"warning: {w}")
    if result["warning_count"] > 10:
        output.note(f"... and {result['warning_count'] - 10:,} more warnings")
    output.note(output.wrap(started["demo_note"]))


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(demo)
    app.command("import")(import_)
