"""Tests for daemon.timeparse against pinned clocks.

Expected values are written out in UTC by hand (not computed with the code under test), so a
wrong offset, a wrong local day or a wrong DST rule shows up as a failing row.
"""

from __future__ import annotations

import ast
import inspect
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daemon import timeparse
from daemon.timeparse import (
    TimeParseError,
    add_business_days,
    business_days_between,
    end_of_day,
    end_of_next_working_day,
    parse_since,
    parse_when,
    start_of_day,
)

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
SANTIAGO = ZoneInfo("America/Santiago")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# Pinned clocks. Local times in comments are America/New_York unless stated.
WED = utc(2026, 11, 25, 14, 30)  # Wed 09:30 EST; Wed 20:00 in Kolkata
SAT = utc(2026, 11, 28, 15, 0)  # Sat 10:00 EST
FRI_EVE = utc(2026, 11, 28, 0, 0)  # Fri 19:00 EST, already Saturday in UTC
SPRING = utc(2026, 3, 7, 17, 0)  # Sat 12:00 EST; clocks go 02:00 -> 03:00 on Sun 03-08
FALL = utc(2026, 10, 31, 16, 0)  # Sat 12:00 EDT; clocks go 02:00 -> 01:00 on Sun 11-01

WHEN_CASES: list[tuple[datetime, ZoneInfo, str, datetime]] = [
    # keywords
    (WED, NY, "now", WED),
    (WED, NY, "today", utc(2026, 11, 25, 22)),
    (WED, NY, "TODAY", utc(2026, 11, 25, 22)),
    (WED, NY, "  Today  ", utc(2026, 11, 25, 22)),
    (WED, NY, "tonight", utc(2026, 11, 26, 1)),
    (WED, NY, "tomorrow", utc(2026, 11, 26, 14)),
    (WED, NY, "next week", utc(2026, 11, 30, 14)),
    # day plus time, in either order, with optional "at" / "on"
    (WED, NY, "tomorrow 9am", utc(2026, 11, 26, 14)),
    (WED, NY, "Tomorrow 9AM", utc(2026, 11, 26, 14)),
    (WED, NY, "tomorrow   at   9am", utc(2026, 11, 26, 14)),
    (WED, NY, "9am tomorrow", utc(2026, 11, 26, 14)),
    (WED, NY, "tomorrow 9 a.m.", utc(2026, 11, 26, 14)),
    (WED, NY, "tomorrow 09:00", utc(2026, 11, 26, 14)),
    (WED, NY, "tomorrow 14:30", utc(2026, 11, 26, 19, 30)),
    (WED, NY, "tomorrow noon", utc(2026, 11, 26, 17)),
    (WED, NY, "tomorrow midnight", utc(2026, 11, 26, 5)),
    (WED, NY, "monday at 14:30", utc(2026, 11, 30, 19, 30)),
    (WED, NY, "fri 4pm", utc(2026, 11, 27, 21)),
    (WED, NY, "3pm on fri", utc(2026, 11, 27, 20)),
    (WED, NY, "next mon 10:15", utc(2026, 11, 30, 15, 15)),
    (WED, NY, "next week 3pm", utc(2026, 11, 30, 20)),
    (WED, NY, "today 3pm", utc(2026, 11, 25, 20)),
    (WED, NY, "today 8am", utc(2026, 11, 25, 13)),  # explicit day: allowed in the past
    (WED, NY, "2026-12-01 2pm", utc(2026, 12, 1, 19)),
    (WED, NY, "2026-12-01 at 9:15am", utc(2026, 12, 1, 14, 15)),
    # weekdays: the next such day strictly after today, at default_hour
    (WED, NY, "mon", utc(2026, 11, 30, 14)),
    (WED, NY, "Monday", utc(2026, 11, 30, 14)),
    (WED, NY, "next mon", utc(2026, 11, 30, 14)),
    (WED, NY, "next monday", utc(2026, 11, 30, 14)),
    (WED, NY, "tue", utc(2026, 12, 1, 14)),
    (WED, NY, "tues", utc(2026, 12, 1, 14)),
    (WED, NY, "tuesday", utc(2026, 12, 1, 14)),
    (WED, NY, "wed", utc(2026, 12, 2, 14)),
    (WED, NY, "wednesday", utc(2026, 12, 2, 14)),
    (WED, NY, "thu", utc(2026, 11, 26, 14)),
    (WED, NY, "thurs", utc(2026, 11, 26, 14)),
    (WED, NY, "thursday", utc(2026, 11, 26, 14)),
    (WED, NY, "fri", utc(2026, 11, 27, 14)),
    (WED, NY, "sat", utc(2026, 11, 28, 14)),
    (WED, NY, "sunday", utc(2026, 11, 29, 14)),
    # bare times: today if still ahead, else tomorrow
    (WED, NY, "3pm", utc(2026, 11, 25, 20)),
    (WED, NY, "3 pm", utc(2026, 11, 25, 20)),
    (WED, NY, "3:00PM", utc(2026, 11, 25, 20)),
    (WED, NY, "3 p.m.", utc(2026, 11, 25, 20)),
    (WED, NY, "15:00", utc(2026, 11, 25, 20)),
    (WED, NY, "at 3pm", utc(2026, 11, 25, 20)),
    (WED, NY, "9am", utc(2026, 11, 26, 14)),
    (WED, NY, "9:30am", utc(2026, 11, 26, 14, 30)),  # exactly now is not ahead
    (WED, NY, "9:31am", utc(2026, 11, 25, 14, 31)),
    (WED, NY, "noon", utc(2026, 11, 25, 17)),
    (WED, NY, "12pm", utc(2026, 11, 25, 17)),
    (WED, NY, "midnight", utc(2026, 11, 26, 5)),
    (WED, NY, "12am", utc(2026, 11, 26, 5)),
    (WED, NY, "0:00", utc(2026, 11, 26, 5)),
    (WED, NY, "12:30am", utc(2026, 11, 26, 5, 30)),
    # durations
    (WED, NY, "in 2h", utc(2026, 11, 25, 16, 30)),
    (WED, NY, "2h", utc(2026, 11, 25, 16, 30)),
    (WED, NY, "2 hours", utc(2026, 11, 25, 16, 30)),
    (WED, NY, "in 2 hrs", utc(2026, 11, 25, 16, 30)),
    (WED, NY, "2hr", utc(2026, 11, 25, 16, 30)),
    (WED, NY, "in 1 hour", utc(2026, 11, 25, 15, 30)),
    (WED, NY, "in 30m", utc(2026, 11, 25, 15)),
    (WED, NY, "30min", utc(2026, 11, 25, 15)),
    (WED, NY, "30 mins", utc(2026, 11, 25, 15)),
    (WED, NY, "in 30 minutes", utc(2026, 11, 25, 15)),
    (WED, NY, "in 1 minute", utc(2026, 11, 25, 14, 31)),
    (WED, NY, "90m", utc(2026, 11, 25, 16)),
    (WED, NY, "in 3 days", utc(2026, 11, 28, 14, 30)),
    (WED, NY, "3d", utc(2026, 11, 28, 14, 30)),
    (WED, NY, "1 day", utc(2026, 11, 26, 14, 30)),
    (WED, NY, "1w", utc(2026, 12, 2, 14, 30)),
    (WED, NY, "1wk", utc(2026, 12, 2, 14, 30)),
    (WED, NY, "in 2 weeks", utc(2026, 12, 9, 14, 30)),
    (WED, NY, "in 0h", WED),
    (WED, NY, "in 104w", utc(2028, 11, 22, 14, 30)),
    # ISO: naive is local, date-only is default_hour local
    (WED, NY, "2026-12-01", utc(2026, 12, 1, 14)),
    (WED, NY, "2026-12-01 14:00", utc(2026, 12, 1, 19)),
    (WED, NY, "2026-12-01T14:00", utc(2026, 12, 1, 19)),
    (WED, NY, "2026-12-01t14:00", utc(2026, 12, 1, 19)),
    (WED, NY, "2026-12-01 14:00:30", utc(2026, 12, 1, 19, 0, 30)),
    (WED, NY, "2026-12-01T14:00Z", utc(2026, 12, 1, 14)),
    (WED, NY, "2026-12-01t14:00z", utc(2026, 12, 1, 14)),
    (WED, NY, "2026-12-01T14:00+05:30", utc(2026, 12, 1, 8, 30)),
    (WED, NY, "2026-12-01T14:00+0530", utc(2026, 12, 1, 8, 30)),
    (WED, NY, "2026-12-01T14:00-08:00", utc(2026, 12, 1, 22)),
    (WED, NY, "2028-11-25", utc(2028, 11, 25, 14)),  # just inside two years
    (WED, NY, "2025-01-01", utc(2025, 1, 1, 14)),  # past, but within two years
    # Saturday
    (SAT, NY, "today", utc(2026, 11, 28, 22)),
    (SAT, NY, "tomorrow", utc(2026, 11, 29, 14)),
    (SAT, NY, "mon", utc(2026, 11, 30, 14)),
    (SAT, NY, "sun", utc(2026, 11, 29, 14)),
    (SAT, NY, "sat", utc(2026, 12, 5, 14)),
    (SAT, NY, "fri", utc(2026, 12, 4, 14)),
    (SAT, NY, "next week", utc(2026, 11, 30, 14)),
    (SAT, NY, "9am", utc(2026, 11, 29, 14)),
    (SAT, NY, "11am", utc(2026, 11, 28, 16)),
    # Friday evening, when UTC has already reached Saturday
    (FRI_EVE, NY, "today", FRI_EVE),
    (FRI_EVE, NY, "tonight", utc(2026, 11, 28, 1)),
    (FRI_EVE, NY, "tomorrow", utc(2026, 11, 28, 14)),
    (FRI_EVE, NY, "sat", utc(2026, 11, 28, 14)),
    (FRI_EVE, NY, "fri", utc(2026, 12, 4, 14)),
    (FRI_EVE, NY, "mon 9am", utc(2026, 11, 30, 14)),
    (FRI_EVE, NY, "next week", utc(2026, 11, 30, 14)),
    (FRI_EVE, NY, "3pm", utc(2026, 11, 28, 20)),
    (FRI_EVE, NY, "9pm", utc(2026, 11, 28, 2)),
    (FRI_EVE, NY, "midnight", utc(2026, 11, 28, 5)),
    (FRI_EVE, NY, "in 2h", utc(2026, 11, 28, 2)),
    # spring forward: 02:00-02:59 on 03-08 does not exist and moves forward
    (SPRING, NY, "tomorrow", utc(2026, 3, 8, 13)),
    (SPRING, NY, "tomorrow 1:59am", utc(2026, 3, 8, 6, 59)),
    (SPRING, NY, "tomorrow 2:30am", utc(2026, 3, 8, 7, 30)),
    (SPRING, NY, "tomorrow 3am", utc(2026, 3, 8, 7)),
    (SPRING, NY, "2026-03-08 02:30", utc(2026, 3, 8, 7, 30)),
    (SPRING, NY, "in 1d", utc(2026, 3, 8, 16)),  # same wall clock: only 23h later
    (SPRING, NY, "in 24h", utc(2026, 3, 8, 17)),
    (SPRING, NY, "1w", utc(2026, 3, 14, 16)),
    (SPRING, NY, "mon", utc(2026, 3, 9, 13)),
    # fall back: 01:00-01:59 on 11-01 happens twice; the first (EDT) is meant
    (FALL, NY, "tonight", utc(2026, 11, 1, 0)),
    (FALL, NY, "tomorrow", utc(2026, 11, 1, 14)),
    (FALL, NY, "tomorrow 1:30am", utc(2026, 11, 1, 5, 30)),
    (FALL, NY, "2026-11-01 01:30", utc(2026, 11, 1, 5, 30)),
    (FALL, NY, "2026-11-01T01:30-05:00", utc(2026, 11, 1, 6, 30)),  # explicit offset wins
    (FALL, NY, "in 1d", utc(2026, 11, 1, 17)),  # same wall clock: 25h later
    (FALL, NY, "in 24h", utc(2026, 11, 1, 16)),
    # +05:30
    (WED, KOLKATA, "today", WED),
    (WED, KOLKATA, "tonight", WED),  # 20:00 is exactly now, so not ahead
    (WED, KOLKATA, "tomorrow 9am", utc(2026, 11, 26, 3, 30)),
    (WED, KOLKATA, "3pm", utc(2026, 11, 26, 9, 30)),
    (WED, KOLKATA, "9:30pm", utc(2026, 11, 25, 16)),
    (WED, KOLKATA, "mon", utc(2026, 11, 30, 3, 30)),
    (WED, KOLKATA, "2026-12-01", utc(2026, 12, 1, 3, 30)),
    (WED, KOLKATA, "2026-12-01 14:00", utc(2026, 12, 1, 8, 30)),
    (WED, KOLKATA, "in 1d", utc(2026, 11, 26, 14, 30)),
]


