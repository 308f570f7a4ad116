"""A contact who asked not to be contacted is marked so (`contacts show`, JSON and text)
and is neither chased nor answered: the issue's "Please remove me from the newsletter"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import PINNED_NOW, DaemonProcess, run_cli
from tests.mailfixtures import OPERATOR, Mail, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)  # Wednesday 25 Nov 2026, 10:00 in New York
DANA = "Dana Reyes <dana@acme.example>"


def test_a_contact_who_asked_to_be_removed_is_marked_and_never_chased(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    d = blank_daemon
    mails = [
        # Our email, seven business days ago and unanswered...
        Mail("plan@northwind", OPERATOR, DANA, "Rollout plan", NOW - timedelta(days=9),
             labels="Sent", thread="801"),
        # ...and her note in a thread of its own, yesterday.
        Mail("remove@acme", DANA, OPERATOR, "Please remove me from the newsletter",
             NOW - timedelta(days=1), body="Thanks.", thread="802"),
    ]  # fmt: skip
    d.run_job("import.file", {"path": str(write_mbox(tmp_path / "mail.mbox", mails))})

    moves = d.call("queue.list", {"limit": 100})["moves"]
    assert [m["title"] for m in moves if "Dana" in m["title"]] == [], "never chased"

    shown = run_cli("contacts", "show", "dana@acme.example", "--json")
    assert shown.returncode == 0, shown.stderr
    contact = json.loads(shown.stdout)["contact"]
    assert contact["do_not_contact"] is True
    assert contact["do_not_contact_reason"] == (
        "asked to be removed: “Please remove me from the newsletter”"
    )
    assert contact["do_not_contact_at"].startswith("2026-11-24T15:00:00")

    text = run_cli("contacts", "show", "dana@acme.example")
    assert text.returncode == 0, text.stderr
    assert (
        "do not contact: asked to be removed: “Please remove me from the newsletter” "
        "(yesterday" in " ".join(text.stdout.split())
    )
    signals = d.call("signals.list", {"kind": "contact.opted_out"})
    [signal] = signals["signals"]
    assert signal["payload"]["message_id"] == "remove@acme"
    assert signal["payload"]["reason"] == contact["do_not_contact_reason"]
