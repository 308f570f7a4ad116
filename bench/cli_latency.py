"""How much slower `caseyos queue today --json` is than a bare Typer hello-world.

The CLI is a thin client: against a warm daemon its cost should be little more than
starting Python and importing Typer. Absolute timings vary across machines, so the target
is a ratio against a baseline run with the same interpreter in the same session:

    median(caseyos queue today --json) / median(typer hello) <= 1.25

Runs are interleaved (A B A B ...) so drift in machine load hits both sides equally.
The `-X importtime` section names the modules that cost the most, to locate a regression.

    /work/venv/bin/python bench/cli_latency.py [--runs 20] [--warmup 3] [--target 1.25]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _harness as h

NAME = "cli_latency"

BASELINE_SOURCE = '''\
import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    print("hello")


if __name__ == "__main__":
    app()
'''


def find_cli() -> Path:
    """The installed console script of this interpreter's environment, not one on PATH."""
    found = shutil.which("caseyos", path=str(Path(sys.executable).parent))
    if found is None:
        raise h.HarnessError(
            f"no `caseyos` script next to {sys.executable}; install the project (pip install -e .)"
        )
    return Path(found)


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=dict(os.environ), check=False)
    return time.perf_counter() - start, done


def check_target(done: subprocess.CompletedProcess[bytes]) -> None:
    # A CLI that fails fast would look like a great result: insist on the real answer.
    if done.returncode != 0:
        raise h.HarnessError(
            f"caseyos queue today --json exited {done.returncode}: {done.stderr.decode()[-500:]}"
        )
    try:
        payload = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise h.HarnessError(f"caseyos queue today --json printed no JSON: {exc}") from None
    if not isinstance(payload.get("moves"), list) or not payload["moves"]:
        raise h.HarnessError("caseyos queue today --json returned no moves on the demo workspace")


def check_baseline(done: subprocess.CompletedProcess[bytes]) -> None:
    if done.returncode != 0 or done.stdout.strip() != b"hello":
        raise h.HarnessError(f"baseline failed ({done.returncode}): {done.stderr.decode()[-500:]}")


@dataclass
class ImportRow:
    name: str
    depth: int
    self_us: int
    cumulative_us: int