@pytest.mark.parametrize(
    ("now", "tz", "text", "expected"),
    WHEN_CASES,
    ids=[f"{now:%a%H%M}-{tz.key.split('/')[-1]}-{text}" for now, tz, text, _ in WHEN_CASES],
)
def test_parse_when(now: datetime, tz: ZoneInfo, text: str, expected: datetime) -> None:
    result = parse_when(text, now=now, tz=tz)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "default_hour", "expected"),
    [
        ("tomorrow", 8, utc(2026, 11, 26, 13)),
        ("2026-12-01", 13, utc(2026, 12, 1, 18)),
        ("mon", 0, utc(2026, 11, 30, 5)),
        ("next week", 23, utc(2026, 12, 1, 4)),
        ("today", 8, utc(2026, 11, 25, 22)),  # "today" is end of working day regardless
        ("tomorrow 3pm", 8, utc(2026, 11, 26, 20)),  # an explicit time wins
    ],
)
def test_parse_when_default_hour(text: str, default_hour: int, expected: datetime) -> None:
    assert parse_when(text, now=WED, tz=NY, default_hour=default_hour) == expected


@pytest.mark.parametrize("default_hour", [-1, 24])
def test_parse_when_rejects_bad_default_hour(default_hour: int) -> None:
    with pytest.raises(ValueError, match="default_hour"):
        parse_when("tomorrow", now=WED, tz=NY, default_hour=default_hour)


