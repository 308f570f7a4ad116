"""Turns what an operator types into instants (showing them is caseyos_cli.timefmt's job).

This is the only place that interprets human time. The daemon owns the one clock, so every
function takes `now` (aware) and the operator's IANA zone as parameters and nothing here reads
the real clock; tests pin both. Every instant returned is an aware datetime in UTC.

Wall-clock times are resolved in the operator's zone with zoneinfo's fold=0 rule: a local time
that falls in a spring-forward gap moves forward by the length of the gap (02:30 becomes 03:30),
and a local time that occurs twice at fall-back means its first occurrence.

Durations in minutes and hours are elapsed time; durations in days and weeks keep the local
wall-clock time, so "in 1d" at 12:00 is 12:00 tomorrow even when a DST change lies between.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "MAX_AHEAD",
    "TimeParseError",
    "add_business_days",
    "business_days_between",
    "end_of_day",
    "end_of_next_working_day",
    "parse_since",
    "parse_when",
    "start_of_day",
]

WHEN_EXAMPLES: tuple[str, ...] = ("tomorrow 9am", "mon", "in 2h", "2026-12-01 14:00")
SINCE_EXAMPLES: tuple[str, ...] = ("7d", "24h", "yesterday", "mon", "2026-11-01")

# "today" means "by the end of the working day", not "at the start of it".
END_OF_WORKDAY = time(17)
EVENING = time(20)
MIDNIGHT = time(0)
# Two years including one leap day; anything farther is far more likely a typo than a plan.
MAX_AHEAD = timedelta(days=731)
# Long enough for any real input; stops pathological strings from costing anything.
MAX_INPUT_CHARS = 64

_WEEKDAYS: dict[str, int] = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
# unit -> (seconds per unit, whether it counts local calendar days rather than elapsed time)
_UNITS: dict[str, tuple[int, bool]] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), (_MINUTE, False)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), (_HOUR, False)),
    **dict.fromkeys(("d", "day", "days"), (_DAY, True)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), (7 * _DAY, True)),
}

# re.ASCII everywhere: \d and friends would otherwise accept non-ASCII digits that
# date.fromisoformat then rejects with a confusing message.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[t ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:z|[+-][0-9]{2}:?[0-9]{2})?",
    re.ASCII,
)
_CLOCK_12 = re.compile(r"(?P<h>[0-9]{1,2})(?::(?P<m>[0-9]{2}))? ?(?P<half>[ap])\.?m\.?", re.ASCII)
_CLOCK_24 = re.compile(r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})", re.ASCII)
_DURATION = re.compile(
    r"(?P<ahead>in )?(?P<neg>- ?)?(?P<n>[0-9]+) ?(?P<unit>[a-z]+)(?P<ago> ago)?", re.ASCII
)


class TimeParseError(ValueError):
    """What the operator typed is not a time this module understands.

    The message is meant to be shown to the operator as is: it quotes the input, says what
    was wrong when that is known, and gives examples that would have worked.
    """

    def __init__(self, message: str, *, text: str = "") -> None:
        super().__init__(message)
        self.text = text


class _Reject(Exception):
    """Raised by the inner parsers when they recognise the shape but not the value.

    Kept separate from TimeParseError so the inner parsers need not know the original text
    or which examples to suggest.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Refuse(_Reject):
    """The text was understood, but the time it means is not allowed here: `reason` says
    how it is wrong ("in the past"), and the message says so rather than "could not
    understand"."""


def _error(text: str, examples: tuple[str, ...], reason: str | None = None) -> TimeParseError:
    shown = text.strip()
    detail = f": {reason}" if reason else ""
    tries = ", ".join(f"'{example}'" for example in examples)
    return TimeParseError(
        f"could not understand {shown!r} as a time{detail}; try {tries}", text=shown
    )


def _refused(text: str, examples: tuple[str, ...], reason: str) -> TimeParseError:
    shown = text.strip()
    tries = ", ".join(f"'{example}'" for example in examples)
    return TimeParseError(f"{shown!r} is {reason}; try {tries}", text=shown)


