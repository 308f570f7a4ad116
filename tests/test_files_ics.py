"""iCalendar files: event fields, signals, time zones, recurrence, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import ImportFormatError
from connectors.files import detect_kind, parse_file
from tests.files_helpers import OPERATOR, write

NY = ZoneInfo("America/New_York")


def ics(*events: str, extra: str = "") -> str:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{extra}{body}END:VCALENDAR\r\n"


def vevent(lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + lines.strip().replace("\n", "\r\n") + "\r\nEND:VEVENT\r\n"


NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def test_ics_event_fields_and_signal(tmp_path: Path) -> None:
    event = vevent(
        """
UID:evt-1@example
DTSTART:20261117T150000Z
DTEND:20261117T154500Z
DTSTAMP:20261116T120000Z
CREATED:20261110T080000Z
SUMMARY:Acme Robotics: discovery call about the month-end close and what a pilot wo
 uld look like
ORGANIZER;CN=Casey:mailto:Casey@Quill.example
ATTENDEE;CN=Casey;PARTSTAT=ACCEPTED:mailto:casey@quill.example
ATTENDEE;CN=Dana Reyes;PARTSTAT=ACCEPTED:mailto:Dana@Acme.example
ATTENDEE;CN=Bo;PARTSTAT=DECLINED:mailto:bo@acme.example
ATTENDEE;PARTSTAT=TENTATIVE:mailto:cy@acme.example
ATTENDEE:mailto:di@acme.example
ATTENDEE;CUTYPE=RESOURCE;CN=Room 4;PARTSTAT=ACCEPTED:mailto:room4@resource.quill.example
LOCATION:Room 4\\, 5th floor
DESCRIPTION:Agenda:\\n1. Close process\\n2. Pilot
STATUS:CONFIRMED
"""
    )
    path = write(tmp_path, "cal.ics", ics(event))
    assert detect_kind(path) == "ics"
    batch = parse_file(path, OPERATOR, now=NOW)
    assert batch.warnings == []
    (meeting,) = batch.meetings
    assert meeting.uid == "evt-1@example"
    # Folded continuation lines are joined.
    assert meeting.title == (
        "Acme Robotics: discovery call about the month-end close and what a pilot would look like"
    )
    assert meeting.start_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    assert meeting.end_at == datetime(2026, 11, 17, 15, 45, tzinfo=UTC)
    assert meeting.organizer == "casey@quill.example"
    assert [(a.email, a.name, a.response_status) for a in meeting.attendees] == [
        ("casey@quill.example", "Casey", "accepted"),
        ("dana@acme.example", "Dana Reyes", "accepted"),
        ("bo@acme.example", "Bo", "declined"),
        ("cy@acme.example", None, "tentative"),
        ("di@acme.example", None, "needsAction"),
    ]
    assert meeting.location == "Room 4, 5th floor"
    assert meeting.description == "Agenda:\n1. Close process\n2. Pilot"
    assert meeting.status == "confirmed"
    (signal,) = batch.signals
    assert signal.kind == "meeting.booked"
    assert signal.dedup_key == "meeting.booked:evt-1@example"
    assert signal.occurred_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert signal.contact_email == "dana@acme.example"
    assert signal.meeting_uid == "evt-1@example"
    assert signal.payload == {
        "title": meeting.title,
        "start_at": "2026-11-17T15:00:00+00:00",
        "attendees": [a.email for a in meeting.attendees],
    }


def test_ics_signal_rules(tmp_path: Path) -> None:
    internal = vevent(
        """
UID:internal
DTSTART:20261117T150000Z
ATTENDEE:mailto:casey@quill.example
ATTENDEE:mailto:riley@quill.example
"""
    )
    cancelled = vevent(
        """
UID:cancelled
DTSTART:20261118T150000Z
DTSTAMP:20261101T000000Z
STATUS:CANCELLED
ATTENDEE:mailto:dana@acme.example
"""
    )
    stamp_only = vevent(
        """
UID:stamp
DTSTART:20261119T150000Z
DTSTAMP:20261112T000000Z
ATTENDEE:mailto:dana@acme.example
"""
    )
    no_dates = vevent(
        """
UID:nodates
DTSTART:20261120T150000Z
ATTENDEE:mailto:dana@acme.example
"""
    )
    batch = parse_file(
        write(tmp_path, "c.ics", ics(internal, cancelled, stamp_only, no_dates)), OPERATOR, now=NOW
    )
    meetings = {m.uid: m for m in batch.meetings}
    assert meetings["cancelled"].status == "cancelled"
    # No DTEND: 30 minutes.
    assert meetings["internal"].end_at - meetings["internal"].start_at == timedelta(minutes=30)
    signals = {s.meeting_uid: s for s in batch.signals}
    assert set(signals) == {"stamp", "nodates"}
    assert signals["stamp"].occurred_at == datetime(2026, 11, 12, tzinfo=UTC)
    assert signals["nodates"].occurred_at == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)


def test_ics_timezones_and_all_day(tmp_path: Path) -> None:
    events = [
        vevent(
            """