def test_parse_when_accepts_now_in_any_zone() -> None:
    assert parse_when("in 2h", now=WED.astimezone(KOLKATA), tz=NY) == utc(2026, 11, 25, 16, 30)


WHEN_ERRORS: list[tuple[str, str]] = [
    ("", "nothing was given"),
    ("   ", "nothing was given"),
    ("blurb", "could not understand 'blurb'"),
    ("in -2h", "negative"),
    ("-2h", "negative"),
    ("in - 2h", "negative"),
    ("-3 days", "negative"),
    ("32:00", "not a time of day"),
    ("tomorrow 32:00", "'32:00' is not a time of day"),
    ("32:00 tomorrow", "'32:00' is not a time of day"),
    ("24:00", "not a time of day"),
    ("9:60", "not a time of day"),
    ("13pm", "not a time of day"),
    ("0am", "not a time of day"),
    ("2030-13-01", "'2030-13-01' is not a valid date"),
    ("2026-02-30", "not a valid date"),
    ("2030-13-01 9am", "not a valid date"),
    ("2026-12-01 25:00", "not a valid date and time"),
    ("2026-12-01T14:00+25:00", "not a valid date and time"),
    ("in 2s", "unknown unit 's'"),
    ("2 secs", "unknown unit 'secs'"),
    ("in 3 months", "unknown unit 'months'"),
    # Understood, and refused for what they mean: the message says that, not "could not".
    ("2h ago", "'2h ago' is in the past"),
    ("yesterday", "'yesterday' is in the past"),
    ("last fri", "'last fri' is in the past"),
    ("in 800d", "more than 2 years"),
    ("in 105w", "more than 2 years"),
    ("in 99999999999999999999999w", "more than 2 years"),
    ("2028-11-25 10:00", "more than 2 years"),
    ("2024-11-24", "more than 2 years"),
    ("9999-12-31", "more than 2 years"),
    ("0001-01-01T00:00+14:00", "too far"),
    ("x" * 200, "too long"),
    ("in 2", "could not understand"),
    ("3", "could not understand"),
    ("tomorrow tomorrow", "could not understand"),
    ("mon tue", "could not understand"),
    ("next", "could not understand"),
    ("next month", "could not understand"),
    ("tomorrow at", "could not understand"),
    ("at", "could not understand"),
    ("\u0663pm", "could not understand"),  # ARABIC-INDIC DIGIT THREE is not a clock digit
]


