"""How much slower the file parsers are than the standard library doing the least it can.

mbox: `iter_mbox` over a `corpus.py` mailbox against Python's own walk of the same file,

    for msg in mailbox.mbox(path): msg.get_payload()

which parses every message (compat32) and extracts nothing. Target: ratio <= 2.

HubSpot CSV: `parse_hubspot_csv` against `csv.DictReader` over the same export. Target: ratio
<= 5 for contacts and deals; companies, tasks and notes are reported, not gated.

Both sides run in this process. The two mbox walks advance in turns of `--slice` messages and
the CSV passes alternate, so load from other processes hits both alike; the verdict is a ratio,
not a time, so it holds across machines. Every pass is checked against what the corpus says it
wrote (messages, threads, directions, records, warnings): a wrong answer exits 2.

    python bench/parse_throughput.py [--sizes 1000,10000,50000] [--rounds 3] [--slice 200]
                                     [--mbox-target 2.0] [--csv-target 5.0]
"""

from __future__ import annotations

import argparse
import csv
import gc
import mailbox
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import _harness as h
import corpus

from connectors.files.hubspot import parse_hubspot_csv
from connectors.files.mbox import count_mbox, iter_mbox

NAME = "parse_throughput"
GATED_CSV = ("contacts", "deals")
CSV_WRITERS: dict[str, Callable[..., corpus.CsvStats]] = {
    "contacts": corpus.write_contacts_csv,
    "deals": corpus.write_deals_csv,
    "companies": corpus.write_companies_csv,
    "tasks": corpus.write_tasks_csv,
    "notes": corpus.write_notes_csv,
}


