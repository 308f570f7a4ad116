"""iCalendar files (a Google Calendar export) -> meetings and `meeting.booked` signals.

Parsing is left to the `icalendar` library: it unfolds continuation lines, resolves TZID
parameters (IANA names and the file's own VTIMEZONE blocks), and returns DATE values of
all-day events as `date`. Recurrences are expanded here with dateutil's rrule, in the event's
wall-clock time, so a weekly 09:30 meeting stays at 09:30 across a DST change.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from dateutil.rrule import rruleset, rrulestr
from icalendar import Calendar, Component

from connectors.addresses import normalize_email
from connectors.base import (
    AttendeeRecord,
    ImportFormatError,
    MeetingRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
)
from connectors.dates import operator_tz, start_of_day, to_utc
from connectors.files._common import SOURCE, first_line, kept_note, read_head

DEFAULT_DURATION = timedelta(minutes=30)
# Repeating meetings are expanded within this window around now: a quarter of history (as
# far back as the mail an import usually brings) and half a year ahead, so a series that
# started recently is kept whole. What falls outside is said in the import's notes.
WINDOW_BACK = timedelta(days=90)
WINDOW_AHEAD = timedelta(days=180)
WINDOW_TEXT = f"the import window ({WINDOW_BACK.days} days back to {WINDOW_AHEAD.days} ahead)"
# A runaway rule (FREQ=MINUTELY, say) must not turn one event into millions of meetings.
MAX_OCCURRENCES = 500
# Occurrences counted to say how often a finite series repeats.
COUNT_LIMIT = 10_000
# Series cut to the window named one by one; the rest are counted in one note.
NAMED_CUTS = 5

_PARTSTAT = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "tentative",
    "NEEDS-ACTION": "needsAction",
    "DELEGATED": "needsAction",
}
_STATUS = {"CONFIRMED": "confirmed", "CANCELLED": "cancelled", "TENTATIVE": "tentative"}


def check_ics(path: Path) -> None:
    head = read_head(path)
    if not head.strip():
        raise ImportFormatError("file is empty", path=str(path))
    if first_line(head).strip().upper() != b"BEGIN:VCALENDAR":
        raise ImportFormatError(
            "not an iCalendar file: first line must be BEGIN:VCALENDAR", path=str(path), line=1
        )


def parse_ics(path: Path, operator: OperatorIdentity, *, now: datetime | None = None) -> SyncBatch:
    """Meetings from every VEVENT; repeating ones expanded within the window around `now`
    (WINDOW_BACK, WINDOW_AHEAD), with a note for each series the window cut."""
    check_ics(path)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        data = path.read_bytes()
        calendars = Calendar.from_ical(data, multiple=True)
    except OSError as exc:
        raise ImportFormatError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc
    except ValueError as exc:
        raise ImportFormatError(f"not an iCalendar file: {exc}", path=str(path)) from exc
    parser = _Parser(path, operator, now)
    events = [ev for cal in calendars for ev in cal.walk("VEVENT")]
    if not events and not any(cal.name == "VCALENDAR" for cal in calendars):
        raise ImportFormatError("not an iCalendar file: no VCALENDAR found", path=str(path))
    parser.run(events)
    return parser.batch


@dataclass
class _Event:
    component: Component
    uid: str
    raw_start: date | datetime
    start: datetime
    end: datetime
    all_day: bool


class _Parser:
    def __init__(self, path: Path, operator: OperatorIdentity, now: datetime):
        self.path = path
        self.operator = operator
        self.tz = operator_tz(operator)
        self.lo = now - WINDOW_BACK
        self.hi = now + WINDOW_AHEAD
        self.batch = SyncBatch(source=SOURCE)
        self.skipped = 0  # events that could not be read
        self.cut: list[str] = []  # series the window cut, described
        self.outside = 0  # series with no occurrence within the window

    def warn(self, message: str) -> None:
        self.batch.warnings.append(f"{self.path.name}: {message}")

    def run(self, components: list[Component]) -> None:
        masters: list[_Event] = []
        overrides: dict[str, list[_Event]] = {}
        for component in components:
            event = self._event(component)
            if event is None:
                self.skipped += 1
                continue
            if component.get("RECURRENCE-ID") is not None:
                overrides.setdefault(event.uid, []).append(event)
            else:
                masters.append(event)
        recurring_uids = {m.uid for m in masters if m.component.get("RRULE") is not None}
        for master in masters:
            if master.component.get("RRULE") is None:
                self._emit(master, master.uid)
                continue
            moved = {}
            for override in overrides.get(master.uid, []):
                rid = self._recurrence_id(override)
                if rid is not None:
                    moved[rid] = override
            for start in self._occurrences(master):
                if start in moved:
                    continue
                self._emit(master, f"{master.uid}#{start.isoformat()}", start=start)
            for rid, override in moved.items():
                if self.lo <= rid <= self.hi or self.lo <= override.start <= self.hi:
                    self._emit(override, f"{master.uid}#{rid.isoformat()}")
        for uid, orphans in overrides.items():
            if uid in recurring_uids:
                continue
            # An instance exported without its series: keep it as a one-off.
            for orphan in orphans:
                rid = self._recurrence_id(orphan)
                self._emit(orphan, f"{uid}#{(rid or orphan.start).isoformat()}")
        self._notes(len(components))

    def _notes(self, events: int) -> None:
        """What the import keeps of the file, where it is not everything."""
        name = self.path.name
        notes = [f"{name}: {text}" for text in self.cut[:NAMED_CUTS]]
        if len(self.cut) > NAMED_CUTS:
            more = len(self.cut) - NAMED_CUTS
            notes.append(f"{name}: {more:,} more repeating events were cut to {WINDOW_TEXT}")
        if self.outside == 1:
            notes.append(
                f"{name}: 1 repeating event falls wholly outside {WINDOW_TEXT}; none of its "
                "meetings were kept"
            )
        elif self.outside:
            notes.append(
                f"{name}: {self.outside:,} repeating events fall wholly outside {WINDOW_TEXT}; "
                "none of their meetings were kept"
            )
        if self.skipped:
            notes.append(kept_note(name, events - self.skipped, events, "events"))
        self.batch.remarks += notes

    def _event(self, component: Component) -> _Event | None:
        summary = _text(component.get("SUMMARY")) or "(no title)"
        try:
            prop = component.get("DTSTART")
            if prop is None:
                self.warn(f"skipped event {summary!r}: no start time (DTSTART)")
                return None
            if type(prop).__name__ == "vBroken":
                # icalendar keeps values it could not parse as "broken" properties.
                self.warn(f"skipped event {summary!r}: start time {str(prop)!r} is not a date")
                return None
            raw_start = prop.dt
            if isinstance(raw_start, datetime):
                start, all_day = to_utc(raw_start, self.tz), False
            elif isinstance(raw_start, date):
                start, all_day = start_of_day(raw_start, self.tz), True
            else:
                self.warn(f"skipped event {summary!r}: start {raw_start!r} is not a date")
                return None
            end = self._end(component, raw_start, start, all_day)
        except Exception as exc:
            # Other unreadable values (an end time, a duration) raise on access.
            self.warn(f"skipped event {summary!r}: {exc}")
            return None
        if end < start:
            self.warn(f"event {summary!r} ends before it starts; using a 30-minute meeting")
            end = start + DEFAULT_DURATION
        uid = _text(component.get("UID"))
        if not uid:
            basis = f"{summary}|{start.isoformat()}|{_text(component.get('ORGANIZER'))}"
            uid = "caseyos-" + hashlib.sha256(basis.encode()).hexdigest()[:24]
        return _Event(component, uid, raw_start, start, end, all_day)

    def _end(
        self, component: Component, raw_start: date | datetime, start: datetime, all_day: bool
    ) -> datetime:
        dtend = component.get("DTEND")
        if dtend is not None:
            raw_end = dtend.dt
            if isinstance(raw_end, datetime):
                return to_utc(raw_end, self.tz)
            return start_of_day(raw_end, self.tz)
        duration = component.get("DURATION")
        if duration is not None and isinstance(duration.dt, timedelta):
            if all_day and not isinstance(raw_start, datetime):
                days = max(duration.dt.days, 1)
                return start_of_day(raw_start + timedelta(days=days), self.tz)
            return start + duration.dt
        if all_day and not isinstance(raw_start, datetime):
            return start_of_day(raw_start + timedelta(days=1), self.tz)
        return start + DEFAULT_DURATION

    def _event_tz(self, event: _Event) -> tzinfo:
        if isinstance(event.raw_start, datetime) and event.raw_start.tzinfo is not None:
            return event.raw_start.tzinfo
        return self.tz

    def _wall(self, value: date | datetime, event: _Event) -> datetime:
        """`value` as naive wall-clock time in the event's zone, the frame rrule works in."""
        tz = self._event_tz(event)
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                return value.astimezone(tz).replace(tzinfo=None)
            return value
        start_time = event.raw_start.time() if isinstance(event.raw_start, datetime) else time()
        return datetime.combine(value, start_time)

    def _recurrence_id(self, event: _Event) -> datetime | None:
        prop = event.component.get("RECURRENCE-ID")
        try:
            value = prop.dt
        except Exception:
            return None
        if isinstance(value, datetime):
            return to_utc(value, self._event_tz(event))
        if isinstance(value, date):
            return to_utc(self._wall(value, event), self._event_tz(event))
        return None

    def _occurrences(self, event: _Event) -> list[datetime]:
        tz = self._event_tz(event)
        dtstart = self._wall(event.raw_start, event)
        rules = event.component.get("RRULE")
        try:
            rset = rruleset()
            for rule in rules if isinstance(rules, list) else [rules]:
                text = rule.to_ical().decode()
                # UNTIL is applied separately: rrule rejects a UTC UNTIL with a naive start.
                without_until = re.sub(r"(^|;)UNTIL=[^;]*", "", text).strip(";")
                parsed = rrulestr(without_until, dtstart=dtstart)
                until = rule.get("UNTIL")
                if until:
                    value = until[0]
                    if isinstance(value, datetime):
                        limit = self._wall(value, event)
                    else:
                        limit = datetime.combine(value, time(23, 59, 59))
                    parsed = parsed.replace(until=limit)
                rset.rrule(parsed)
            for value in _date_values(event.component, "RDATE"):
                rset.rdate(self._wall(value, event))
            for value in _date_values(event.component, "EXDATE"):
                rset.exdate(self._wall(value, event))
        except Exception as exc:
            self.warn(
                f"event {event.uid}: could not expand its repeat rule ({exc}); "
                "imported the first occurrence only"
            )
            return [event.start] if self.lo <= event.start <= self.hi else []
        # Compare in UTC at the end; the naive bounds are padded for zone offsets.
        lo = self.lo.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        hi = self.hi.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        first = next(iter(rset), None)
        left_out = first is not None and first < lo
        starts: list[datetime] = []
        for wall in itertools.islice(rset.xafter(lo, inc=True), MAX_OCCURRENCES + 1):
            if wall > hi:
                left_out = True
                break
            if len(starts) == MAX_OCCURRENCES:
                title = _text(event.component.get("SUMMARY")) or event.uid
                self.cut.append(
                    f"{title!r} repeats more often than an import keeps; kept its first "
                    f"{MAX_OCCURRENCES} within {WINDOW_TEXT}"
                )
                return starts
            start = wall.replace(tzinfo=tz).astimezone(UTC)
            if self.lo <= start <= self.hi:
                starts.append(start)
            else:
                left_out = True
        if left_out:
            self._cut(event, rset, len(starts))
        return starts

    def _cut(self, event: _Event, rset: rruleset, kept: int) -> None:
        """Note a series only part of which (or none) falls within the window."""
        if not kept:
            self.outside += 1
            return
        title = _text(event.component.get("SUMMARY")) or event.uid
        rules = event.component.get("RRULE")
        finite = all(
            rule.get("COUNT") or rule.get("UNTIL")
            for rule in (rules if isinstance(rules, list) else [rules])
        )
        if finite:
            total = sum(1 for _ in itertools.islice(rset, COUNT_LIMIT + 1))
            if total > COUNT_LIMIT:
                how = f"more than {COUNT_LIMIT:,} times"
            else:
                how = "once" if total == 1 else f"{total:,} times"
        else:
            how = "without end"
        which = "the one" if kept == 1 else f"the {kept:,}"
        self.cut.append(f"{title!r} repeats {how}; kept {which} within {WINDOW_TEXT}")

    def _emit(self, event: _Event, uid: str, *, start: datetime | None = None) -> None:
        component = event.component
        begin = start or event.start
        end = begin + (event.end - event.start)
        status = _STATUS.get(_text(component.get("STATUS")).upper(), "confirmed")
        attendees = self._attendees(component)
        meeting = MeetingRecord(
            uid=uid,
            title=_text(component.get("SUMMARY")) or "(no title)",
            start_at=begin,
            end_at=end,
            organizer=normalize_email(_text(component.get("ORGANIZER"))),
            attendees=attendees,
            location=_text(component.get("LOCATION")) or None,
            description=_text(component.get("DESCRIPTION")) or None,
            status=status,
        )
        self.batch.meetings.append(meeting)
        external = [a for a in attendees if not self.operator.is_internal(a.email)]
        if status != "confirmed" or not external:
            return
        self.batch.signals.append(
            SignalRecord(
                kind="meeting.booked",
                occurred_at=self._booked_at(component, begin),
                dedup_key=f"meeting.booked:{uid}",
                payload={
                    "title": meeting.title,
                    "start_at": begin.isoformat(),
                    "attendees": [a.email for a in attendees],
                },
                contact_email=external[0].email,
                meeting_uid=uid,
            )
        )

    def _booked_at(self, component: Component, start: datetime) -> datetime:
        for name in ("CREATED", "DTSTAMP"):
            prop = component.get(name)
            if prop is None:
                continue
            try:
                value = prop.dt
            except Exception:
                continue
            if isinstance(value, datetime):
                return to_utc(value, UTC)
        return start - timedelta(days=7)

    def _attendees(self, component: Component) -> list[AttendeeRecord]:
        raw = component.get("ATTENDEE")
        if raw is None:
            return []
        attendees: list[AttendeeRecord] = []
        seen: set[str] = set()
        for attendee in raw if isinstance(raw, list) else [raw]:
            params = getattr(attendee, "params", {})
            # Rooms and equipment are booked as attendees but are nobody to talk to.
            if str(params.get("CUTYPE", "INDIVIDUAL")).upper() in {"ROOM", "RESOURCE"}:
                continue
            address = normalize_email(str(attendee)) or normalize_email(
                str(params.get("EMAIL", ""))
            )
            if address is None or address in seen:
                continue
            seen.add(address)
            partstat = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
            attendees.append(
                AttendeeRecord(
                    email=address,
                    name=_text(params.get("CN")) or None,
                    response_status=_PARTSTAT.get(partstat, "needsAction"),
                )
            )
        return attendees


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).strip()


def _date_values(component: Component, name: str) -> list[date | datetime]:
    raw = component.get(name)
    if raw is None:
        return []
    values: list[date | datetime] = []
    for prop in raw if isinstance(raw, list) else [raw]:
        for item in getattr(prop, "dts", []):
            value = item.dt
            if isinstance(value, tuple):  # RDATE periods: (start, end or duration)
                value = value[0]
            if isinstance(value, date):
                values.append(value)
    return values