@pytest.mark.parametrize(("text", "fragment"), WHEN_ERRORS, ids=[t[:30] for t, _ in WHEN_ERRORS])
def test_parse_when_errors(text: str, fragment: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when(text, now=WED, tz=NY)
    message = str(caught.value)
    assert fragment in message
    assert message.endswith("; try 'tomorrow 9am', 'mon', 'in 2h', '2026-12-01 14:00'")
    assert caught.value.text == text.strip()
    understood = any(w in fragment for w in ("in the past", "more than 2 years", "too far"))
    assert ("could not understand" in message) is not understood


def test_error_message_format() -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_when("blurb", now=WED, tz=NY)
    assert str(caught.value) == (
        "could not understand 'blurb' as a time; try 'tomorrow 9am', 'mon', 'in 2h', "
        "'2026-12-01 14:00'"
    )
    assert isinstance(caught.value, ValueError)


SINCE_CASES: list[tuple[datetime, ZoneInfo, str, datetime]] = [
    (WED, NY, "7d", utc(2026, 11, 18, 14, 30)),
    (WED, NY, "7D", utc(2026, 11, 18, 14, 30)),
    (WED, NY, "7 days", utc(2026, 11, 18, 14, 30)),
    (WED, NY, "7 days ago", utc(2026, 11, 18, 14, 30)),
    (WED, NY, "24h", utc(2026, 11, 24, 14, 30)),
    (WED, NY, "24 hours", utc(2026, 11, 24, 14, 30)),
    (WED, NY, "2w", utc(2026, 11, 11, 14, 30)),
    (WED, NY, "30m", utc(2026, 11, 25, 14)),
    (WED, NY, "0d", WED),
    (WED, NY, "today", utc(2026, 11, 25, 5)),
    (WED, NY, "yesterday", utc(2026, 11, 24, 5)),
    (WED, NY, "mon", utc(2026, 11, 23, 5)),
    (WED, NY, "Monday", utc(2026, 11, 23, 5)),
    (WED, NY, "last mon", utc(2026, 11, 23, 5)),
    (WED, NY, "tue", utc(2026, 11, 24, 5)),
    (WED, NY, "wed", utc(2026, 11, 18, 5)),  # strictly before today
    (WED, NY, "thu", utc(2026, 11, 19, 5)),
    (WED, NY, "sun", utc(2026, 11, 22, 5)),
    (WED, NY, "2026-11-01", utc(2026, 11, 1, 4)),  # that midnight was still EDT
    (WED, NY, "2026-11-25", utc(2026, 11, 25, 5)),
    (WED, NY, "2026-11-20 08:00", utc(2026, 11, 20, 13)),
    (WED, NY, "2026-11-20T08:00Z", utc(2026, 11, 20, 8)),
    (WED, NY, "2026-11-25 09:30", WED),  # exactly now is allowed
    (WED, NY, "2000-01-01", utc(2000, 1, 1, 5)),
    (SAT, NY, "fri", utc(2026, 11, 27, 5)),
    (SAT, NY, "sat", utc(2026, 11, 21, 5)),
    (SAT, NY, "mon", utc(2026, 11, 23, 5)),
    (FRI_EVE, NY, "today", utc(2026, 11, 27, 5)),  # local Friday, though UTC says Saturday
    (FRI_EVE, NY, "fri", utc(2026, 11, 20, 5)),
    # the day after fall-back, Sun 12:00 EST
    (utc(2026, 11, 1, 17), NY, "today", utc(2026, 11, 1, 4)),
    (utc(2026, 11, 1, 17), NY, "yesterday", utc(2026, 10, 31, 4)),
    (utc(2026, 11, 1, 17), NY, "1d", utc(2026, 10, 31, 16)),
    (utc(2026, 11, 1, 17), NY, "24h", utc(2026, 10, 31, 17)),
    # the day of spring-forward, Sun 12:00 EDT
    (utc(2026, 3, 8, 16), NY, "today", utc(2026, 3, 8, 5)),
    (utc(2026, 3, 8, 16), NY, "yesterday", utc(2026, 3, 7, 5)),
    (utc(2026, 3, 8, 16), NY, "1d", utc(2026, 3, 7, 17)),
    # +05:30, where it is already Wednesday evening
    (WED, KOLKATA, "today", utc(2026, 11, 24, 18, 30)),
    (WED, KOLKATA, "yesterday", utc(2026, 11, 23, 18, 30)),
    (WED, KOLKATA, "mon", utc(2026, 11, 22, 18, 30)),
    (WED, KOLKATA, "7d", utc(2026, 11, 18, 14, 30)),
    (WED, KOLKATA, "2026-11-20", utc(2026, 11, 19, 18, 30)),
]


@pytest.mark.parametrize(
    ("now", "tz", "text", "expected"),
    SINCE_CASES,
    ids=[f"{now:%a%H%M}-{tz.key.split('/')[-1]}-{text}" for now, tz, text, _ in SINCE_CASES],
)
def test_parse_since(now: datetime, tz: ZoneInfo, text: str, expected: datetime) -> None:
    result = parse_since(text, now=now, tz=tz)
    assert result == expected
    assert result.tzinfo is UTC
    assert result <= now


SINCE_ERRORS: list[tuple[str, str]] = [
    ("", "nothing was given"),
    ("blurb", "could not understand 'blurb'"),
    ("-7d", "negative"),
    ("in 2h", "in the future"),
    ("2026-12-01", "in the future"),
    ("2026-11-25 10:00", "in the future"),
    ("2030-13-01", "not a valid date"),
    ("7s", "unknown unit 's'"),
    ("99999999999999999999999w", "too far back"),
    ("tomorrow", "'tomorrow' is in the future"),
    ("next mon", "'next mon' is in the future"),
    ("3pm", "could not understand"),
    ("now", "could not understand"),
]


@pytest.mark.parametrize(("text", "fragment"), SINCE_ERRORS, ids=[t for t, _ in SINCE_ERRORS])
def test_parse_since_errors(text: str, fragment: str) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_since(text, now=WED, tz=NY)
    message = str(caught.value)
    assert fragment in message
    assert message.endswith("; try '7d', '24h', 'yesterday', 'mon', '2026-11-01'")
    understood = any(w in fragment for w in ("in the future", "too far"))
    assert ("could not understand" in message) is not understood


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: parse_when("tomorrow", now=naive, tz=NY),
        lambda naive: parse_since("7d", now=naive, tz=NY),
        lambda naive: start_of_day(naive, NY),
        lambda naive: end_of_day(naive, NY),
        lambda naive: add_business_days(naive, 1, NY),
        lambda naive: business_days_between(naive, WED, NY),
        lambda naive: end_of_next_working_day(naive, NY),
    ],
)
def test_naive_datetimes_are_programming_errors(call: object) -> None:
    naive = datetime(2026, 11, 25, 9, 30)
    with pytest.raises(ValueError, match="timezone-aware") as caught:
        call(naive)  # type: ignore[operator]
    assert not isinstance(caught.value, TimeParseError)