def parse_importtime(stderr: str) -> list[ImportRow]:
    """Rows of `-X importtime`: 'import time: self [us] | cumulative | <indent>name'."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        raw = parts[2].rstrip()
        name = raw.lstrip()
        # One leading space is the separator; each nesting level adds two more.
        depth = (len(raw) - len(name) - 1) // 2
        rows.append(ImportRow(name, depth, int(parts[0]), int(parts[1])))
    return rows


def importtime_profile(argv: list[str], repeats: int) -> dict[str, ImportRow]:
    """Median per-module figures over a few runs; one run alone is too noisy to rank."""
    runs: list[dict[str, ImportRow]] = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *argv],
            capture_output=True,
            env=dict(os.environ),
            check=False,
        )
        if done.returncode != 0:
            raise h.HarnessError(f"-X importtime run failed: {done.stderr.decode()[-500:]}")
        runs.append({r.name: r for r in parse_importtime(done.stderr.decode())})
    merged = {}
    for name, first in runs[0].items():
        seen = [run[name] for run in runs if name in run]
        merged[name] = ImportRow(
            name,
            first.depth,
            int(statistics.median(r.self_us for r in seen)),
            int(statistics.median(r.cumulative_us for r in seen)),
        )
    return merged


def row_json(r: ImportRow) -> dict[str, Any]:
    return {"module": r.name, "depth": r.depth, "self_ms": r.self_us / 1000,
            "cumulative_ms": r.cumulative_us / 1000}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--target", type=float, default=1.25)
    ap.add_argument("--importtime-repeats", type=int, default=5)
    args = ap.parse_args()

    home = h.make_home(NAME)
    daemon = h.Daemon(home)
    try:
        cli = find_cli()
        baseline_script = home.parent / "typer_hello.py"
        baseline_script.write_text(BASELINE_SOURCE)
        target = [str(cli), "queue", "today", "--json"]
        baseline = [sys.executable, str(baseline_script)]

        # No active_workspace file: the daemon opens the bundled demo workspace.
        daemon.start()
        from caseyos_cli.client import Client

        with Client.connect() as client:
            for _ in range(5):
                warm = client.call("queue.today", {"limit": 25})
        if not warm["moves"]:
            raise h.HarnessError("the demo workspace has no moves due today at the pinned time")

        for _ in range(args.warmup):
            check_baseline(timed(baseline)[1])
            check_target(timed(target)[1])

        base_s: list[float] = []
        target_s: list[float] = []
        for _ in range(args.runs):
            secs, done = timed(baseline)
            check_baseline(done)
            base_s.append(secs)
            secs, done = timed(target)
            check_target(done)
            target_s.append(secs)

        # For context: what starting the interpreter alone costs, imports aside.
        floor_s = [timed([sys.executable, "-c", "pass"])[0] for _ in range(10)]

        prof_target = importtime_profile(target, args.importtime_repeats)
        prof_base = importtime_profile([str(baseline_script)], args.importtime_repeats)
    except h.HarnessError as exc:
        print(f"{NAME}: harness failure: {exc}", file=sys.stderr)
        if daemon.proc is not None:
            print(daemon.tail(), file=sys.stderr)
        return h.EXIT_HARNESS
    finally:
        daemon.stop()
        h.remove_home(home)

    base, tgt, floor = h.summary_ms(base_s), h.summary_ms(target_s), h.summary_ms(floor_s)
    ratio = tgt["median_ms"] / base["median_ms"]
    ratio_p90 = tgt["p90_ms"] / base["p90_ms"]
    ok = ratio <= args.target

    top_cumulative = sorted(prof_target.values(), key=lambda r: -r.cumulative_us)[:10]
    # Modules only the target imports are where its extra time lives; rank them by self time.
    extra = [r for name, r in prof_target.items() if name not in prof_base]
    extra_top = sorted(extra, key=lambda r: -r.self_us)[:10]
    extra_total_us = sum(r.self_us for r in extra)
    total_target_us = sum(r.self_us for r in prof_target.values())
    total_base_us = sum(r.self_us for r in prof_base.values())

    print(f"CLI latency: `caseyos queue today --json` vs Typer hello-world ({args.runs} runs each,"
          f" interleaved, after {args.warmup} warm-ups)")
    print(f"  {'':<28}{'median':>9}{'p90':>9}{'min':>9}{'max':>9}")
    for label, s in (("typer hello (baseline)", base), ("caseyos queue today --json", tgt),
                     ("python -c pass (floor)", floor)):
        print(f"  {label:<28}{s['median_ms']:>7.1f}ms{s['p90_ms']:>7.1f}ms"
              f"{s['min_ms']:>7.1f}ms{s['max_ms']:>7.1f}ms")
    print(f"  ratio of medians: {ratio:.3f}  (target <= {args.target})  "
          f"{'OK' if ok else 'MISSED'}   ratio of p90s: {ratio_p90:.3f}")
    print(f"\n-X importtime (median of {args.importtime_repeats} runs): imports total "
          f"{total_target_us / 1000:.1f}ms for the CLI vs {total_base_us / 1000:.1f}ms for the "
          f"baseline; {len(extra)} modules only the CLI imports cost {extra_total_us / 1000:.1f}ms")
    print("  top 10 cumulative, caseyos queue today --json:")
    for r in top_cumulative:
        print(f"    {r.cumulative_us / 1000:>7.1f}ms cum {r.self_us / 1000:>6.1f}ms self  "
              f"{'  ' * r.depth}{r.name}")
    print("  top 10 by self time among modules the baseline does not import:")
    for r in extra_top:
        print(f"    {r.self_us / 1000:>6.1f}ms self  {r.name}")

    path = h.write_results(NAME, {
        "target_ratio": args.target,
        "ratio_of_medians": round(ratio, 4),
        "ratio_of_p90": round(ratio_p90, 4),
        "ok": ok,
        "runs": args.runs,
        "warmup": args.warmup,
        "command": target[1:],
        "cli_path": target[0],
        "baseline": base,
        "target": tgt,
        "interpreter_floor": floor,
        "samples_ms": {
            "baseline": [round(s * 1000, 3) for s in base_s],
            "target": [round(s * 1000, 3) for s in target_s],
        },
        "importtime": {
            "repeats": args.importtime_repeats,
            "target_total_ms": total_target_us / 1000,
            "baseline_total_ms": total_base_us / 1000,
            "only_in_target_total_ms": extra_total_us / 1000,
            "only_in_target_count": len(extra),
            "top_cumulative": [row_json(r) for r in top_cumulative],
            "only_in_target_top_self": [row_json(r) for r in extra_top],
        },
    })
    print(f"\nresults: {path}")
    return 0 if ok else h.EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
