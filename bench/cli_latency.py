"""How much slower `caseyos queue today --json` is than a bare Typer hello-world.

The CLI is a thin client: against a warm daemon its cost should be little more than
starting Python and importing Typer. Absolute timings vary across machines, so the target
is a ratio against a baseline run with the same interpreter in the same session:

    median(caseyos queue today --json) / median(typer hello) <= 1.25

Runs are interleaved (A B A B ...) so drift in machine load hits both sides equally.
The `-X importtime` section names the modules that cost the most, to locate a regression.

Bytecode matters: with PYTHONDONTWRITEBYTECODE set (as in some sandboxes and CI images) an
editable install recompiles the project's modules on every run, while the baseline's Typer
comes with .pyc files from pip. So both sides are measured twice: "cached" gives both a
private PYTHONPYCACHEPREFIX (what an installed tool sees after its first run) and decides the
verdict by default; "env" runs them under this environment unchanged, for comparison.

    /work/venv/bin/python bench/cli_latency.py [--runs 20] [--warmup 3] [--target 1.25]
                                               [--gate cached|env]
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

BASELINE_SOURCE = """\
import typer

app = typer.Typer()


@app.command()
def hello() -> None:
    print("hello")


if __name__ == "__main__":
    app()
"""


def find_cli() -> Path:
    """The installed console script of this interpreter's environment, not one on PATH."""
    found = shutil.which("caseyos", path=str(Path(sys.executable).parent))
    if found is None:
        raise h.HarnessError(
            f"no `caseyos` script next to {sys.executable}; install the project (pip install -e .)"
        )
    return Path(found)


def child_env(mode: str, pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    if mode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env, check=False)
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


def importtime_profile(argv: list[str], repeats: int, env: dict[str, str]) -> dict[str, ImportRow]:
    """Median per-module figures over a few runs; one run alone is too noisy to rank."""
    runs: list[dict[str, ImportRow]] = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *argv], capture_output=True, env=env, check=False
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
    return {
        "module": r.name,
        "depth": r.depth,
        "self_ms": r.self_us / 1000,
        "cumulative_ms": r.cumulative_us / 1000,
    }


MODES = ("cached", "env")


