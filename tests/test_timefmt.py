"""caseyos_cli.timefmt: the one way times are shown to people.

Expected labels are written out by hand for pinned clocks, so a wrong zone, a wrong local
day or a wrong DST rule shows up as a failing row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from caseyos_cli.timefmt import duration, exact, is_past, when

NY = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


WED = utc(2026, 11, 25, 14, 30)  # Wed 09:30 in New York; Wed 20:00 in Kolkata
FALL = utc(2026, 10, 31, 16, 0)  # Sat 12:00 EDT; clocks go 02:00 -> 01:00 on Sun 11-01
FRI_EVE = utc(2026, 11, 28, 0, 0)  # Fri 19:00 EST, already Saturday in UTC

WHEN_CASES: list[tuple[datetime, ZoneInfo, datetime, str]] = [
    (WED, NY, WED, "now"),
    (WED, NY, WED + timedelta(seconds=30), "now"),
    (WED, NY, WED - timedelta(seconds=59), "now"),
    (WED, NY, WED + timedelta(minutes=1), "in 1m"),
    (WED, NY, WED + timedelta(minutes=59, seconds=59), "in 59m"),
    (WED, NY, WED + timedelta(hours=2), "in 2h"),
    (WED, NY, WED + timedelta(hours=5, minutes=59), "in 5h"),
    (WED, NY, WED + timedelta(hours=6), "today 15:30"),
    (WED, NY, utc(2026, 11, 26, 4, 59), "today 23:59"),
    (WED, NY, utc(2026, 11, 26, 14), "tomorrow 09:00"),
    (WED, NY, utc(2026, 11, 30, 14), "Mon 09:00"),
    (WED, NY, utc(2026, 12, 1, 19, 5), "Tue 14:05"),  # six days ahead
    (WED, NY, utc(2026, 12, 2, 14), "Wed 2 Dec"),  # seven days ahead
    (WED, NY, WED - timedelta(minutes=5), "5m ago"),
    (WED, NY, WED - timedelta(hours=3), "3h ago"),
    (WED, NY, utc(2026, 11, 25, 5, 0), "today 00:00"),  # over 6h back, still today
    (WED, NY, utc(2026, 11, 24, 19, 5), "yesterday 14:05"),
    (WED, NY, utc(2026, 11, 22, 19, 5), "3d ago"),  # local calendar days
    (WED, NY, utc(2026, 11, 19, 15), "6d ago"),
    (WED, NY, utc(2026, 11, 18, 15), "Wed 18 Nov"),
    (WED, NY, utc(2026, 11, 17, 3), "Mon 16 Nov"),  # the local date, not the UTC one
    (WED, NY, utc(2025, 11, 17, 15), "Mon 17 Nov 2025"),  # the year when not this year
    (WED, NY, utc(2027, 1, 4, 15), "Mon 4 Jan 2027"),
    # the same instant reads differently in another zone
    (WED, KOLKATA, utc(2026, 11, 26, 3, 30), "tomorrow 09:00"),
    (WED, NY, utc(2026, 11, 26, 3, 30), "today 22:30"),
    (FALL, NY, utc(2026, 11, 1, 14), "tomorrow 09:00"),  # 09:00 EST after fall-back
    (FRI_EVE, NY, utc(2026, 11, 28, 14), "tomorrow 09:00"),
]


@pytest.mark.parametrize(("now", "tz", "instant", "expected"), WHEN_CASES)
def test_when(now: datetime, tz: ZoneInfo, instant: datetime, expected: str) -> None:
    assert when(instant, now, tz) == expected


def test_takes_what_results_carry() -> None:
    """ISO strings with either offset style, a zone by name; None is a dash."""
    assert when("2026-11-24T19:05:00+00:00", "2026-11-25T14:30:00Z", "America/New_York") == (
        "yesterday 14:05"
    )
    assert when("2026-11-24T19:05:00", WED, NY) == "yesterday 14:05"  # naive is UTC
    assert when(None, WED, NY) == exact(None, WED, NY) == "-"


EXACT_CASES: list[tuple[datetime, str]] = [
    (utc(2026, 11, 25, 14, 35), "today 09:35"),
    (utc(2026, 11, 26, 14), "tomorrow 09:00"),
    (utc(2026, 11, 24, 19, 5), "yesterday 14:05"),
    (utc(2026, 11, 16, 14, 41), "Mon 16 Nov, 09:41"),
    (utc(2026, 12, 2, 14), "Wed 2 Dec, 09:00"),
    (utc(2025, 11, 17, 15), "Mon 17 Nov 2025, 10:00"),
]


@pytest.mark.parametrize(("instant", "expected"), EXACT_CASES)
def test_exact(instant: datetime, expected: str) -> None:
    assert exact(instant, WED, NY) == expected


def test_exact_with_seconds() -> None:
    assert exact(utc(2026, 11, 16, 14, 41) + timedelta(seconds=7), WED, NY, seconds=True) == (
        "Mon 16 Nov, 09:41:07"
    )


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (-3, "0s"),
        (0, "0s"),
        (59.9, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h"),
        (3 * 3600 + 5 * 60, "3h 5m"),
        (86400, "1d"),
        (2 * 86400 + 4 * 3600 + 59, "2d 4h"),
    ],
)
def test_duration(seconds: float, expected: str) -> None:
    assert duration(seconds) == expected


def test_is_past_leaves_the_current_minute_alone() -> None:
    assert is_past(WED - timedelta(minutes=5), WED)
    assert not is_past(WED - timedelta(seconds=30), WED)
    assert not is_past(WED + timedelta(hours=1), WED)
    assert not is_past(None, WED)
