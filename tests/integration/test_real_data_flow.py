"""Real files through the real daemon: signals, agents, dedup, moot-closing and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon.protocol import ErrorCode, RemoteError
from tests.conftest import PINNED_NOW, DaemonProcess
from tests.mailfixtures import OPERATOR, Mail, write_contacts_csv, write_ics, write_mbox

NOW = datetime.fromisoformat(PINNED_NOW)
DANA = "dana@acme.example"


def moves_by_agent(d: DaemonProcess, agent: str, status: str | None = None) -> list[dict]:
    params: dict = {"limit": 1000}
    if status:
        params["status"] = [status]
    return [m for m in d.call("queue.list", params)["moves"] if m["agent"] == agent]


def import_file(d: DaemonProcess, path: Path) -> dict:
    return d.run_job("import.file", {"path": str(path)})


@pytest.fixture
def with_contacts(blank_daemon: DaemonProcess, tmp_path: Path) -> DaemonProcess:
    csv = write_contacts_csv(
        tmp_path / "contacts.csv",
        [
            {
                "Record ID": "11",
                "First Name": "Dana",
                "Last Name": "Reyes",
                "Email": DANA,
                "Job Title": "VP Finance",
                "Company Name": "Acme",
                "Lifecycle Stage": "opportunity",
                "Create Date": "2026-10-01 09:00",
            },
        ],
    )
    result = import_file(blank_daemon, csv)
    assert result["counts"]["contacts"] == 1
    return blank_daemon


def test_reply_needed_then_resolved_when_we_answer(
    with_contacts: DaemonProcess, tmp_path: Path
) -> None:
    d = with_contacts
    write_mbox(
        tmp_path / "a.mbox",
        [
            Mail(
                "m1@acme",
                DANA,
                OPERATOR,
                "Renewal pricing",
                NOW - timedelta(days=2),
                body="Could you send the renewal quote for 40 seats?",
                thread="1771",
            ),
        ],
    )
    report = import_file(d, tmp_path / "a.mbox")
    assert report["counts"]["messages"] == 1
    [move] = moves_by_agent(d, "reply_needed")
    assert move["status"] == "pending"
    assert move["title"] == "Reply to Dana Reyes (Acme)"
    assert "Renewal pricing" in move["why_now"] and "40 seats" in move["why_now"]
    assert move["id"] in [m["id"] for m in d.call("queue.today", {})["moves"]]

    # The same fact arriving again (an older message in the thread) refreshes, never adds.
    write_mbox(
        tmp_path / "b.mbox",
        [
            Mail(
                "m0@acme",
                DANA,
                OPERATOR,
                "Renewal pricing",
                NOW - timedelta(days=3),
                body="Heads up, renewal questions coming.",
                thread="1771",
            ),
        ],
    )
    again = import_file(d, tmp_path / "b.mbox")
    assert again["queue"]["proposed"] == 0 and again["queue"]["updated"] == 1
    assert [m["id"] for m in moves_by_agent(d, "reply_needed")] == [move["id"]]

    # Our answer arrives: the move is moot.
    write_mbox(
        tmp_path / "c.mbox",
        [
            Mail(
                "m2@northwind",
                OPERATOR,
                DANA,
                "Re: Renewal pricing",
                NOW - timedelta(hours=1),
                in_reply_to="m1@acme",
                labels="Sent",
                thread="1771",
            ),
        ],
    )
    closed = import_file(d, tmp_path / "c.mbox")
    assert closed["queue"]["resolved"] == 1
    shown = d.call("queue.show", {"id": move["id"]})
    assert shown["move"]["status"] == "resolved"
    assert "you replied" in shown["move"]["status_reason"]
    assert [s["kind"] for s in shown["signals"]][-1] == "email.sent"
    assert move["id"] not in [m["id"] for m in d.call("queue.today", {})["moves"]]


def test_follow_up_due_then_resolved_when_they_answer(
    with_contacts: DaemonProcess, tmp_path: Path
) -> None:
    d = with_contacts
    sent = NOW - timedelta(days=8)  # Tue 17 Nov: 6 business days before Wed 25 Nov
    write_mbox(
        tmp_path / "out.mbox",
        [
            Mail(
                "p1@northwind",
                OPERATOR,
                DANA,
                "Proposal for Acme",
                sent,
                labels="Sent",
                body="Attached is the proposal we discussed.",
            ),
        ],
    )
    import_file(d, tmp_path / "out.mbox")
    [move] = moves_by_agent(d, "follow_up_due")
    assert move["title"] == "Follow up with Dana Reyes (Acme)"
    assert "no answer after 6 business days" in move["why_now"]
    assert d.call("signals.list", {"kind": "email.no_reply", "since": "30d"})["signals"]

    write_mbox(
        tmp_path / "in.mbox",
        [
            Mail(
                "p2@acme",
                DANA,
                OPERATOR,
                "Re: Proposal for Acme",
                NOW - timedelta(hours=2),
                in_reply_to="p1@northwind",
                body="Thanks, reviewing with the team.",
            ),
        ],
    )
    import_file(d, tmp_path / "in.mbox")
    assert d.call("queue.show", {"id": move["id"]})["move"]["status"] == "resolved"
    replied = d.call("signals.list", {"kind": "email.replied", "since": "1d"})["signals"]
    assert len(replied) == 1
    # Their answer now needs ours.
    [reply] = moves_by_agent(d, "reply_needed", "pending")
    assert "replied" in reply["why_now"]


def test_meeting_prep_expires_when_the_meeting_starts(
    with_contacts: DaemonProcess, tmp_path: Path
) -> None:
    d = with_contacts
    start = NOW + timedelta(hours=5)
    write_ics(
        tmp_path / "cal.ics",
        "mtg-1@test",
        "Acme renewal call",
        start,
        start + timedelta(minutes=30),
        [OPERATOR, DANA],
    )
    import_file(d, tmp_path / "cal.ics")
    [prep] = moves_by_agent(d, "meeting_prep")
    assert prep["title"].startswith("Prep: Acme renewal call (Acme)")
    assert "Dana Reyes" in prep["why_now"]

    d.restart(now=(start + timedelta(minutes=10)).isoformat())
    d.run_job("agents.run")
    assert d.call("queue.show", {"id": prep["id"]})["move"]["status"] == "expired"
    ended = (start + timedelta(hours=1)).isoformat()
    d.restart(now=ended)
    d.run_job("agents.run")
    kinds = {s["kind"] for s in d.call("signals.list", {"since": "1d"})["signals"]}
    assert {"meeting.upcoming", "meeting.ended"} <= kinds


def test_stale_reply_moves_expire_and_restart_keeps_data(
    with_contacts: DaemonProcess, tmp_path: Path
) -> None:
    d = with_contacts
    write_mbox(
        tmp_path / "a.mbox",
        [
            Mail("x1@acme", DANA, OPERATOR, "Quick question", NOW - timedelta(hours=3)),
        ],
    )
    import_file(d, tmp_path / "a.mbox")
    [move] = moves_by_agent(d, "reply_needed")
    d.restart(now=(NOW + timedelta(days=15)).isoformat())
    assert d.call("queue.show", {"id": move["id"]})["move"]["status"] == "expired"
    assert d.call("signals.stats", {"since": "30d"})["by_kind"]["email.received"] == 1


def test_outcomes_feed_back_into_scores(with_contacts: DaemonProcess, tmp_path: Path) -> None:
    d = with_contacts
    write_mbox(
        tmp_path / "a.mbox",
        [
            Mail("o1@acme", DANA, OPERATOR, "Intro", NOW - timedelta(days=1)),
        ],
    )
    import_file(d, tmp_path / "a.mbox")
    [move] = moves_by_agent(d, "reply_needed")
    d.call("queue.done", {"id": move["id"]})
    d.call(
        "outcomes.record",
        {"move_id": move["id"], "kind": "meeting_booked", "note": "booked for Monday"},
    )
    manual = d.call("queue.add", {"title": "Send Dana the case study", "contact": DANA})
    learned = manual["move"]["aps"]
    breakdown = d.call("queue.explain", {"id": manual["move"]["id"]})["breakdown"]
    assert breakdown["learned"]["points"] > 0, "a booked meeting lifts Dana's next move"
    assert "this contact" in breakdown["learned"]["reason"]
    assert learned > 0
    stats = d.call("outcomes.stats", {})
    [group] = [g for g in stats["groups"] if g["agent"] == "reply_needed"]
    assert group["executed"] == 1 and group["positive"] == 1 and group["success_rate"] == 1.0
    with pytest.raises(RemoteError) as err:
        d.call("outcomes.record", {"move_id": 999, "kind": "replied"})
    assert err.value.code == ErrorCode.NOT_FOUND


def test_import_of_garbage_is_a_clear_error_and_changes_nothing(
    steady_daemon: DaemonProcess, tmp_path: Path
) -> None:
    # On the module's daemon, with the next test: neither reads what the other changes.
    d = steady_daemon
    before = d.call("signals.stats", {"since": "365d"})
    junk = tmp_path / "junk.mbox"
    junk.write_bytes(b"\x00\x01 this is not mail \xff")
    with pytest.raises(RemoteError) as err:
        import_file(d, junk)
    assert err.value.code == ErrorCode.INVALID_PARAMS
    assert str(junk) in err.value.message
    with pytest.raises(RemoteError) as missing:
        d.call("import.file", {"path": str(tmp_path / "nope.csv")})
    assert "no such file" in missing.value.message
    assert d.call("signals.stats", {"since": "365d"}) == before


def test_disabled_agent_proposes_nothing(with_contacts: DaemonProcess, tmp_path: Path) -> None:
    d = with_contacts
    listed = d.call("agents.configure", {"name": "reply_needed", "enabled": False})
    assert [a["enabled"] for a in listed["agents"] if a["name"] == "reply_needed"] == [False]
    write_mbox(
        tmp_path / "a.mbox",
        [
            Mail("d1@acme", DANA, OPERATOR, "Anyone there?", NOW - timedelta(hours=5)),
        ],
    )
    import_file(d, tmp_path / "a.mbox")
    assert moves_by_agent(d, "reply_needed") == []
    with pytest.raises(RemoteError) as err:
        d.call("agents.configure", {"name": "nope", "enabled": True})
    assert err.value.field == "name"


def test_crm_tasks_due_today_become_moves_and_close_when_completed(
    with_contacts: DaemonProcess, tmp_path: Path
) -> None:
    d = with_contacts
    header = "Record ID,Task Title,Due Date,Task Status,Priority,Associated Contact\n"

    def tasks_csv(status: str) -> Path:
        path = tmp_path / f"tasks-{status}.csv"
        path.write_text(
            header
            + f"501,Send renewal quote,2026-11-24 09:00,{status},High,Dana Reyes ({DANA})\n"
            + "502,Plan QBR,2026-12-09 09:00,Not started,Low,\n"
        )
        return path

    first = import_file(d, tasks_csv("Not started"))
    assert first["kind"] == "tasks_csv" and first["counts"]["tasks"] == 2
    [move] = moves_by_agent(d, "crm_tasks")
    assert move["title"] == "Task: Send renewal quote"
    assert move["why_now"].startswith("Overdue since Tue 24 Nov, 09:00")
    assert "Dana Reyes (Acme)" in move["why_now"]
    assert move["id"] in [m["id"] for m in d.call("queue.today", {})["moves"]]

    import_file(d, tasks_csv("Completed"))
    shown = d.call("queue.show", {"id": move["id"]})
    assert shown["move"]["status"] == "resolved"
    assert shown["move"]["status_reason"] == "completed in the CRM"


def test_a_colleagues_crm_task_is_not_my_move(with_contacts: DaemonProcess, tmp_path: Path) -> None:
    d = with_contacts
    path = tmp_path / "team-tasks.csv"
    path.write_text(
        "Record ID,Task Title,Due Date,Task Status,Activity assigned to\n"
        "601,Mine by name,2026-11-25 09:00,Not started,Casey Morgan\n"
        "602,Mine by email,2026-11-25 09:00,Not started,casey@northwind.example\n"
        "603,Theirs,2026-11-25 09:00,Not started,Robin Colleague\n"
        "604,Unassigned,2026-11-25 09:00,Not started,\n"
    )
    import_file(d, path)
    titles = sorted(m["title"] for m in moves_by_agent(d, "crm_tasks"))
    assert titles == ["Task: Mine by email", "Task: Mine by name", "Task: Unassigned"]


def test_free_mail_addresses_never_make_domains_internal(steady_daemon: DaemonProcess) -> None:
    # It replaces the operator of the module's daemon, which the test above never reads.
    me = steady_daemon.call(
        "operator.init", {"name": "Pat", "emails": ["pat@doe.example", "pat.doe@gmail.com"]}
    )
    assert me["internal_domains"] == ["doe.example"]
