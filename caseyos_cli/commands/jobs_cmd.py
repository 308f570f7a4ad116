"""caseyos jobs ...: long work in the daemon (imports, the demo build, agent passes)."""

from __future__ import annotations

from typing import Any

import typer

from caseyos_cli import output

app = typer.Typer(
    help="Jobs: imports, demo builds and agent passes running in the daemon.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")
JOB_ID = typer.Argument(..., help="The job's id (from `caseyos jobs list`).")


def _progress(job: dict[str, Any]) -> str:
    if job["total"]:
        return f"{job['done']:,}/{job['total']:,}"
    return f"{job['done']:,}" if job["done"] else ""


@app.command("list")
def list_(
    status: list[str] = typer.Option(
        [], "--status", help="running, succeeded, failed, cancelled or interrupted (repeat)."
    ),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=500, help="Show at most N."),
    as_json: bool = JSON,
) -> None:
    """Recent jobs, newest first."""
    result = output.call("jobs.list", {"status": status, "limit": limit})
    if as_json:
        output.print_json(result)
        return
    if not result["jobs"]:
        print("No jobs yet. `caseyos import FILE` runs one.")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("Id", "Status", "Job", "Progress", "Workspace"):
        table.add_column(name, no_wrap=name != "Job")
    for job in result["jobs"]:
        table.add_row(job["id"], job["status"], job["title"], _progress(job), job["workspace"])
    output.console().print(table)


@app.command()
def show(job_id: str = JOB_ID, as_json: bool = JSON) -> None:
    """One job: status, progress, and its result or error."""
    job = output.call("jobs.show", {"id": job_id})["job"]
    if as_json:
        output.print_json(job)
        return
    _describe(job)


def _describe(job: dict[str, Any]) -> None:
    print(f"Job {job['id']}: {job['title']} ({job['kind']}, workspace {job['workspace']})")
    line = f"  {job['status']}"
    if job["phase"] and job["status"] == "running":
        line += f", {job['phase']}"
    if _progress(job):
        line += f", {_progress(job)}"
    print(line)
    if job["error"]:
        print(f"  error: {job['error']}")
    result = job.get("result") or {}
    if result.get("counts"):
        print("  new: " + ", ".join(f"{v:,} {k}" for k, v in result["counts"].items()))
    if result.get("queue"):
        q = result["queue"]
        print(f"  queue: {q.get('proposed', 0)} new moves, {q.get('resolved', 0)} resolved")
    if result.get("notes"):
        from caseyos_cli import jobwatch

        for note in jobwatch.note_lines(result, indent="  "):
            print(note)


@app.command()
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


@app.command()
def cancel(job_id: str = JOB_ID, as_json: bool = JSON) -> None:
    """Stop a running job after its current chunk; what it wrote so far stays."""
    job = output.call("jobs.cancel", {"id": job_id})["job"]
    if as_json:
        output.print_json(job)
        return
    print(f"Job {job_id} is {job['status']}.")
