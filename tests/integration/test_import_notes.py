"""An import that keeps only part of a file says so: in the job's result and on screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import PINNED_NOW, DaemonProcess, run_cli
from tests.mailfixtures import OPERATOR

NOW = datetime.fromisoformat(PINNED_NOW)
NOTE = (
    "calendar.ics: 'Weekly sync' repeats 10 times; kept the 8 within the import window "
    "(90 days back to 180 ahead)"
)


def weekly(uid: str, title: str, start: datetime) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSUMMARY:{title}\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT30M\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=10\r\nDTSTAMP:20260801T000000Z\r\n"
        f"ORGANIZER:mailto:{OPERATOR}\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:zoe@lumen.example\r\nEND:VEVENT\r\n"
    )


def test_a_calendar_cut_to_the_import_window_says_so(
    blank_daemon: DaemonProcess, tmp_path: Path
) -> None:
    path = tmp_path / "calendar.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        # Began 100 days ago: its first two meetings are older than the window.
        + weekly("old-sync", "Weekly sync", NOW - timedelta(days=100))
        # Began three weeks ago: kept whole, nothing to say.
        + weekly("new-sync", "Design review", NOW - timedelta(weeks=3))
        + "END:VCALENDAR\r\n"
    )
    out = run_cli("import", str(path))
    assert out.returncode == 0, out.stderr
    assert "18 new meetings" in out.stdout
    lines = out.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    shown = " ".join(line.strip() for line in lines if not line.startswith("calendar.ics ("))
    assert f"note: {NOTE}" in shown
    assert "Design review" not in shown

    [job] = [j for j in blank_daemon.call("jobs.list", {})["jobs"] if j["kind"] == "import"]
    assert job["result"]["notes"] == [NOTE]
    described = run_cli("jobs", "show", job["id"])
    assert described.returncode == 0
    assert all(len(line) <= 80 for line in described.stdout.splitlines())
    assert f"note: {NOTE}" in " ".join(line.strip() for line in described.stdout.splitlines())