def rss_mb() -> float:
    """Peak resident set of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_walk(path: Path) -> Iterator[None]:
    for msg in mailbox.mbox(str(path)):
        msg.get_payload()
        yield None


class Tally:
    """What iter_mbox produced, to check against the corpus; cheap next to parsing."""

    def __init__(self) -> None:
        self.items = 0
        self.threads: set[str] = set()
        self.directions: Counter[str] = Counter()
        self.bounces = 0
        self.warnings = 0

    def walk(self, path: Path) -> Iterator[None]:
        for parsed in iter_mbox(path, corpus.operator()):
            self.items += 1
            if parsed.warning:
                self.warnings += 1
            msg = parsed.message
            if msg is not None:
                self.threads.add(msg.thread_key)
                self.directions[msg.direction] += 1
                self.bounces += "bounce" in msg.labels
            yield None

    def check(self, stats: corpus.MboxStats) -> None:
        expected = {
            "messages": stats.messages,
            "threads": stats.threads,
            "outbound": stats.outbound,
            "inbound": stats.inbound,
            "internal": stats.internal,
            "bounces": stats.bounces,
            "warnings": 0,
        }
        found = {
            "messages": self.items,
            "threads": len(self.threads),
            "outbound": self.directions["outbound"],
            "inbound": self.directions["inbound"],
            "internal": self.directions["internal"],
            "bounces": self.bounces,
            "warnings": self.warnings,
        }
        if found != expected:
            raise h.HarnessError(f"iter_mbox disagrees with the corpus: {found} != {expected}")


def interleaved(a: Iterator[None], b: Iterator[None], step: int) -> tuple[float, float, int, int]:
    """Advance both walks `step` items at a time; (seconds a, seconds b, items a, items b)."""
    spent = [0.0, 0.0]
    counts = [0, 0]
    live = [True, True]
    walks = (a, b)
    while any(live):
        for side in (0, 1):
            if not live[side]:
                continue
            start = time.perf_counter()
            got = sum(1 for _ in islice(walks[side], step))
            spent[side] += time.perf_counter() - start
            counts[side] += got
            live[side] = got == step
    return spent[0], spent[1], counts[0], counts[1]


def measure_mbox(path: Path, stats: corpus.MboxStats, rounds: int, step: int) -> dict[str, Any]:
    base_runs: list[float] = []
    ours_runs: list[float] = []
    rss_before = rss_mb()
    for _ in range(rounds):
        gc.collect()
        tally = Tally()
        t_base, t_ours, n_base, n_ours = interleaved(baseline_walk(path), tally.walk(path), step)
        if n_base != stats.messages:
            raise h.HarnessError(
                f"mailbox.mbox read {n_base} messages, corpus wrote {stats.messages}"
            )
        tally.check(stats)
        base_runs.append(t_base / n_base)
        ours_runs.append(t_ours / n_ours)
    ratios = [o / b for o, b in zip(ours_runs, base_runs, strict=True)]

    start = time.perf_counter()
    counted = count_mbox(path)
    t_count = time.perf_counter() - start
    if counted != stats.messages:
        raise h.HarnessError(f"count_mbox says {counted}, corpus wrote {stats.messages}")
    # Resuming near the end must cost a scan, not a parse of everything before.
    tail = min(10, stats.messages)
    start = time.perf_counter()
    resumed = [p.number for p in iter_mbox(path, corpus.operator(), start=stats.messages - tail)]
    t_resume = time.perf_counter() - start
    if resumed != list(range(stats.messages - tail + 1, stats.messages + 1)):
        raise h.HarnessError(f"resume yielded {resumed[:3]}..., expected the last {tail}")
    return {
        "messages": stats.messages,
        "megabytes": round(stats.bytes / 1e6, 1),
        "rounds": rounds,
        "baseline_us": round(min(base_runs) * 1e6, 1),
        "ours_us": round(min(ours_runs) * 1e6, 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "count_mbox_us": round(t_count / stats.messages * 1e6, 2),
        "resume_last_10_s": round(t_resume, 3),
        "peak_rss_growth_mb": round(rss_mb() - rss_before, 1),
    }


def dict_reader_pass(path: Path) -> int:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def measure_csv(kind: str, path: Path, stats: corpus.CsvStats, rounds: int) -> dict[str, Any]:
    base_runs: list[float] = []
    ours_runs: list[float] = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        rows = dict_reader_pass(path)
        base_runs.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        batch = parse_hubspot_csv(path, corpus.operator())
        ours_runs.append(time.perf_counter() - start)
        records = {
            "contacts": len(batch.contacts),
            "deals": len(batch.deals),
            "companies": len(batch.companies),
            "tasks": len(batch.tasks),
            "notes": len(batch.notes),
        }[kind]
        if rows != stats.rows or records != stats.records or len(batch.warnings) != stats.warnings:
            raise h.HarnessError(
                f"{kind}: {rows} rows, {records} records, {len(batch.warnings)} warnings; "
                f"the corpus wrote {stats.rows}, {stats.records}, {stats.warnings}"
            )
        del batch
    ratios = [o / b for o, b in zip(ours_runs, base_runs, strict=True)]
    return {
        "rows": stats.rows,
        "rounds": rounds,
        "baseline_us": round(min(base_runs) / stats.rows * 1e6, 2),
        "ours_us": round(min(ours_runs) / stats.rows * 1e6, 2),
        "ratio": round(min(ours_runs) / min(base_runs), 3),
        "ratios": [round(r, 3) for r in ratios],
        "gated": kind in GATED_CSV,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="passes per measurement; above 10k the mbox walk and the ungated CSVs get one",
    )
    parser.add_argument("--slice", type=int, default=200, help="messages per turn")
    parser.add_argument("--mbox-target", type=float, default=2.0)
    parser.add_argument("--csv-target", type=float, default=5.0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    began = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="caseyos-parse-"))
    results: dict[str, Any] = {"sizes": sizes, "mbox": {}, "csv": {}}
    missed: list[str] = []
    try:
        for n in sizes:
            rounds = args.rounds if n <= 10_000 else 1
            start = time.perf_counter()
            box = workdir / f"mail-{n}.mbox"
            stats = corpus.write_mbox(box, n)
            csv_stats = {
                kind: write(workdir / f"{kind}-{n}.csv", n) for kind, write in CSV_WRITERS.items()
            }
            generated = time.perf_counter() - start
            print(f"\n== {n:,} records (corpus written in {generated:.1f}s)")

            m = measure_mbox(box, stats, rounds, args.slice)
            results["mbox"][str(n)] = {**m, "corpus_seconds": round(generated, 2)}
            ok = m["ratio"] <= args.mbox_target
            missed += [] if ok else [f"mbox at {n}"]
            print(
                f"mbox      {m['messages']:>7,} msgs {m['megabytes']:>6} MB  "
                f"baseline {m['baseline_us']:>7.1f} us/msg  iter_mbox {m['ours_us']:>7.1f} us/msg  "
                f"ratio {m['ratio']:.2f} (target <= {args.mbox_target}) {'ok' if ok else 'MISSED'}"
            )
            print(
                f"          count_mbox {m['count_mbox_us']:.2f} us/msg, resume at the last 10 in "
                f"{m['resume_last_10_s']:.2f}s, peak RSS +{m['peak_rss_growth_mb']} MB"
            )
            results["csv"][str(n)] = {}
            for kind, path in ((k, workdir / f"{k}-{n}.csv") for k in CSV_WRITERS):
                # A CSV pass is short: the gated kinds get every round at every size.
                c = measure_csv(
                    kind, path, csv_stats[kind], args.rounds if kind in GATED_CSV else rounds
                )
                results["csv"][str(n)][kind] = c
                verdict = "(not gated)"
                if c["gated"]:
                    ok = c["ratio"] <= args.csv_target
                    missed += [] if ok else [f"{kind} csv at {n}"]
                    verdict = f"(target <= {args.csv_target}) {'ok' if ok else 'MISSED'}"
                print(
                    f"{kind:9s} {c['rows']:>7,} rows  DictReader {c['baseline_us']:>6.2f} us/row  "
                    f"parse_hubspot_csv {c['ours_us']:>6.2f} us/row  "
                    f"ratio {c['ratio']:.2f} {verdict}"
                )
            for stale in workdir.iterdir():
                stale.unlink()
    except h.HarnessError as exc:
        print(f"\nharness error: {exc}", file=sys.stderr)
        return h.EXIT_HARNESS
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    per_msg = [results["mbox"][str(n)]["ours_us"] for n in sizes]
    if len(per_msg) > 1:
        print(f"\niter_mbox per message across sizes: {' / '.join(f'{x:.0f}' for x in per_msg)} us")
    results["targets"] = {"mbox": args.mbox_target, "csv": args.csv_target}
    results["missed"] = missed
    results["seconds"] = round(time.perf_counter() - began, 1)
    out = h.write_results(NAME, results)
    verdict = "all targets met" if not missed else "MISSED: " + ", ".join(missed)
    print(f"\n{verdict} in {results['seconds']:.0f}s; wrote {out}")
    return h.EXIT_MISSED if missed else 0


if __name__ == "__main__":
    sys.exit(main())
