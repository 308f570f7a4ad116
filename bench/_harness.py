"""Shared plumbing for the benchmarks: a private home, a real daemon, statistics, results.

Not a benchmark itself. The scripts next to it import it by name, which works because
`python bench/NAME.py` puts bench/ first on sys.path.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PINNED_NOW = "2026-11-25T15:00:00Z"  # a Wednesday, 10:00 in New York, as in the tests

# Exit codes: 1 is reserved for "target missed" so CI can tell it from a broken harness.
EXIT_MISSED = 1
EXIT_HARNESS = 2


class HarnessError(Exception):
    """The benchmark could not run (daemon did not start, wrong answer shape, ...)."""


def make_home(prefix: str) -> Path:
    """A fresh CASEYOS_HOME, exported to this process so `daemon.paths` agrees with the child.

    mkdtemp under the system temp dir keeps the socket path well under the AF_UNIX limit.
    """
    root = Path(tempfile.mkdtemp(prefix=f"caseyos-{prefix}-"))
    home = root / "home"
    home.mkdir()
    os.environ["CASEYOS_HOME"] = str(home)
    os.environ["CASEYOS_NOW"] = PINNED_NOW
    # A client that silently spawned its own daemon would measure the wrong thing.
    os.environ["CASEYOS_NO_AUTOSTART"] = "1"
    for var in ("CASEYOS_SOCKET", "CASEYOS_DATABASE_URL"):
        os.environ.pop(var, None)
    return home


def remove_home(home: Path) -> None:
    shutil.rmtree(home.parent, ignore_errors=True)


class Daemon:
    """`python -m caseyos_cli daemon run` as a child, the way tests/conftest.py runs it."""

    def __init__(self, home: Path):
        self.home = home
        self.log = home.parent / "daemon.out"
        self.proc: subprocess.Popen[bytes] | None = None
        # Process spawn to the first answered `system.status`, and that answer.
        self.startup_seconds = float("nan")
        self.first_status: dict[str, Any] = {}

    def start(self, timeout: float = 90) -> Daemon:
        from caseyos_cli.client import Client, DaemonUnreachable

        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "caseyos_cli", "daemon", "run"],
                env=dict(os.environ),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        spawned = time.perf_counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"daemon exited with {self.proc.returncode} during startup:\n{self.tail()}"
                )
            try:
                with Client.connect() as client:
                    self.first_status = client.call("system.status")
                self.startup_seconds = time.perf_counter() - spawned
                return self
            except DaemonUnreachable:
                time.sleep(0.05)
        raise HarnessError(f"daemon did not answer within {timeout:.0f}s:\n{self.tail()}")

    def wait_for_tick(self, timeout: float = 600) -> dict[str, Any]:
        """The report of the daemon's first pipeline pass, which runs after it listens."""
        from caseyos_cli.client import Client

        deadline = time.monotonic() + timeout
        with Client.connect(timeout=timeout) as client:
            while time.monotonic() < deadline:
                tick: dict[str, Any] = client.call("system.status")["last_tick"]
                if tick:
                    return tick
                time.sleep(0.1)
        raise HarnessError(f"the daemon's first tick did not finish within {timeout:.0f}s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """User+system CPU the daemon has used, to tell a CPU-bound daemon from a stalled one."""
        return cpu_seconds(self.pid)

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        daemon_log = self.home / "state" / "daemon.log"
        if daemon_log.exists():
            text += daemon_log.read_text(errors="replace")
        return "\n".join("    " + line for line in text.splitlines()[-lines:])

    def stop(self, timeout: float = 30) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def cpu_seconds(pid: int) -> float:
    """User+system CPU a process has used so far (NaN once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    # utime and stime are fields 14 and 15 of stat(5); index 11/12 after the comm field.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident memory so far, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), stdlib only."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "min_ms": round(min(ms), 2) if ms else float("nan"),
        "median_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else float("nan"),
    }


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    meta = {
        "benchmark": name,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "cpus": os.cpu_count(),
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path.write_text(json.dumps({**meta, **data}, indent=2, default=str) + "\n")
    return path
