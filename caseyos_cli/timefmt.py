"""Times for people, one way in every command: the operator's zone, relative when near.

    when(value, now, tz)    compact, for table cells and one-line summaries:
                            "now", "in 45m", "in 2h", "12m ago", "3h ago", "today 09:30",
                            "yesterday 14:05", "tomorrow 09:00", "Fri 09:00" (later this
                            week), "3d ago" (this past week), else a short date, "Mon 16 Nov"
                            ("Mon 16 Nov 2025" when it is not this year)
    exact(value, now, tz)   with the clock time always, for detail lines and history:
                            "today 09:30", "yesterday 14:05", "tomorrow 09:00",
                            "Mon 16 Nov, 09:41", "Mon 16 Nov 2025, 09:41"
    duration(seconds)       "45s", "12m", "3h 5m", "2d 4h"
    is_past(value, now)     for marking overdue items

`value` is what a result carries: an ISO 8601 string with an offset (or a datetime, or None
for "-"). `now` is the daemon's clock, which results carry (`CASEYOS_NOW` pins it), never
this process's; `tz` is the operator's IANA zone, which results carry as `timezone`.
`--json` prints the instants as they came (ISO 8601 with an offset); only people get these.

Standard library only, and day and month names are spelled out rather than taken from
strftime, which follows the process locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["day", "duration", "exact", "is_past", "parse", "short_date", "when"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Below this an age or a countdown reads faster than a clock time; above it the clock matters.
RELATIVE_SPAN = timedelta(hours=6)
# How far "3d ago" and "Fri 09:00" reach before a date says it better.
WEEK = 7

Instant = str | datetime | None
Zone = str | tzinfo


def parse(value: Instant) -> datetime | None:
    """An aware datetime from a result's value; a naive one is read as UTC, like the store."""
    if value is None or value == "":
        return None
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def _zone(tz: Zone) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _now(now: Instant) -> datetime:
    current = parse(now)
    return current if current is not None else datetime.now(UTC)


def short_date(day: date, this_year: int) -> str:
    """'Mon 16 Nov', with the year only when it is not `this_year`."""
    text = f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return text if day.year == this_year else f"{text} {day.year}"


def day(value: str | date | None, now: Instant, tz: Zone) -> str:
    """A calendar day with no time (a deal's close date) as other dates read: 'Tue 8 Dec'."""
    if not value:
        return "-"
    the_day = value if isinstance(value, date) else date.fromisoformat(value)
    return short_date(the_day, _now(now).astimezone(_zone(tz)).year)


def _clock(local: datetime, seconds: bool) -> str:
    return f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"


def when(value: Instant, now: Instant, tz: Zone) -> str:
    """Compact and relative when near, a short local date otherwise (see the module doc)."""
    instant = parse(value)
    if instant is None:
        return "-"
    current, zone = _now(now), _zone(tz)
    delta = instant - current
    if abs(delta) < timedelta(minutes=1):
        return "now"
    if abs(delta) < RELATIVE_SPAN:
        minutes = int(abs(delta) // timedelta(minutes=1))
        amount = f"{minutes}m" if minutes < 60 else f"{minutes // 60}h"
        return f"in {amount}" if delta > timedelta(0) else f"{amount} ago"
    local, today = instant.astimezone(zone), current.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        return f"today {_clock(local, False)}"
    if days == 1:
        return f"tomorrow {_clock(local, False)}"
    if days == -1:
        return f"yesterday {_clock(local, False)}"
    if 0 < days < WEEK:
        return f"{DAYS[local.weekday()]} {_clock(local, False)}"
    if -WEEK < days < 0:
        return f"{-days}d ago"
    return short_date(local.date(), today.year)


def exact(value: Instant, now: Instant, tz: Zone, *, seconds: bool = False) -> str:
    """The local day (in words when it is today, yesterday or tomorrow) and the clock time."""
    instant = parse(value)
    if instant is None:
        return "-"
    current, zone = _now(now), _zone(tz)
    local, today = instant.astimezone(zone), current.astimezone(zone).date()
    clock = _clock(local, seconds)
    days = (local.date() - today).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if days == -1:
        return f"yesterday {clock}"
    return f"{short_date(local.date(), today.year)}, {clock}"


def duration(seconds: float) -> str:
    """An elapsed time in its two largest units: '45s', '12m', '3h 5m', '2d 4h'."""
    secs = max(0, int(seconds))
    if secs < 60:
        return f"{secs}s"
    minutes, hours, days = secs // 60, secs // 3600, secs // 86400
    if hours == 0:
        return f"{minutes}m"
    if days == 0:
        rest = minutes % 60
        return f"{hours}h {rest}m" if rest else f"{hours}h"
    rest = hours % 24
    return f"{days}d {rest}h" if rest else f"{days}d"


def is_past(value: Instant, now: Instant) -> bool:
    """Whether `value` lies before `now` (by a minute or more: "now" is not overdue)."""
    instant = parse(value)
    return instant is not None and _now(now) - instant >= timedelta(minutes=1)


# The names commands used before there was one formatter; new code calls the ones above.
def rel(value: Instant, now: Instant, tz: Zone) -> str:
    return when(value, now, tz)


def local(value: Instant, tz: Zone) -> str:
    return exact(value, None, tz)
