"""Times for people: the operator's zone, relative where that reads better."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from daemon.timeparse import humanize


def parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def rel(value: str | None, now: str | datetime, tz: str) -> str:
    instant = parse(value)
    if instant is None:
        return "-"
    current = now if isinstance(now, datetime) else datetime.fromisoformat(now)
    return humanize(instant, now=current, tz=ZoneInfo(tz))


def local(value: str | None, tz: str) -> str:
    instant = parse(value)
    if instant is None:
        return "-"
    return instant.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M")
