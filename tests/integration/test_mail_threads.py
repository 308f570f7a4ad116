"""One conversation, one thread, one move: through the real daemon and two real imports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import DaemonProcess
from tests.mailfixtures import OPERATOR, Mail, write_mbox

ZOE = "Zoe Park <zoe@lumen.example>"


def open_moves(d: DaemonProcess) -> list[dict]:
    params = {"limit": 1000, "status": ["pending", "accepted", "snoozed"]}
    return list(d.call("queue.list", params)["moves"])


def test_the_import_that_links_two_threads_leaves_one_thread_and_one_move(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    first = Mail(
        "a@lumen.example",
        ZOE,
        OPERATOR,
        "Pricing for Lumen",
        datetime(2026, 11, 16, 14, tzinfo=UTC),
    )
    answer = Mail(
        "b@northwind.example",
        OPERATOR,
        ZOE,
        "Re: Pricing for Lumen",
        datetime(2026, 11, 17, 15, tzinfo=UTC),
        in_reply_to="a@lumen.example",
        labels="Sent",
    )
    again = Mail(
        "c@lumen.example",
        ZOE,
        OPERATOR,
        "RE: Pricing for Lumen",
        datetime(2026, 11, 24, 16, tzinfo=UTC),
        in_reply_to="b@northwind.example",  # names only its parent, as Outlook does
    )
    # Without Casey's answer, Zoe's two messages are two conversations as far as anyone knows.
    d.run_job("import.file", {"path": str(write_mbox(tmp_path / "1.mbox", [again, first]))})
    before = open_moves(d)
    assert len(before) == 2 and len({m["thread_id"] for m in before}) == 2

    d.run_job("import.file", {"path": str(write_mbox(tmp_path / "2.mbox", [answer]))})
    after = open_moves(d)
    assert [(m["move_type"], m["title"]) for m in after] == [("reply", "Reply to Zoe Park (Lumen)")]
    assert "replied" in after[0]["why_now"]  # Zoe answered Casey: one conversation
    assert after[0]["thread_id"] == min(m["thread_id"] for m in before)
