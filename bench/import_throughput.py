"""Import throughput: a real daemon importing realistic mbox and HubSpot CSV files.

For each size (default 1k, 10k, 50k records) it writes a corpus file (bench/corpus.py),
measures the standard library's own pass over the same file in this process (the
baseline: `mailbox.mbox` parsing every message, `csv.DictReader` reading every row), then
has a fresh daemon import the file as a job and reports, as ratios against the baseline:

* wall time of the records phase (parse + write) and of the whole job (with the agent pass);
* daemon CPU per record, and how flat it stays from the smallest size to the largest;
* the daemon's peak RSS and the database size;
* `queue.today` latency from a second client while the largest import runs again (max and
  p99), and what the real `caseyos queue today` command took from a second process;
* how many chunks the job wrote and the longest any one held the writer.

Targets: mbox import within 5x of the mailbox walk and CSV import within 30x of
DictReader (records phase), per-record cost flat (largest / smallest <= 1.5), peak RSS under
300 MB at 50k, `queue today` under 1 s while the import runs.

    python bench/import_throughput.py [--sizes 1000,10000,50000] [--kinds mbox,csv]
"""

from __future__ import annotations

import argparse
import csv
import mailbox
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import corpus
from _harness import (
    EXIT_HARNESS,
    EXIT_MISSED,
    Daemon,
    HarnessError,
    make_home,
    peak_rss_mb,
    remove_home,
    summary_ms,
    write_results,
)

TARGETS = {"mbox": 5.0, "csv": 30.0}
FLAT = 1.5
RSS_MB = 300.0
TODAY_S = 1.0


def walk_mbox(path: Path) -> float:
    """The stdlib's own pass: every message parsed (compat32) and its payload touched."""
    started = time.perf_counter()
    box = mailbox.mbox(str(path), create=False)
    for message in box:
        message.get_payload()
    box.close()
    return time.perf_counter() - started