@pytest.mark.parametrize(
    ("instant", "tz", "start", "end"),
    [
        (WED, NY, utc(2026, 11, 25, 5), utc(2026, 11, 26, 5)),
        # Wed 22:00 EST is Thursday in UTC; the local day is what counts
        (utc(2026, 11, 26, 3), NY, utc(2026, 11, 25, 5), utc(2026, 11, 26, 5)),
        (utc(2026, 11, 1, 12), NY, utc(2026, 11, 1, 4), utc(2026, 11, 2, 5)),  # 25h day
        (utc(2026, 3, 8, 12), NY, utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)),  # 23h day
        (utc(2026, 11, 25, 20), KOLKATA, utc(2026, 11, 25, 18, 30), utc(2026, 11, 26, 18, 30)),
        # Santiago skips 00:00-00:59 on 2026-09-06, so that day starts at 01:00 -03
        (utc(2026, 9, 6, 16), SANTIAGO, utc(2026, 9, 6, 4), utc(2026, 9, 7, 3)),
        (utc(2026, 9, 5, 16), SANTIAGO, utc(2026, 9, 5, 4), utc(2026, 9, 6, 4)),
    ],
)
def test_start_and_end_of_day(
    instant: datetime, tz: ZoneInfo, start: datetime, end: datetime
) -> None:
    assert start_of_day(instant, tz) == start
    assert end_of_day(instant, tz) == end
    assert start_of_day(instant, tz).tzinfo is UTC
    assert end_of_day(instant, tz).tzinfo is UTC
    assert start <= instant < end
    assert start_of_day(end, tz) == end