def _require_aware(value: datetime, name: str) -> None:
    # A naive datetime here is a programming error, not operator input, so it is a plain
    # ValueError rather than a TimeParseError that a CLI would show as a typing mistake.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def _normalize(text: str) -> str:
    return " ".join(text.lower().split())


def _localize(day: date, clock: time, tz: ZoneInfo) -> datetime:
    # fold=0 is what gives the documented DST behaviour: in a gap zoneinfo applies the offset
    # from before the transition, which lands after the gap; in an overlap it is the first.
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def _shift(now: datetime, count: int, unit: tuple[int, bool], tz: ZoneInfo) -> datetime:
    seconds, calendar = unit
    if count == 0:
        return now
    if not calendar:
        return now + timedelta(seconds=count * seconds)
    local = now.astimezone(tz)
    return _localize(local.date() + timedelta(days=count * seconds // _DAY), local.time(), tz)


def _parse_clock(text: str) -> time | None:
    """A time of day, or None when the text does not look like one at all."""
    if text == "noon":
        return time(12)
    if text == "midnight":
        return MIDNIGHT
    match = _CLOCK_12.fullmatch(text)
    if match:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise _Reject(f"{text!r} is not a time of day")
        return time(hour % 12 + (12 if match["half"] == "p" else 0), minute)
    match = _CLOCK_24.fullmatch(text)
    if match:
        hour, minute = int(match["h"]), int(match["m"])
        if hour > 23 or minute > 59:
            raise _Reject(f"{text!r} is not a time of day")
        return time(hour, minute)
    return None


def _parse_iso_date(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Reject(f"{text!r} is not a valid date") from None


def _parse_iso_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    if not _ISO_DATETIME.fullmatch(text):
        return None
    try:
        # Upper-cased because input was lower-cased and fromisoformat wants "T" and "Z".
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        raise _Reject(f"{text!r} is not a valid date and time") from None
    if parsed.tzinfo is None:
        return _localize(parsed.date(), parsed.time(), tz)
    return parsed.astimezone(UTC)


def _weekday(text: str, prefix: str) -> int | None:
    return _WEEKDAYS.get(text.removeprefix(prefix))


def _next_weekday(today: date, weekday: int) -> date:
    # Strictly after today: on a Monday, "mon" means a week from today.
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _previous_weekday(today: date, weekday: int) -> date:
    # Strictly before today: on a Monday, "mon" means a week ago.
    return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)


def _parse_day(text: str, today: date) -> date | None:
    """A calendar day that parse_when can attach a time to, or None."""
    if text == "today":
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if text == "next week":
        return _next_weekday(today, 0)
    weekday = _weekday(text, "next ")
    if weekday is not None:
        return _next_weekday(today, weekday)
    return _parse_iso_date(text)


def _parse_day_and_clock(text: str, today: date, tz: ZoneInfo) -> datetime | None:
    """A day and a time in either order: "tomorrow 9am", "mon at 14:30", "3pm on fri"."""
    words = text.split(" ")
    for cut in range(1, len(words)):
        head, tail = " ".join(words[:cut]), words[cut:]
        day = _parse_day(head, today)
        if day is not None:
            rest = tail[1:] if tail[0] == "at" else tail
            clock = _parse_clock(" ".join(rest)) if rest else None
            if clock is not None:
                return _localize(day, clock, tz)
        clock = _parse_clock(head)
        if clock is not None:
            rest = tail[1:] if tail[0] == "on" else tail
            day = _parse_day(" ".join(rest), today) if rest else None
            if day is not None:
                return _localize(day, clock, tz)
    return None


def _parse_duration(text: str) -> tuple[int, tuple[int, bool], bool, bool] | None:
    """(count, unit, said "in", said "ago") for "in 2h", "90m", "3 days ago"; else None."""
    match = _DURATION.fullmatch(text)
    if not match:
        return None
    if match["neg"]:
        raise _Reject("durations cannot be negative")
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise _Reject(f"unknown unit {match['unit']!r} (use m, h, d or w)")
    return int(match["n"]), unit, bool(match["ahead"]), bool(match["ago"])


def _check_input(text: str) -> None:
    if not text:
        raise _Reject("nothing was given")
    if len(text) > MAX_INPUT_CHARS:
        raise _Reject("that is too long")


def _when(text: str, now: datetime, tz: ZoneInfo, default: time) -> datetime | None:
    _check_input(text)
    today = _local_today(now, tz)

    if text == "now":
        return now
    # Words --since takes: understood, and always behind us.
    if text == "yesterday" or (text.startswith("last ") and _weekday(text, "last ") is not None):
        raise _Refuse("in the past")
    if text in ("today", "tonight"):
        # Once the hour has passed the operator still means "today", so the nearest honest
        # answer is now rather than rolling over to tomorrow.
        target = _localize(today, END_OF_WORKDAY if text == "today" else EVENING, tz)
        return target if target > now else now

    instant = _parse_iso_datetime(text, tz)
    if instant is not None:
        return instant

    clock = _parse_clock(text.removeprefix("at "))
    if clock is not None:
        target = _localize(today, clock, tz)
        return target if target > now else _localize(today + timedelta(days=1), clock, tz)

    duration = _parse_duration(text)
    if duration is not None:
        count, unit, _, ago = duration
        if ago:
            raise _Refuse("in the past")
        # Checked before any arithmetic so a huge count is a clear message, not an overflow.
        if count * unit[0] > MAX_AHEAD.total_seconds():
            raise _Refuse("more than 2 years away")
        return _shift(now, count, unit, tz)

    day = _parse_day(text, today)
    if day is not None:
        return _localize(day, default, tz)

    return _parse_day_and_clock(text, today, tz)


def _since(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    _check_input(text)
    today = _local_today(now, tz)

    # Words --until and --due take: understood, and always ahead of us.
    if text in ("tomorrow", "tonight", "next week") or (
        text.startswith("next ") and _weekday(text, "next ") is not None
    ):
        raise _Refuse("in the future")

    if text == "today":
        return _localize(today, MIDNIGHT, tz)
    if text == "yesterday":
        return _localize(today - timedelta(days=1), MIDNIGHT, tz)

    weekday = _weekday(text, "last ")
    if weekday is not None:
        return _localize(_previous_weekday(today, weekday), MIDNIGHT, tz)

    instant = _parse_iso_datetime(text, tz)
    if instant is None:
        day = _parse_iso_date(text)
        instant = None if day is None else _localize(day, MIDNIGHT, tz)
    if instant is not None:
        if instant > now:
            raise _Refuse("in the future")
        return instant

    duration = _parse_duration(text)
    if duration is not None:
        count, unit, ahead, _ = duration
        if ahead:
            raise _Refuse("in the future")
        return _shift(now, -count, unit, tz)

    return None


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, default_hour: int = 9) -> datetime:
    """The instant meant by `text` for options like --until and --due, as aware UTC.

    Accepts "now", "today" (17:00 local, or now once that has passed), "tonight" (20:00
    local, or now), "tomorrow", weekday names ("mon", "monday", "next mon": the next such
    day strictly after today), "next week" (next Monday), ISO dates and datetimes (naive
    means local; a date alone means `default_hour` local), bare times ("3pm", "15:00",
    "noon": today if still ahead, else tomorrow), a day plus a time ("tomorrow 9am",
    "fri at 16:00", "9am mon"), and durations ("in 2h", "90m", "3 days", "1w").

    An explicit date or "today <time>" may lie in the past; the caller decides whether
    that is acceptable. Anything more than two years from `now` is rejected.
    """
    _require_aware(now, "now")
    if not 0 <= default_hour <= 23:
        raise ValueError(f"default_hour must be 0-23, got {default_hour}")
    now = now.astimezone(UTC)
    try:
        result = _when(_normalize(text), now, tz, time(default_hour))
    except _Refuse as exc:
        raise _refused(text, WHEN_EXAMPLES, exc.reason) from None
    except _Reject as exc:
        raise _error(text, WHEN_EXAMPLES, exc.reason) from None
    except OverflowError:
        raise _refused(text, WHEN_EXAMPLES, "too far away") from None
    if result is None:
        raise _error(text, WHEN_EXAMPLES)
    if abs(result - now) > MAX_AHEAD:
        raise _refused(text, WHEN_EXAMPLES, "more than 2 years away")
    return result


def parse_since(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The instant meant by `text` for --since, as aware UTC and never after `now`.

    Accepts durations back from now ("7d", "24h", "2w", "30m", "7 days", "3d ago"), "today"
    and "yesterday" (local midnight), weekday names ("mon", "last mon": midnight of the most
    recent such day strictly before today), and ISO dates (local midnight) and datetimes.
    """
    _require_aware(now, "now")
    now = now.astimezone(UTC)
    try:
        result = _since(_normalize(text), now, tz)
    except _Refuse as exc:
        raise _refused(text, SINCE_EXAMPLES, exc.reason) from None
    except _Reject as exc:
        raise _error(text, SINCE_EXAMPLES, exc.reason) from None
    except OverflowError:
        raise _refused(text, SINCE_EXAMPLES, "too far back") from None
    if result is None:
        raise _error(text, SINCE_EXAMPLES)
    return result


def start_of_day(instant: datetime, tz: ZoneInfo) -> datetime:
    """The first instant of `instant`'s local day, as aware UTC.

    Usually local midnight; where midnight itself is skipped by DST, the end of the gap.
    """
    _require_aware(instant, "instant")
    return _localize(instant.astimezone(tz).date(), MIDNIGHT, tz)


def end_of_day(instant: datetime, tz: ZoneInfo) -> datetime:
    """The start of the next local day, as aware UTC: an exclusive upper bound."""
    _require_aware(instant, "instant")
    return _localize(instant.astimezone(tz).date() + timedelta(days=1), MIDNIGHT, tz)


def add_business_days(instant: datetime, days: int, tz: ZoneInfo) -> datetime:
    """Move `days` Mon-Fri days forward (or back, if negative), keeping the local clock time.

    Starting from a weekend, one business day forward is Monday and one back is Friday.
    Zero returns `instant` unchanged, even on a weekend.
    """
    _require_aware(instant, "instant")
    if days == 0:
        return instant.astimezone(UTC)
    local = instant.astimezone(tz)
    step = timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    # Five business days from any day is the same weekday a week on, but the first step from
    # a weekend lands differently from a weekday's, so at least one step is always walked.
    weeks = (remaining - 1) // 5
    day = local.date() + 7 * weeks * step
    remaining -= 5 * weeks
    while remaining:
        day += step
        if day.weekday() < 5:
            remaining -= 1
    return _localize(day, local.time(), tz)


def _business_days_through(day: date) -> int:
    # Ordinal 1 (0001-01-01) is a Monday, so whole weeks contribute five and the partial
    # week contributes its Monday-to-Friday days.
    ordinal = day.toordinal()
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


def business_days_between(start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """How many Mon-Fri local calendar days begin after `start` and by `end`.

    Counts days, not 24-hour spans: Friday 17:00 to Monday 10:00 is 1, Wednesday 17:00 to
    Thursday 09:00 is 1, and anything within one local day is 0. 0 when end <= start.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return 0
    first = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    return _business_days_through(last) - _business_days_through(first)


def next_business_day_start(instant: datetime, tz: ZoneInfo) -> datetime:
    """The first instant of the first Mon-Fri local day after `instant`'s, as aware UTC.

    `business_days_between(start, end)` grows exactly when `end` reaches one of these.
    """
    _require_aware(instant, "instant")
    day = _local_today(instant, tz) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return _localize(day, MIDNIGHT, tz)


def end_of_next_working_day(now: datetime, tz: ZoneInfo) -> datetime:
    """The local midnight that ends the first Mon-Fri day after today, as aware UTC.

    Monday to Thursday give the end of tomorrow; Friday, Saturday and Sunday give the end of
    Monday. Public holidays are not known here.
    """
    _require_aware(now, "now")
    day = _local_today(now, tz) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return _localize(day + timedelta(days=1), MIDNIGHT, tz)