def measure(
    target: list[str],
    baseline: list[str],
    envs: dict[str, dict[str, str]],
    runs: int,
    warmup: int,
) -> dict[str, tuple[list[float], list[float]]]:
    """Round-robin over every (mode, command) pair so machine drift spreads over all four."""
    # Warm-ups also fill the private bytecode cache, so no measured run compiles anything.
    for _ in range(warmup):
        for env in envs.values():
            check_baseline(timed(baseline, env)[1])
            check_target(timed(target, env)[1])
    out: dict[str, tuple[list[float], list[float]]] = {mode: ([], []) for mode in envs}
    for _ in range(runs):
        for mode, env in envs.items():
            secs, done = timed(baseline, env)
            check_baseline(done)
            out[mode][0].append(secs)
            secs, done = timed(target, env)
            check_target(done)
            out[mode][1].append(secs)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--target", type=float, default=1.25)
    ap.add_argument(
        "--gate", choices=MODES, default="cached", help="which bytecode mode decides the exit code"
    )
    ap.add_argument("--importtime-repeats", type=int, default=5)
    args = ap.parse_args()

    home = h.make_home(NAME)
    daemon = h.Daemon(home)
    samples: dict[str, tuple[list[float], list[float]]] = {}
    try:
        cli = find_cli()
        baseline_script = home.parent / "typer_hello.py"
        baseline_script.write_text(BASELINE_SOURCE)
        target = [str(cli), "queue", "today", "--json"]
        baseline = [sys.executable, str(baseline_script)]
        envs = {mode: child_env(mode, home.parent / "pycache") for mode in MODES}

        # No active_workspace file: the daemon opens the bundled demo workspace.
        daemon.start()
        from caseyos_cli.client import Client

        with Client.connect() as client:
            for _ in range(5):
                warm = client.call("queue.today", {"limit": 25})
        if not warm["moves"]:
            raise h.HarnessError("the demo workspace has no moves due today at the pinned time")

        samples = measure(target, baseline, envs, args.runs, args.warmup)
        # For context: what starting the interpreter alone costs, imports aside.
        floor_s = [timed([sys.executable, "-c", "pass"], envs["cached"])[0] for _ in range(10)]

        # Profiled with cached bytecode so compile time does not blur the import ranking.
        prof_target = importtime_profile(target, args.importtime_repeats, envs["cached"])
        prof_base = importtime_profile(
            [str(baseline_script)], args.importtime_repeats, envs["cached"]
        )
    except h.HarnessError as exc:
        print(f"{NAME}: harness failure: {exc}", file=sys.stderr)
        if daemon.proc is not None:
            print(daemon.tail(), file=sys.stderr)
        return h.EXIT_HARNESS
    finally:
        daemon.stop()
        h.remove_home(home)

    results: dict[str, dict[str, Any]] = {}
    for mode in MODES:
        base_s, target_s = samples[mode]
        base, tgt = h.summary_ms(base_s), h.summary_ms(target_s)
        results[mode] = {
            "baseline": base,
            "target": tgt,
            "ratio_of_medians": round(tgt["median_ms"] / base["median_ms"], 4),
            "ratio_of_p90": round(tgt["p90_ms"] / base["p90_ms"], 4),
            "samples_ms": {
                "baseline": [round(x * 1000, 3) for x in base_s],
                "target": [round(x * 1000, 3) for x in target_s],
            },
        }
    floor = h.summary_ms(floor_s)
    ratio = results[args.gate]["ratio_of_medians"]
    ok = ratio <= args.target

    top_cumulative = sorted(prof_target.values(), key=lambda r: -r.cumulative_us)[:10]
    # Modules only the target imports are where its extra time lives; rank them by self time.
    extra = [r for name, r in prof_target.items() if name not in prof_base]
    extra_top = sorted(extra, key=lambda r: -r.self_us)[:10]
    extra_total_us = sum(r.self_us for r in extra)
    total_target_us = sum(r.self_us for r in prof_target.values())
    total_base_us = sum(r.self_us for r in prof_base.values())

    print(
        f"CLI latency: `caseyos queue today --json` vs Typer hello-world ({args.runs} runs each,"
        f" interleaved, after {args.warmup} warm-ups)"
    )
    print(f"  {'':<40}{'median':>9}{'p90':>9}{'min':>9}{'max':>9}   ratio(med)  ratio(p90)")
    for mode in MODES:
        r = results[mode]
        for label, s in (("typer hello", r["baseline"]), ("caseyos queue today", r["target"])):
            row = f"  {mode + ': ' + label:<40}{s['median_ms']:>7.1f}ms{s['p90_ms']:>7.1f}ms"
            row += f"{s['min_ms']:>7.1f}ms{s['max_ms']:>7.1f}ms"
            if label == "caseyos queue today":
                row += f"   {r['ratio_of_medians']:>9.3f}  {r['ratio_of_p90']:>10.3f}"
            print(row)
    print(
        f"  {'python -c pass (interpreter floor)':<40}{floor['median_ms']:>7.1f}ms"
        f"{floor['p90_ms']:>7.1f}ms{floor['min_ms']:>7.1f}ms{floor['max_ms']:>7.1f}ms"
    )
    compile_ms = results["env"]["target"]["median_ms"] - results["cached"]["target"]["median_ms"]
    print(
        f"  bytecode: 'cached' = private PYTHONPYCACHEPREFIX; 'env' = environment as is "
        f"(PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}); "
        f"env - cached for the CLI: {compile_ms:+.1f}ms"
    )
    print(
        f"  verdict ({args.gate}): ratio of medians {ratio:.3f}, target <= {args.target}: "
        f"{'OK' if ok else 'MISSED'}"
    )
    print(
        f"\n-X importtime, cached bytecode (median of {args.importtime_repeats} runs): imports "
        f"total {total_target_us / 1000:.1f}ms for the CLI vs {total_base_us / 1000:.1f}ms for "
        f"the baseline; {len(extra)} modules only the CLI imports cost "
        f"{extra_total_us / 1000:.1f}ms"
    )
    print("  top 10 cumulative, caseyos queue today --json:")
    for r in top_cumulative:
        print(
            f"    {r.cumulative_us / 1000:>7.1f}ms cum {r.self_us / 1000:>6.1f}ms self  "
            f"{'  ' * r.depth}{r.name}"
        )
    print("  top 10 by self time among modules the baseline does not import:")
    for r in extra_top:
        print(f"    {r.self_us / 1000:>6.1f}ms self  {r.name}")

    path = h.write_results(
        NAME,
        {
            "target_ratio": args.target,
            "gate": args.gate,
            "ratio_of_medians": ratio,
            "ok": ok,
            "runs": args.runs,
            "warmup": args.warmup,
            "command": target[1:],
            "cli_path": target[0],
            "modes": results,
            "env_minus_cached_target_ms": round(compile_ms, 2),
            "interpreter_floor": floor,
            "importtime": {
                "bytecode": "cached",
                "repeats": args.importtime_repeats,
                "target_total_ms": total_target_us / 1000,
                "baseline_total_ms": total_base_us / 1000,
                "only_in_target_total_ms": extra_total_us / 1000,
                "only_in_target_count": len(extra),
                "top_cumulative": [row_json(r) for r in top_cumulative],
                "only_in_target_top_self": [row_json(r) for r in extra_top],
            },
        },
    )
    print(f"\nresults: {path}")
    return 0 if ok else h.EXIT_MISSED


if __name__ == "__main__":
    sys.exit(main())