@pytest.mark.parametrize(
    ("instant", "days", "expected"),
    [
        (WED, 0, WED),
        (WED, 1, utc(2026, 11, 26, 14, 30)),
        (WED, 2, utc(2026, 11, 27, 14, 30)),
        (WED, 3, utc(2026, 11, 30, 14, 30)),
        (WED, 5, utc(2026, 12, 2, 14, 30)),
        (WED, 10, utc(2026, 12, 9, 14, 30)),
        (WED, -5, utc(2026, 11, 18, 14, 30)),
        (utc(2026, 11, 27, 14, 30), 1, utc(2026, 11, 30, 14, 30)),  # Fri -> Mon
        (utc(2026, 11, 27, 14, 30), -1, utc(2026, 11, 26, 14, 30)),
        (SAT, 0, SAT),
        (SAT, 1, utc(2026, 11, 30, 15)),
        (SAT, 5, utc(2026, 12, 4, 15)),
        (SAT, 6, utc(2026, 12, 7, 15)),
        (SAT, -1, utc(2026, 11, 27, 15)),
        (utc(2026, 11, 29, 15), 1, utc(2026, 11, 30, 15)),  # Sun -> Mon
        (utc(2026, 11, 30, 15), -1, utc(2026, 11, 27, 15)),  # Mon -> Fri
        # Fri 09:00 EDT -> Mon 09:00 EST: the wall clock is kept across DST
        (utc(2026, 10, 30, 13), 1, utc(2026, 11, 2, 14)),
        # Fri 22:00 EST is Saturday in UTC; stepping is by local weekday
        (utc(2026, 11, 28, 3), 1, utc(2026, 12, 1, 3)),
    ],
)
def test_add_business_days(instant: datetime, days: int, expected: datetime) -> None:
    result = add_business_days(instant, days, NY)
    assert result == expected
    assert result.tzinfo is UTC


