"""Helpers shared by the local-file parsers: dates, addresses, domains, sniffing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import ImportFormatError, OperatorIdentity

SOURCE = "files"

# Addresses at these domains say nothing about the employer, so no company is derived from them.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
    }
)

EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)

_SNIFF_BYTES = 64 * 1024


def operator_tz(operator: OperatorIdentity) -> ZoneInfo:
    try:
        return ZoneInfo(operator.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFormatError(
            f"unknown operator timezone {operator.timezone!r}; use an IANA name such as "
            "'America/New_York'"
        ) from exc


def normalize_email(value: str) -> str | None:
    """The bare, lower-cased address in `value`, or None when there is none."""
    match = EMAIL_RE.search(value or "")
    return match.group(0).lower() if match else None


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def is_free_mail(address_or_domain: str) -> bool:
    return email_domain(address_or_domain) in FREE_MAIL_DOMAINS


def normalize_domain(value: str) -> str | None:
    """A bare host name from a domain or URL: 'https://www.Acme.example/x' -> 'acme.example'."""
    v = (value or "").strip().lower()
    if not v:
        return None
    v = re.sub(r"^[a-z][a-z0-9+.-]*://", "", v)
    v = v.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    v = v.rpartition("@")[2].split(":", 1)[0].strip(".")
    v = v.removeprefix("www.")
    if "." not in v or not re.fullmatch(r"[a-z0-9.-]+", v):
        return None
    return v


def name_from_domain(domain: str) -> str:
    label = domain.split(".", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[-_]", label) if part) or domain


def slug(value: str) -> str:
    """HubSpot's internal ids are the labels with case and punctuation dropped."""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def to_utc(value: datetime, tz: tzinfo) -> datetime:
    """Naive datetimes are wall-clock time in `tz`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


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
    if re.fullmatch(r"\d{12,13}", v):
        return datetime.fromtimestamp(int(v) / 1000, tz=UTC), True
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", v):
        parsed = datetime.strptime(v, "%m/%d/%Y")
        return to_utc(parsed, tz), False
    try:
        parsed = datetime.fromisoformat(v.replace(" UTC", "+00:00"))
        had_time = not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)
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


def parse_loose_date(value: str, tz: ZoneInfo) -> date | None:
    """A calendar date from a date or datetime cell, read in the operator's timezone."""
    v = (value or "").strip()
    if not v:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return date.fromisoformat(v)
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", v):
        return datetime.strptime(v, "%m/%d/%Y").date()
    parsed = parse_loose_datetime(v, tz)
    if parsed is None:
        return None
    moment, _ = parsed
    # HubSpot stores date-only properties as midnight UTC; converting those to a zone west of
    # UTC would move the close date back a day.
    if moment.time() == time(0, 0) and re.search(r"(Z|[+-]00:?00)$", v):
        return moment.date()
    return moment.astimezone(tz).date()


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except FileNotFoundError as exc:
        raise ImportFormatError("file not found", path=str(path)) from exc
    except IsADirectoryError as exc:
        raise ImportFormatError("is a directory, expected a file", path=str(path)) from exc
    except OSError as exc:
        raise ImportFormatError(f"cannot read file: {exc.strerror or exc}", path=str(path)) from exc


def first_line(head: bytes) -> bytes:
    """The first non-blank line, without a UTF-8 BOM or line ending."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    for line in text.splitlines():
        if line.strip():
            return line.strip(b"\r\n")
    return b""


def one_line(text: str, limit: int = 160) -> str:
    return re.sub(r"\s+", " ", text).strip()[:limit]
