"""caseyos init | demo | import: who you are, the demo, and bringing your data in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from caseyos_cli import cli, complete, output

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
IMPORT_KINDS = (
    "contacts_csv",
    "companies_csv",
    "deals_csv",
    "tasks_csv",
    "notes_csv",
    "mbox",
    "ics",
)


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


# How `init` and `import` name operator.init's parameters.
OPERATOR_FLAGS = {
    "name": "--name",
    "emails": "--email",
    "internal_domains": "--internal-domain",
    "timezone": "--timezone",
}


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
    name: str = typer.Option(None, "--name", metavar="NAME", help="Your name."),
    email: list[str] = typer.Option(
        [], "--email", metavar="EMAIL", help="An address you send from (repeat)."
    ),
    internal_domain: list[str] = typer.Option(
        [],
        "--internal-domain",
        metavar="DOMAIN",
        help="Your company's mail domain (repeat); default: the domains of your addresses.",
    ),
    timezone: str = typer.Option(
        None,
        "--timezone",
        metavar="ZONE",
        help="IANA zone, e.g. Europe/Berlin; default: this machine's.",
    ),
    as_json: bool = JSON,
) -> None:
    """Set who you are and switch to your own workspace.

    Your name, the addresses you send from, your company's mail domains and your time
    zone; at a terminal, what you leave out is asked for.
    """
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
    result = output.call(
        "operator.init",
        _operator_params(name, email, internal_domain, timezone),
        flags=OPERATOR_FLAGS,
    )
    if as_json:
        output.print_json(result)
        return
    internal = ", ".join(result["internal_domains"]) or "none"
    print(
        output.wrap(
            f"You are {result['name']} <{', '.join(result['emails'])}>; internal domains: "
            f"{internal}; time zone {result['timezone']}."
        )
    )
    print(
        output.wrap(
            "Your workspace 'main' is active. Bring data in with `caseyos import FILE` "
            "(HubSpot CSV exports, a Gmail Takeout mbox, a calendar .ics)."
        )
    )


def demo(
    reset: bool = typer.Option(False, "--reset", help="Delete the demo and rebuild it."),
    as_json: bool = JSON,
) -> None:
    """Switch to the demo workspace, built from bundled data.

    Its dates are relative to today; it is rebuilt when the date changes. Your own data
    stays in the workspace 'main'.
    """
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
        built = ", ".join(output.counted(v, k) for k, v in counts.items())
        print(output.wrap(f"Demo workspace built: {built}.", indent="  "))
    print(
        output.wrap(
            "The demo workspace is active; `caseyos queue today` shows its moves. Your own "
            "data stays in 'main' (`caseyos workspace use main`)."
        )
    )


def import_(
    path: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="contacts/companies/deals CSV (HubSpot export), mail.mbox or calendar.ics.",
    ),
    kind: str = typer.Option(
        None,
        "--kind",
        metavar="KIND",
        help="contacts_csv, companies_csv, deals_csv, tasks_csv, notes_csv, mbox or ics "
        "(detected if left out).",
        autocompletion=complete.choices(*IMPORT_KINDS),
    ),
    name: str = typer.Option(
        None, "--name", metavar="NAME", help="Your name (if `caseyos init` was not run)."
    ),
    email: list[str] = typer.Option(
        [], "--email", metavar="EMAIL", help="Your address (repeat; with --name)."
    ),
    internal_domain: list[str] = typer.Option(
        [],
        "--internal-domain",
        metavar="DOMAIN",
        help="Your company's mail domain (repeat; with --name and --email); "
        "default: the domains of your addresses.",
    ),
    timezone: str = typer.Option(
        None,
        "--timezone",
        metavar="ZONE",
        help="Your IANA zone (with --name and --email); default: this machine's.",
    ),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the job id and return; the import goes on."
    ),
    as_json: bool = JSON,
) -> None:
    """Import a file into your own workspace (never the demo).

    Large files import as a job with a progress bar; Ctrl-C stops watching, not the job.
    """
    path = path.expanduser().resolve()
    if path.is_dir():
        output.fail(
            f"{path} is a directory; import the files in it one by one "
            "(HubSpot CSV exports, an mbox, an .ics)",
            output.USAGE,
        )
    if not path.is_file():
        output.fail(f"no such file: {path}", output.USAGE)
    if email or name:
        if not (email and name):
            output.fail("give both --name and --email to set who you are", output.USAGE)
        output.call(
            "operator.init",
            _operator_params(name, email, internal_domain, timezone),
            flags=OPERATOR_FLAGS,
        )
    from caseyos_cli import jobwatch

    started, job = jobwatch.start_and_follow(
        "import.file",
        {"path": str(path), "kind": kind},
        label=f"Importing {path.name}",
        wait=not no_wait,
        flags={"path": "PATH", "kind": "--kind"},
    )
    if job is None:
        job = started["job"]
        if as_json:
            output.print_json(job)
        else:
            print(job["id"])
            output.note(
                output.wrap(
                    f"Importing {path.name} as job {job['id']}: `caseyos jobs show {job['id']}`."
                )
            )
        return
    jobwatch.check_ended_well(job, f"import of {path.name}")
    if as_json:
        output.print_json(job["result"])
        return
    result = job["result"]
    counts = (
        ", ".join(output.counted(v, f"new {k}") for k, v in result["counts"].items())
        or "nothing new"
    )
    print(output.wrap(f"{path.name} ({result['kind']}): {counts}.", indent="  "))
    q = result["queue"]
    print(f"Queue: {output.plural(q['proposed'], 'new move')}, {q['resolved']:,} resolved.")
    for line in jobwatch.note_lines(result):
        print(line)
    for w in result["warnings"][:10]:
        output.note(output.wrap(f"warning: {w}", indent="  "))
    if result["warning_count"] > 10:
        output.note(f"... and {output.plural(result['warning_count'] - 10, 'more warning')}")
    if started.get("demo_note"):
        output.note(output.wrap(started["demo_note"]))


def register(app: cli.App) -> None:
    app.command(
        examples=[
            "caseyos init",
            "caseyos init --name 'Casey Morgan' --email casey@example.com \\\n"
            "    --internal-domain example.com --timezone America/New_York",
        ],
        op="operator.init",
        rich_help_panel=cli.SETUP,
    )(init)
    app.command(
        examples=["caseyos demo", "caseyos demo --reset"], op="demo.load", rich_help_panel=cli.SETUP
    )(demo)
    app.command(
        "import",
        examples=[
            "caseyos import contacts.csv",
            "caseyos import ~/Downloads/takeout/mail.mbox --no-wait",
            "caseyos import export.csv --kind deals_csv --json",
        ],
        op="import.file",
        rich_help_panel=cli.SETUP,
    )(import_)