def _walk_business_days(start: date, days: int) -> date:
    step = timedelta(days=1 if days > 0 else -1)
    day, remaining = start, abs(days)
    while remaining:
        day += step
        if day.weekday() < 5:
            remaining -= 1
    return day


def test_add_business_days_matches_a_day_by_day_walk() -> None:
    # Covers the whole-week shortcut from every weekday, forwards and back.
    for offset in range(14):
        start = datetime(2026, 11, 16, 12, tzinfo=NY) + timedelta(days=offset)
        for days in range(-23, 24):
            result = add_business_days(start, days, NY).astimezone(NY)
            assert result.date() == _walk_business_days(start.date(), days), (start, days)
            assert result.time() == start.time()


@pytest.mark.parametrize(
    ("start", "end", "tz", "expected"),
    [
        (utc(2026, 11, 27, 22), utc(2026, 11, 30, 15), NY, 1),  # Fri 17:00 -> Mon 10:00
        (utc(2026, 11, 30, 14), utc(2026, 11, 30, 22), NY, 0),  # Mon 09:00 -> Mon 17:00
        (utc(2026, 11, 25, 22), utc(2026, 11, 26, 14), NY, 1),  # Wed 17:00 -> Thu 09:00
        (utc(2026, 11, 27, 14), utc(2026, 12, 4, 14), NY, 5),  # Fri -> next Fri
        (utc(2026, 11, 28, 15), utc(2026, 11, 29, 15), NY, 0),  # Sat -> Sun
        (utc(2026, 11, 28, 15), utc(2026, 11, 30, 14), NY, 1),  # Sat -> Mon
        (utc(2026, 11, 27, 14), utc(2026, 11, 29, 14), NY, 0),  # Fri -> Sun
        (utc(2026, 11, 27, 14), utc(2026, 11, 28, 14), NY, 0),  # Fri -> Sat
        (utc(2026, 11, 2, 14), utc(2026, 11, 30, 14), NY, 20),  # four whole weeks
        (utc(2026, 10, 30, 13), utc(2026, 11, 2, 14), NY, 1),  # across fall-back
        (WED, WED, NY, 0),
        (utc(2026, 11, 30, 14), WED, NY, 0),  # end before start
        # Thu 22:30 -> Fri 00:30 in Kolkata, but Thu 12:00 -> Thu 14:00 in New York
        (utc(2026, 11, 26, 17), utc(2026, 11, 26, 19), KOLKATA, 1),
        (utc(2026, 11, 26, 17), utc(2026, 11, 26, 19), NY, 0),
    ],
)
def test_business_days_between(start: datetime, end: datetime, tz: ZoneInfo, expected: int) -> None:
    assert business_days_between(start, end, tz) == expected


