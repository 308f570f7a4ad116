"""The demo calendar, written as a Google-Calendar-style .ics export."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.demo._clock import DemoClock, is_workday, stable_int
from connectors.demo._people import Directory, Seed

# Google exports carry this VTIMEZONE for America/New_York; parsers that do not know the TZID
# name can rebuild the zone from it.
_VTIMEZONES = {
    "America/New_York": [
        "BEGIN:VTIMEZONE",
        "TZID:America/New_York",
        "X-LIC-LOCATION:America/New_York",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "TZNAME:EDT",
        "DTSTART:19700308T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "TZNAME:EST",
        "DTSTART:19701101T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
}


def meeting_day(clock: DemoClock, spec: dict[str, Any]) -> date | None:
    """The day a seeded meeting falls on; "today" meetings are dropped on weekends."""
    offset = int(spec["workday"])
    if offset == 0 and not is_workday(clock.today):
        return None
    return clock.workday(offset)


def meeting_start(clock: DemoClock, spec: dict[str, Any]) -> datetime | None:
    day = meeting_day(clock, spec)
    if day is None:
        return None
    if spec.get("all_day"):
        return clock.at(day, 0)
    hour, minute = (int(p) for p in spec["time"].split(":"))
    return clock.at(day, hour, minute)


def _token(*parts: object, length: int = 26) -> str:
    raw = stable_int(*parts).to_bytes(8, "big") + stable_int(*parts, "more").to_bytes(8, "big")
    return base64.b32encode(raw).decode().lower().rstrip("=")[:length]


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    return f'"{value}"' if any(ch in value for ch in ',;:"') else value


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces (RFC 5545 3.1), never inside a character."""
    if len(line.encode()) <= 75:
        return line
    pieces: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


class CalendarWriter:
    def __init__(self, seed: Seed, clock: DemoClock, people: Directory):
        self.seed = seed
        self.clock = clock
        self.people = people
        self.tzid = seed["operator"]["timezone"]
        self.domain = seed["company"]["domain"]

    def render(self) -> bytes:
        lines = [
            "BEGIN:VCALENDAR",
            "PRODID:-//Quillstack//CaseyOS demo calendar 1.0//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{self.people.operator.email}",
            f"X-WR-TIMEZONE:{self.tzid}",
            *_VTIMEZONES.get(self.tzid, []),
        ]
        lines += self._recurring(self.seed["recurring"])
        for spec in self.seed["meetings"]:
            lines += self._event(spec)
        lines.append("END:VCALENDAR")
        return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()

    def _attendee_lines(self, attendees: list[list[str]], room: str | None, key: str) -> list[str]:
        op = self.people.operator
        lines = [self._attendee(op.name, op.email, "ACCEPTED")]
        for email, partstat in attendees:
            lines.append(self._attendee(self.people.get(email).name, email, partstat))
        if room:
            address = f"c_{_token(key, 'room', length=20)}@resource.calendar.{self.domain}"
            lines.append(
                f"ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
                f"CN={_param(room)};X-NUM-GUESTS=0:mailto:{address}"
            )
        return lines

    @staticmethod
    def _attendee(name: str, email: str, partstat: str) -> str:
        return (
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};"
            f"CN={_param(name)};X-NUM-GUESTS=0:mailto:{email}"
        )

    def _common(self, spec: dict[str, Any], start: datetime, created: datetime) -> list[str]:
        key = spec["key"]
        op = self.people.operator
        lines = [
            f"DTSTAMP:{_utc(self.clock.now)}",
            f"ORGANIZER;CN={_param(op.name)}:mailto:{op.email}",
            f"UID:{_token(key)}@calendar.{self.domain}",
            *self._attendee_lines(spec.get("attendees", []), spec.get("room"), key),
            f"CREATED:{_utc(created)}",
            f"DESCRIPTION:{escape_text(spec.get('description', ''))}",
            f"LAST-MODIFIED:{_utc(created)}",
        ]
        location = spec.get("location")
        if location is None and spec.get("attendees") and not spec.get("all_day"):
            location = f"https://meet.{self.domain}/{_token(key, 'meet', length=10)}"
        lines.append(f"LOCATION:{escape_text(location or '')}")
        lines += [
            "SEQUENCE:0",
            f"STATUS:{spec.get('status', 'CONFIRMED')}",
            f"SUMMARY:{escape_text(spec['title'])}",
            f"TRANSP:{'TRANSPARENT' if spec.get('all_day') else 'OPAQUE'}",
        ]
        return lines

    def _created(self, start: datetime, days_before: int) -> datetime:
        # A booking can't postdate the export; upcoming meetings were booked in the past.
        booked = start - timedelta(days=days_before)
        return min(booked, self.clock.now - timedelta(hours=2))

    def _event(self, spec: dict[str, Any]) -> list[str]:
        start = meeting_start(self.clock, spec)
        if start is None:
            return []
        created = self._created(start, int(spec.get("booked_days_before", 3)))
        if spec.get("all_day"):
            day = meeting_day(self.clock, spec)
            assert day is not None
            times = [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ]
        else:
            end = start + timedelta(minutes=int(spec["minutes"]))
            times = [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
        return ["BEGIN:VEVENT", *times, *self._common(spec, start, created), "END:VEVENT"]

    def _recurring(self, spec: dict[str, Any]) -> list[str]:
        today = self.clock.today
        monday = today - timedelta(days=today.weekday())
        first = monday - timedelta(weeks=int(spec["weeks_back"]))
        skipped = monday - timedelta(weeks=int(spec["skip_weeks_ago"]))
        hour, minute = (int(p) for p in spec["time"].split(":"))
        start = self.clock.at(first, hour, minute)
        end_local = self.clock.local(start) + timedelta(minutes=int(spec["minutes"]))
        created = self._created(start, 7)
        wall = f"T{hour:02d}{minute:02d}00"
        return [
            "BEGIN:VEVENT",
            f"DTSTART;TZID={self.tzid}:{first:%Y%m%d}{wall}",
            f"DTEND;TZID={self.tzid}:{end_local:%Y%m%dT%H%M%S}",
            "RRULE:FREQ=WEEKLY;BYDAY=MO",
            f"EXDATE;TZID={self.tzid}:{skipped:%Y%m%d}{wall}",
            *self._common(spec, start, created),
            "END:VEVENT",
        ]