def walk_csv(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as f:
        for _ in csv.DictReader(f):
            pass
    return time.perf_counter() - started


def db_mb(home: Path) -> float:
    ws = home / "data" / "workspaces"
    return sum(p.stat().st_size for p in ws.glob("main.sqlite3*")) / 1e6


class Readers:
    """A client asking for Today's Moves over and over while the import runs."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from caseyos_cli.client import Client

        with Client.connect() as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    client.call("queue.today", {"limit": 25})
                except Exception as exc:  # reported, never hidden
                    self.errors.append(repr(exc))
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.05)


def cli_today_seconds() -> float:
    """`caseyos queue today --json` as a person in a second shell would run it."""
    exe = Path(sys.executable).with_name("caseyos")
    started = time.perf_counter()
    done = subprocess.run([str(exe), "queue", "today", "--json"], capture_output=True, timeout=60)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise HarnessError(f"caseyos queue today failed: {done.stderr.decode()[-500:]}")
    return elapsed


def import_once(kind: str, n: int, workdir: Path, *, readers_on: bool) -> dict[str, Any]:
    path = workdir / (f"mail-{n}.mbox" if kind == "mbox" else f"contacts-{n}.csv")
    if kind == "mbox":
        corpus.write_mbox(path, n)
        baseline = min(walk_mbox(path) for _ in range(2))
    else:
        corpus.write_contacts_csv(path, n)
        baseline = min(walk_csv(path) for _ in range(3))

    home = make_home(f"import-{kind}-{n}")
    daemon = Daemon(home)
    try:
        daemon.start()
        from caseyos_cli.client import Client

        with Client.connect() as c:
            c.call("operator.init", _operator())
        cpu_before = daemon.cpu_seconds()
        readers = Readers()
        with Client.connect() as watcher:
            events = watcher.events()
            started = time.perf_counter()
            with Client.connect() as c:
                job = c.call("import.file", {"path": str(path)})["job"]
            if readers_on:
                readers.thread.start()
            cli_runs: list[float] = []
            # The real command from a second process, in a thread so events keep flowing.
            cli = threading.Thread(target=lambda: cli_runs.append(cli_today_seconds()))
            for event in events:
                if event["type"] != "job.updated" or event["data"]["id"] != job["id"]:
                    continue
                data = event["data"]
                busy = data["phase"] == "importing" and data["done"]
                if readers_on and busy and not cli.is_alive():
                    if len(cli_runs) < 3 and cli.ident is None:
                        cli.start()
                    elif len(cli_runs) < 3:
                        cli = threading.Thread(target=lambda: cli_runs.append(cli_today_seconds()))
                        cli.start()
                if data["status"] != "running":
                    break
            total = time.perf_counter() - started
            if cli.ident is not None:
                cli.join(60)
        readers.stop.set()
        if readers_on:
            readers.thread.join(10)
        cpu = daemon.cpu_seconds() - cpu_before
        with Client.connect() as c:
            final = c.call("jobs.show", {"id": job["id"]})["job"]
        if final["status"] != "succeeded":
            raise HarnessError(f"import job {final['status']}: {final['error']}")
        # The job's own clock per phase: reading the file and writing its records, then
        # the agents working through the new signals.
        spent = final["result"]["seconds"]
        records_phase = sum(v for k, v in spent.items() if k != "agents")
        counts = final["result"]["counts"]
        written = counts.get("messages", 0) if kind == "mbox" else counts.get("contacts", 0)
        return {
            "kind": kind,
            "n": n,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "baseline_s": round(baseline, 3),
            "records_phase_s": round(records_phase, 3),
            "job_s": round(total, 3),
            "agents_s": spent.get("agents", 0.0),
            "chunks": final["result"]["chunks"],
            "longest_chunk_s": final["result"]["longest_chunk_s"],
            "with_readers": readers_on,
            "ratio_records": round(records_phase / baseline, 2),
            "ratio_job": round(total / baseline, 2),
            "daemon_cpu_s": round(cpu, 2),
            "cpu_ms_per_record": round(cpu * 1000 / n, 3),
            "peak_rss_mb": round(peak_rss_mb(daemon.pid), 1),
            "db_mb": round(db_mb(home), 1),
            "written": written,
            "counts": counts,
            "queue": final["result"]["queue"],
            "today_during_import": summary_ms(readers.latencies),
            "today_errors": readers.errors[:5],
            "cli_today_s": [round(x, 3) for x in cli_runs],
        }
    finally:
        daemon.stop()
        remove_home(home)


def _operator() -> dict[str, Any]:
    op = corpus.operator()
    return {
        "name": op.name,
        "emails": list(op.emails),
        "internal_domains": list(op.internal_domains),
        "timezone": op.timezone,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--kinds", default="mbox,csv")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"caseyos-import-bench-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    missed: list[str] = []
    try:
        for kind in kinds:
            for n in sizes:
                run = import_once(kind, n, workdir, readers_on=False)
                runs.append(run)
                print(
                    f"{kind:>4} {n:>6,}: records {run['records_phase_s']:7.2f}s "
                    f"= {run['ratio_records']:5.2f}x baseline {run['baseline_s']:.2f}s; "
                    f"job {run['job_s']:7.2f}s ({run['ratio_job']:.2f}x); "
                    f"cpu {run['cpu_ms_per_record']:.3f} ms/rec; rss {run['peak_rss_mb']:.0f} MB; "
                    f"db {run['db_mb']:.0f} MB; {run['chunks']} chunks, longest "
                    f"{run['longest_chunk_s'] * 1000:.0f} ms"
                )
                if run["ratio_records"] > TARGETS[kind]:
                    missed.append(f"{kind} {n}: {run['ratio_records']}x > {TARGETS[kind]}x")
            # Once more at the largest size, with a client reading Today's Moves throughout.
            run = import_once(kind, sizes[-1], workdir, readers_on=True)
            runs.append(run)
            today = run["today_during_import"]
            print(
                f"{kind:>4} {sizes[-1]:>6,} with readers: job {run['job_s']:.2f}s; "
                f"queue.today {today['n']} calls, p50 {today['median_ms']:.0f} ms, "
                f"p99 {today['p99_ms']:.0f} ms, max {today['max_ms']:.0f} ms; "
                f"`caseyos queue today` {run['cli_today_s']} s"
            )
            if today["max_ms"] > TODAY_S * 1000 or any(x > TODAY_S for x in run["cli_today_s"]):
                missed.append(f"{kind}: queue today slower than {TODAY_S}s during the import")
            if run["today_errors"]:
                missed.append(f"{kind}: queue today failed: {run['today_errors'][0]}")
            mine = [r for r in runs if r["kind"] == kind and not r["with_readers"]]
            flat = mine[-1]["cpu_ms_per_record"] / mine[0]["cpu_ms_per_record"]
            print(f"{kind}: per-record cost {sizes[-1]:,} / {sizes[0]:,} = {flat:.2f}")
            if flat > FLAT:
                missed.append(f"{kind}: per-record cost grows {flat:.2f}x (> {FLAT})")
            if sizes[-1] >= 50_000 and mine[-1]["peak_rss_mb"] > RSS_MB:
                missed.append(f"{kind}: peak RSS {mine[-1]['peak_rss_mb']} MB > {RSS_MB}")
    except HarnessError as exc:
        print(f"import_throughput: {exc}", file=sys.stderr)
        return EXIT_HARNESS
    finally:
        for f in workdir.glob("*"):
            f.unlink()
        workdir.rmdir()
    path = write_results("import_throughput", {"runs": runs, "missed": missed})
    print(f"results: {path}")
    for line in missed:
        print(f"MISSED {line}")
    return EXIT_MISSED if missed else 0


if __name__ == "__main__":
    sys.exit(main())