def test_business_days_between_matches_counting_dates() -> None:
    base = datetime(2026, 11, 16, 12, tzinfo=NY)
    for first in range(14):
        for span in range(30):
            start = base + timedelta(days=first)
            end = start + timedelta(days=span, hours=3)
            counted = sum(
                1
                for n in range(1, (end.date() - start.date()).days + 1)
                if (start.date() + timedelta(days=n)).weekday() < 5
            )
            assert business_days_between(start, end, NY) == counted, (start, end)


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        (utc(2026, 11, 23, 17), NY, utc(2026, 11, 25, 5)),  # Mon -> end of Tue
        (utc(2026, 11, 24, 17), NY, utc(2026, 11, 26, 5)),  # Tue -> end of Wed
        (utc(2026, 11, 25, 17), NY, utc(2026, 11, 27, 5)),  # Wed -> end of Thu
        (utc(2026, 11, 26, 17), NY, utc(2026, 11, 28, 5)),  # Thu -> end of Fri
        (utc(2026, 11, 27, 17), NY, utc(2026, 12, 1, 5)),  # Fri -> end of Mon
        (utc(2026, 11, 28, 17), NY, utc(2026, 12, 1, 5)),  # Sat -> end of Mon
        (utc(2026, 11, 29, 17), NY, utc(2026, 12, 1, 5)),  # Sun -> end of Mon
        (utc(2026, 11, 28, 4, 30), NY, utc(2026, 12, 1, 5)),  # Fri 23:30 local, Sat in UTC
        (utc(2026, 11, 27, 20), KOLKATA, utc(2026, 11, 30, 18, 30)),  # already Sat in Kolkata
        (utc(2026, 10, 30, 16), NY, utc(2026, 11, 3, 5)),  # Fri before fall-back
        (utc(2026, 3, 6, 17), NY, utc(2026, 3, 10, 4)),  # Fri before spring-forward
    ],
)
def test_end_of_next_working_day(now: datetime, tz: ZoneInfo, expected: datetime) -> None:
    result = end_of_next_working_day(now, tz)
    assert result == expected
    assert result.tzinfo is UTC


def test_module_never_reads_the_real_clock() -> None:
    tree = ast.parse(inspect.getsource(timeparse))
    clock_calls = {"now", "utcnow", "today", "fromtimestamp", "utcfromtimestamp"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in clock_calls, ast.unparse(node)
        if isinstance(node, ast.Import):
            assert all(alias.name != "time" for alias in node.names)
