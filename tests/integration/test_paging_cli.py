"""Long lists from the command line: cut lists say so, --json pages, --limit past one page."""

from __future__ import annotations

import json
from pathlib import Path

from bench import corpus
from tests.conftest import DaemonProcess, run_cli


def test_a_cut_list_says_so_and_json_carries_total_and_cursor(
    steady_demo_daemon: DaemonProcess,
) -> None:
    """Reads the demo only, as does the next test: they share the module's demo daemon."""
    done = run_cli("queue", "list", "--limit", "2")
    assert done.returncode == 0, done.stderr
    total = steady_demo_daemon.call("queue.list", {"limit": 1})["total"]
    assert total > 2
    assert f"showing 2 of {total} moves; --limit N or --all for more" in done.stderr

    page = json.loads(run_cli("queue", "list", "--limit", "2", "--json").stdout)
    assert page["total"] == total and len(page["moves"]) == 2 and page["next_cursor"]
    rest = json.loads(
        run_cli("queue", "list", "--all", "--cursor", page["next_cursor"], "--json").stdout
    )
    assert rest["next_cursor"] is None
    ids = [m["id"] for m in page["moves"] + rest["moves"]]
    assert len(ids) == len(set(ids)) == total

    whole = run_cli("queue", "list", "--all")
    assert "showing" not in whole.stderr

    today = run_cli("queue", "today", "--limit", "3")
    assert "showing 3 of" in today.stderr and "moves due today" in today.stderr


def test_a_cursor_of_another_list_is_a_usage_error(steady_demo_daemon: DaemonProcess) -> None:
    page = json.loads(run_cli("queue", "list", "--limit", "2", "--json").stdout)
    done = run_cli("queue", "list", "--status", "pending", "--cursor", page["next_cursor"])
    assert done.returncode == 2
    assert "another listing" in done.stderr and "Traceback" not in done.stderr
    assert run_cli("signals", "list", "--cursor", "nonsense").returncode == 2
    assert run_cli("signals", "list", "--limit", "0").returncode == 2


def test_limit_beyond_one_page_and_all(blank_daemon: DaemonProcess, tmp_path: Path) -> None:
    mbox = tmp_path / "mail.mbox"
    corpus.write_mbox(mbox, 900)
    blank_daemon.run_job("import.file", {"path": str(mbox)})
    total = blank_daemon.call("signals.list", {"since": "2000-01-01", "limit": 1})["total"]
    assert total > 1000, "the corpus must give more signals than one daemon page"

    big = json.loads(
        run_cli("signals", "list", "--since", "2000-01-01", "--limit", "1001", "--json").stdout
    )
    assert len(big["signals"]) == 1001 and big["total"] == total
    assert (big["next_cursor"] is None) == (total == 1001)

    every = run_cli("signals", "list", "--since", "2000-01-01", "--all", "--json")
    rows = json.loads(every.stdout)["signals"]
    assert len(rows) == len({r["id"] for r in rows}) == total
    assert every.stderr == ""