UID:berlin
DTSTART;TZID=Europe/Berlin:20261117T100000
DTEND;TZID=Europe/Berlin:20261117T110000
"""
        ),
        vevent(
            """
UID:floating
DTSTART:20261117T100000
DURATION:PT1H
"""
        ),
        vevent(
            """
UID:allday
DTSTART;VALUE=DATE:20261118
DTEND;VALUE=DATE:20261119
SUMMARY:Offsite
"""
        ),
        vevent(
            """
UID:allday-noend
DTSTART;VALUE=DATE:20261120
"""
        ),
        vevent(
            """
UID:custom-tz
DTSTART;TZID=Eastern Standard Time:20261117T090000
DTEND;TZID=Eastern Standard Time:20261117T093000
"""
        ),
    ]
    vtimezone = (
        "BEGIN:VTIMEZONE\r\nTZID:Eastern Standard Time\r\nBEGIN:STANDARD\r\n"
        "DTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
        "DTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
    )
    batch = parse_file(write(tmp_path, "c.ics", ics(*events, extra=vtimezone)), OPERATOR, now=NOW)
    assert batch.warnings == []
    m = {x.uid: x for x in batch.meetings}
    assert m["berlin"].start_at == datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
    assert m["berlin"].end_at == datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
    # Floating times are the operator's wall clock.
    assert m["floating"].start_at == datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
    assert m["floating"].end_at == datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert m["allday"].start_at == datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    assert m["allday"].end_at == datetime(2026, 11, 19, 5, 0, tzinfo=UTC)
    assert m["allday-noend"].end_at - m["allday-noend"].start_at == timedelta(days=1)
    assert m["custom-tz"].start_at == datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    for meeting in batch.meetings:
        assert meeting.start_at.utcoffset() == timedelta(0)


def test_ics_recurrence_exdate_window_and_dst(tmp_path: Path) -> None:
    weekly = vevent(
        """
UID:weekly
DTSTART;TZID=America/New_York:20260907T093000
DTEND;TZID=America/New_York:20260907T100000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=America/New_York:20261102T093000
EXDATE;TZID=America/New_York:20261123T093000
SUMMARY:Pipeline review
ATTENDEE:mailto:riley@quill.example
"""
    )
    until = vevent(
        """
UID:until
DTSTART;TZID=America/New_York:20261110T160000
RRULE:FREQ=DAILY;UNTIL=20261112T210000Z
ATTENDEE:mailto:dana@acme.example
CREATED:20261101T000000Z
"""
    )
    moved = vevent(
        """
UID:weekly
RECURRENCE-ID;TZID=America/New_York:20261109T093000
DTSTART;TZID=America/New_York:20261110T140000
DTEND;TZID=America/New_York:20261110T143000
SUMMARY:Pipeline review (moved)
"""
    )
    path = write(tmp_path, "c.ics", ics(moved, weekly, until))
    batch = parse_file(path, OPERATOR, now=NOW)
    assert batch.warnings == []
    weekly_starts = sorted(
        m.start_at for m in batch.meetings if m.uid.startswith("weekly#") and "moved" not in m.title
    )
    local = [s.astimezone(NY) for s in weekly_starts]
    # The window is Aug 18 - May 15: every Monday from the first, Sep 7, to May 10; Nov 2
    # and Nov 23 are excluded, Nov 9 was moved.
    mondays = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(36)]
    assert mondays[-1] == date(2027, 5, 10)
    gone = {date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 23)}
    assert [d.date() for d in local] == [d for d in mondays if d not in gone]
    # 09:30 on the wall clock on both sides of the November 1 and March 14 DST changes.
    assert {(d.hour, d.minute) for d in local} == {(9, 30)}
    hours = {d.date(): s.hour for d, s in zip(local, weekly_starts, strict=True)}
    assert hours[date(2026, 9, 7)] == hours[date(2027, 5, 10)] == 13
    assert hours[date(2026, 12, 7)] == 14
    # The series goes on past the window: the import says how much of it it kept.
    assert batch.remarks == [
        "c.ics: 'Pipeline review' repeats without end; kept the 34 within the import "
        "window (90 days back to 180 ahead)"
    ]
    uids = {m.uid for m in batch.meetings}
    assert "weekly#2026-10-19T13:30:00+00:00" in uids
    (moved_meeting,) = [m for m in batch.meetings if "moved" in m.title]
    assert moved_meeting.uid == "weekly#2026-11-09T14:30:00+00:00"
    assert moved_meeting.start_at == datetime(2026, 11, 10, 19, 0, tzinfo=UTC)
    until_starts = sorted(m.start_at for m in batch.meetings if m.uid.startswith("until#"))
    assert [s.astimezone(NY).day for s in until_starts] == [10, 11, 12]
    signal_uids = {s.meeting_uid for s in batch.signals}
    assert signal_uids == {m.uid for m in batch.meetings if m.uid.startswith("until#")}


def test_ics_all_day_recurrence(tmp_path: Path) -> None:
    event = vevent(
        """
