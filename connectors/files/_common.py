"""Helpers shared by the local-file parsers: dates, addresses, domains, sniffing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.base import ImportFormatError, MessageRecord, OperatorIdentity, SignalRecord

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

_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_HOST_RE = re.compile(r"[a-z0-9.-]+")
_NAME_SPLIT_RE = re.compile(r"[-_]")
_NOT_SLUG_RE = re.compile(r"[^a-z0-9]")
_US_DATE_RE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UTC_END_RE = re.compile(r"(Z|[+-]00:?00)$")
_SPACES_RE = re.compile(r"\s+")


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


# Exports repeat the same few company domains on thousands of rows.
@lru_cache(maxsize=4096)
def normalize_domain(value: str) -> str | None:
    """A bare host name from a domain or URL: 'https://www.Acme.example/x' -> 'acme.example'."""
    v = (value or "").strip().lower()
    if not v:
        return None
    v = _SCHEME_RE.sub("", v)
    v = v.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    v = v.rpartition("@")[2].split(":", 1)[0].strip(".")
    v = v.removeprefix("www.")
    if "." not in v or not _HOST_RE.fullmatch(v):
        return None
    return v


def name_from_domain(domain: str) -> str:
    label = domain.split(".", 1)[0]
    return " ".join(part.capitalize() for part in _NAME_SPLIT_RE.split(label) if part) or domain


# Called on stages, pipelines, statuses: a handful of distinct values per export.
@lru_cache(maxsize=1024)
def slug(value: str) -> str:
    """HubSpot's internal ids are the labels with case and punctuation dropped."""
    return _NOT_SLUG_RE.sub("", value.lower())


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
    """The first `limit` characters of `text` with its whitespace runs as single spaces."""
    # A long body's snippet is settled by its start: once the collapsed start is longer than
    # `limit`, the rest of the text cannot change the first `limit` characters.
    head = text[: 4 * limit + 64]
    line = _SPACES_RE.sub(" ", head).strip()
    if len(line) > limit or len(head) == len(text):
        return line[:limit]
    return _SPACES_RE.sub(" ", text).strip()[:limit]


def kept_note(name: str, kept: int, total: int, what: str) -> str:
    """The note for a file some of whose entries were left out (each one also warned about)."""
    return f"{name}: kept {kept:,} of {total:,} {what}; {total - kept:,} skipped (see the warnings)"


def mail_payload(message: MessageRecord) -> dict[str, object]:
    """What every mail signal carries about its message."""
    return {
        "message_id": message.message_id,
        "subject": message.subject,
        "from": message.from_addr,
        "to": message.to,
        "snippet": one_line(message.body, 160),
    }


def mail_signals(
    message: MessageRecord, operator: OperatorIdentity, *, automated: bool = False
) -> list[SignalRecord]:
    """The signal a message makes, by direction, wherever it was read (mbox, Gmail, mail
    logged in HubSpot): `email.received` for inbound, `email.sent` for the operator's mail
    to someone outside; internal mail, and the operator's mail only to colleagues, none."""
    payload = mail_payload(message)
    if message.direction == "inbound":
        return [
            SignalRecord(
                kind="email.received",
                occurred_at=message.sent_at,
                dedup_key=f"email.received:{message.message_id}",
                payload={**payload, "automated": automated},
                contact_email=message.from_addr,
                thread_key=message.thread_key,
            )
        ]
    if message.direction == "outbound":
        counterpart = next(
            (a for a in [*message.to, *message.cc] if not operator.is_internal(a)), None
        )
        # Mail only to colleagues is internal conversation, not selling activity.
        if counterpart is not None:
            return [
                SignalRecord(
                    kind="email.sent",
                    occurred_at=message.sent_at,
                    dedup_key=f"email.sent:{message.message_id}",
                    payload=payload,
                    contact_email=counterpart,
                    thread_key=message.thread_key,
                )
            ]
    return []
