"""Time arithmetic for the demo: everything is placed relative to `now` in the operator's zone.

Offsets are computed on UTC instants (so "3 hours ago" is three real hours across a DST change)
and wall-clock times ("10:00 on the next working day") are built in the operator's zone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUSINESS_START = time(8, 0)
BUSINESS_END = time(18, 30)


def stable_int(*parts: object) -> int:
    """A deterministic pseudo-random number; the demo must not depend on seeds or the clock."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def is_workday(day: date) -> bool:
    return day.weekday() < 5


@dataclass(frozen=True)
class DemoClock:
    now: datetime  # UTC
    tz: ZoneInfo

    @classmethod
    def create(cls, now: datetime, tz: ZoneInfo) -> DemoClock:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return cls(now.astimezone(UTC).replace(microsecond=0), tz)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def ago(self, hours: float) -> datetime:
        return self.now - timedelta(hours=hours)

    def workday(self, offset: int) -> date:
        """The offset-th working day after (positive) or before (negative) today; 0 is today."""
        day = self.today
        step = 1 if offset > 0 else -1
        remaining = abs(offset)
        while remaining:
            day += timedelta(days=step)
            if is_workday(day):
                remaining -= 1
        return day

    def workdays_before(self, count: int) -> date:
        """The working day d with exactly `count` working days in (d, today]."""
        seen = 1 if is_workday(self.today) else 0
        day = self.today
        while True:
            day -= timedelta(days=1)
            if is_workday(day) and seen == count:
                return day
            if is_workday(day):
                seen += 1

    def business_days_since(self, moment: datetime) -> int:
        """Working days in (the local date of `moment`, today]."""
        day = self.local(moment).date()
        count = 0
        while day < self.today:
            day += timedelta(days=1)
            if is_workday(day):
                count += 1
        return count

    def _in_hours(self, moment: datetime) -> bool:
        loc = self.local(moment)
        return is_workday(loc.date()) and BUSINESS_START <= loc.time() < BUSINESS_END

    def snap_back(self, moment: datetime, key: str) -> datetime:
        """The latest plausible working-hours time at or before `moment`."""
        if self._in_hours(moment):
            return moment
        loc = self.local(moment)
        day = loc.date()
        if not (is_workday(day) and loc.time() >= BUSINESS_END):
            day -= timedelta(days=1)
            while not is_workday(day):
                day -= timedelta(days=1)
        candidate = self.at(day, 16, 35) + timedelta(minutes=stable_int(key, "back") % 115)
        return min(candidate, moment)

    def snap_forward(self, moment: datetime, key: str) -> datetime:
        """The earliest plausible working-hours time at or after `moment`."""
        if self._in_hours(moment):
            return moment
        loc = self.local(moment)
        day = loc.date()
        if not (is_workday(day) and loc.time() < BUSINESS_START):
            day += timedelta(days=1)
            while not is_workday(day):
                day += timedelta(days=1)
        candidate = self.at(day, 8) + timedelta(minutes=stable_int(key, "fwd") % 70)
        return max(candidate, moment)

    def place(self, moment: datetime, lo: datetime, hi: datetime, key: str) -> datetime:
        """Move `moment` into working hours if that keeps it within [lo, hi]."""
        for candidate in (self.snap_back(moment, key), self.snap_forward(moment, key)):
            if lo <= candidate <= hi:
                return candidate
        return min(max(moment, lo), hi)