UID:payday
DTSTART;VALUE=DATE:20261101
RRULE:FREQ=MONTHLY;BYMONTHDAY=1;COUNT=24
EXDATE;VALUE=DATE:20261201
"""
    )
    batch = parse_file(write(tmp_path, "c.ics", ics(event)), OPERATOR, now=NOW)
    starts = [m.start_at for m in batch.meetings]
    # Midnight EDT, then EST; Dec 1 is excluded, and the window ends on May 15.
    assert starts == [
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        *(datetime(2027, month, 1, 5, 0, tzinfo=UTC) for month in (1, 2, 3)),
        *(datetime(2027, month, 1, 4, 0, tzinfo=UTC) for month in (4, 5)),
    ]
    assert batch.remarks == [
        "c.ics: 'payday' repeats 23 times; kept the 6 within the import window (90 days "
        "back to 180 ahead)"
    ]


def test_ics_bad_events_are_skipped(tmp_path: Path) -> None:
    events = [
        vevent("UID:nostart\nSUMMARY:No start"),
        vevent("UID:broken\nDTSTART:tomorrow-ish\nSUMMARY:Broken"),
        vevent("UID:ok\nDTSTART:20261117T150000Z\nSUMMARY:Fine"),
        vevent("UID:badrule\nDTSTART:20261117T150000Z\nRRULE:FREQ=SOMETIMES\nSUMMARY:Odd"),
    ]
    batch = parse_file(write(tmp_path, "c.ics", ics(*events)), OPERATOR, now=NOW)
    # An unreadable repeat rule keeps the first occurrence rather than losing the event.
    assert [m.uid for m in batch.meetings] == ["ok", "badrule#2026-11-17T15:00:00+00:00"]
    assert batch.warnings == [
        "c.ics: skipped event 'No start': no start time (DTSTART)",
        "c.ics: skipped event 'Broken': start time 'tomorrow-ish' is not a date",
        "c.ics: event badrule: could not expand its repeat rule (invalid 'FREQ': SOMETIMES); "
        "imported the first occurrence only",
    ]
    assert batch.remarks == ["c.ics: kept 2 of 4 events; 2 skipped (see the warnings)"]


def weekly(uid: str, title: str, start: datetime, rule: str) -> str:
    return vevent(
        f"""
UID:{uid}
SUMMARY:{title}
DTSTART:{start:%Y%m%dT%H%M%SZ}
DURATION:PT30M
RRULE:{rule}
"""
    )


def test_ics_a_weekly_series_of_ten_that_started_recently_is_kept_whole(tmp_path: Path) -> None:
    # Three weeks in: seven meetings ahead, the last nine weeks after the first.
    start = datetime(2026, 10, 26, 15, tzinfo=UTC)
    path = write(
        tmp_path, "calendar.ics", ics(weekly("sync", "Weekly sync", start, "FREQ=WEEKLY;COUNT=10"))
    )
    batch = parse_file(path, OPERATOR, now=NOW)
    assert [m.start_at for m in batch.meetings] == [start + timedelta(weeks=n) for n in range(10)]
    assert batch.remarks == []


def test_ics_a_series_cut_by_the_window_says_so(tmp_path: Path) -> None:
    events = [
        # 100 days ago: the first two of ten weekly meetings are older than the window.
        weekly("old", "Weekly sync", NOW - timedelta(days=100), "FREQ=WEEKLY;COUNT=10"),
        weekly(
            "until", "Board prep", NOW - timedelta(days=120), "FREQ=MONTHLY;UNTIL=20270301T000000Z"
        ),
        # Ended long before the window: nothing of them is kept.
        weekly("gone1", "Old standup", datetime(2024, 1, 8, 14, tzinfo=UTC), "FREQ=DAILY;COUNT=30"),
        weekly("gone2", "Old review", datetime(2024, 3, 4, 14, tzinfo=UTC), "FREQ=WEEKLY;COUNT=4"),
        # Every hour: more than an import keeps.
        weekly("hourly", "Ping", NOW - timedelta(days=1), "FREQ=HOURLY"),
    ]
    batch = parse_file(write(tmp_path, "calendar.ics", ics(*events)), OPERATOR, now=NOW)
    by_series = {
        uid: sum(m.uid.startswith(uid + "#") for m in batch.meetings)
        for uid in ("old", "until", "gone1", "gone2", "hourly")
    }
    assert by_series == {"old": 8, "until": 7, "gone1": 0, "gone2": 0, "hourly": 500}
    window = "the import window (90 days back to 180 ahead)"
    assert batch.remarks == [
        f"calendar.ics: 'Weekly sync' repeats 10 times; kept the 8 within {window}",
        f"calendar.ics: 'Board prep' repeats 8 times; kept the 7 within {window}",
        f"calendar.ics: 'Ping' repeats more often than an import keeps; kept its first 500 "
        f"within {window}",
        f"calendar.ics: 2 repeating events fall wholly outside {window}; none of their "
        "meetings were kept",
    ]
    assert batch.warnings == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"BEGIN:VCARD\r\nEND:VCARD\r\n", "not an iCalendar file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\x00\r\n", "not an iCalendar file"),
    ],
)
def test_ics_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, "cal.ics", content)
    with pytest.raises(ImportFormatError, match=message):
        parse_file(path, OPERATOR, now=NOW)
