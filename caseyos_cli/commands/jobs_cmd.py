"""caseyos jobs ...: long work in the daemon (imports, the demo build, agent passes)."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import cli, complete, output, paging

app = cli.App(
    help="Jobs: imports, demo builds and agent passes in the daemon.",
    panel=cli.DAEMON,
)
STATUSES = ("running", "succeeded", "failed", "cancelled", "interrupted")

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


def job_id(*statuses: str) -> Any:
    """The ID argument; completion offers recent jobs in these statuses (any, if none)."""
    return typer.Argument(
        ...,
        metavar="ID",
        help="The job's id (from `caseyos jobs list`).",
        autocompletion=complete.job_ids(*statuses),
    )


JOB_ID = job_id()


def _progress(job: dict[str, Any]) -> str:
    if job["total"]:
        return f"{job['done']:,}/{job['total']:,}"
    return f"{job['done']:,}" if job["done"] else ""


@app.command(
    "list",
    examples=[
        "caseyos jobs list",
        "caseyos jobs list --status running",
        "caseyos jobs list --status failed --status interrupted --json",
    ],
    op="jobs.list",
)
def list_(
    status: list[str] = typer.Option(
        [],
        "--status",
        metavar="STATUS",
        help="running, succeeded, failed, cancelled or interrupted (repeat).",
        autocompletion=complete.choices(*STATUSES),
    ),
    limit: int = paging.limit_option(20, "jobs"),
    everything: bool = paging.ALL,
    cursor: str | None = paging.CURSOR,
    as_json: bool = JSON,
) -> None:
    """Recent jobs, newest first."""
    result = paging.fetch(
        "jobs.list",
        {"status": status},
        "jobs",
        limit=limit,
        everything=everything,
        cursor=cursor,
        flags={"status": "--status"},
    )
    if as_json:
        output.print_json(result)
        return
    if not result["jobs"]:
        print("No jobs yet. `caseyos import FILE` runs one.")
        return
    from rich.text import Text

    from caseyos_cli import style

    table = output.table()
    for name in ("Id", "Status", "Job", "Progress", "Workspace"):
        table.add_column(name, no_wrap=name != "Job")
    for job in result["jobs"]:
        state = Text(job["status"], style=style.rich(style.status_role(job["status"])))
        table.add_row(job["id"], state, job["title"], _progress(job), job["workspace"])
    output.console().print(table)
    paging.say_if_cut(result, "jobs", "jobs")


@app.command(
    examples=["caseyos jobs show 3f2a9c1e", "caseyos jobs show 3f2a9c1e --json"], op="jobs.show"
)
def show(job_id: str = JOB_ID, as_json: bool = JSON) -> None:
    """One job: status, progress, and its result or error."""
    job = output.call("jobs.show", {"id": job_id})["job"]
    if as_json:
        output.print_json(job)
        return
    _describe(job)


def _describe(job: dict[str, Any]) -> None:
    from caseyos_cli import style

    title = f"Job {job['id']}: {job['title']} ({job['kind']}, workspace {job['workspace']})"
    print(output.wrap(title, indent="  "))
    line = "  " + style.paint(job["status"], style.status_role(job["status"]))
    if job["phase"] and job["status"] == "running":
        line += f", {job['phase']}"
    if _progress(job):
        line += f", {_progress(job)}"
    print(line)
    if job["error"]:
        print(output.wrap(f"error: {job['error']}", indent="    ", first="  "))
    result = job.get("result") or {}
    if result.get("counts"):
        new = ", ".join(output.counted(v, k) for k, v in result["counts"].items())
        print(output.wrap(f"new: {new}", indent="    ", first="  "))
    if result.get("queue"):
        q = result["queue"]
        moves = output.plural(q.get("proposed", 0), "new move")
        print(f"  queue: {moves}, {q.get('resolved', 0):,} resolved")
    if result.get("notes"):
        from caseyos_cli import jobwatch

        for note in jobwatch.note_lines(result, indent="  "):
            print(note)


@app.command(
    examples=[
        "caseyos jobs wait 3f2a9c1e",
        "# Start an import, then wait for it in a script",
        'caseyos jobs wait "$(caseyos import mail.mbox --no-wait)" --json',
    ],
    op="jobs.show",
)
def wait(job_id: str = JOB_ID, as_json: bool = JSON) -> None:
    """Follow a job to its end with a progress bar; exits 1 unless it succeeded."""
    from caseyos_cli import jobwatch
    from caseyos_cli.client import connect

    job = output.call("jobs.show", {"id": job_id})["job"]
    if job["status"] == "running":
        with connect() as watcher:
            watcher.subscribe()
            job = jobwatch.follow(watcher, job, job["title"])
    if as_json:
        output.print_json(job)
    else:
        _describe(job)
    jobwatch.check_ended_well(job, f"job {job_id}")


@app.command(examples=["caseyos jobs cancel 3f2a9c1e"], op="jobs.cancel")
def cancel(job_id: str = job_id("running"), as_json: bool = JSON) -> None:
    """Stop a running job after its current chunk; what it wrote so far stays."""
    job = output.call("jobs.cancel", {"id": job_id})["job"]
    if as_json:
        output.print_json(job)
        return
    print(f"Job {job_id} is {job['status']}.")
