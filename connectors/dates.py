"""Dates and times as exports and calendars write them, read in the operator's timezone:
the operator's zone, wall-clock times to UTC, the start of a day, and the loose date and
datetime formats CRM exports use."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import ImportFormatError, OperatorIdentity

_US_DATE_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UTC_END_RE = re.compile(r"(Z|[+-]00:?00)$")


def operator_tz(operator: OperatorIdentity) -> ZoneInfo:
    try:
        return ZoneInfo(operator.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFormatError(
            f"unknown operator timezone {operator.timezone!r}; use an IANA name such as "
            "'America/New_York'"
        ) from exc


def to_utc(value: datetime, tz: tzinfo) -> datetime:
    """Naive datetimes are wall-clock time in `tz`."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    offset = tz.utcoffset(value)
    if offset is None:
        return value.replace(tzinfo=tz).astimezone(UTC)
    # What replace(tzinfo=tz).astimezone(UTC) computes, without the keyword-argument copy
    # that makes it several times slower; exports carry thousands of these cells.
    moment = value - offset
    return datetime.combine(moment, moment.time(), UTC)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


_DATE_FORMATS = (
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%y",
)


def parse_loose_datetime(value: str, tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """Parse the date formats CRM exports use.

    Returns (UTC datetime, had_time) or None for an empty value; raises ValueError when the text
    is not a date at all.
    """
    v = (value or "").strip()
    if not v:
        return None
    # Some exports (and the HubSpot API) carry epoch milliseconds.
    if 12 <= len(v) <= 13 and v.isdecimal():
        return datetime.fromtimestamp(int(v) / 1000, tz=UTC), True
    if "/" in v and _US_DATE_RE.fullmatch(v):
        return to_utc(_us_date(v), tz), False
    try:
        parsed = datetime.fromisoformat(v.replace(" UTC", "+00:00"))
        had_time = not _ISO_DATE_RE.fullmatch(v)
        return to_utc(parsed, tz), had_time
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(v, fmt)
        except ValueError:
            continue
        return to_utc(parsed, tz), "%H" in fmt or "%I" in fmt
    raise ValueError(f"not a date: {value!r}")


def _us_date(value: str) -> datetime:
    """'11/20/2026' (month first, as US exports write it), which strptime reads slowly."""
    if not value.isascii():
        # Other decimal digits match the pattern; strptime decides about those, as before.
        return datetime.strptime(value, "%m/%d/%Y")
    month, day, year = value.split("/")
    return datetime(int(year), int(month), int(day))


def parse_loose_date(value: str, tz: ZoneInfo) -> date | None:
    """A calendar date from a date or datetime cell, read in the operator's timezone."""
    v = (value or "").strip()
    if not v:
        return None
    if _ISO_DATE_RE.fullmatch(v):
        return date.fromisoformat(v)
    if "/" in v and _US_DATE_RE.fullmatch(v):
        return _us_date(v).date()
    parsed = parse_loose_datetime(v, tz)
    if parsed is None:
        return None
    moment, _ = parsed
    # HubSpot stores date-only properties as midnight UTC; converting those to a zone west of
    # UTC would move the close date back a day.
    if moment.time() == time(0, 0) and _UTC_END_RE.search(v):
        return moment.date()
    return moment.astimezone(tz).date()
