"""What the cells of HubSpot exports mean: stages, tiers, statuses, money, due dates, associations.

Pure functions of cell text. Exports made with labels give "Closed Won" and "Tier 1", exports made
with internal values give "closedwon" and "1"; both read the same. Functions that can fail raise
ValueError or return None, and the caller decides what to warn about.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from connectors.addresses import EMAIL_RE, normalize_domain
from connectors.dates import parse_loose_datetime
from connectors.files.mailtext import html_to_text

# HubSpot's default sales pipeline: export label -> internal stage id. Any other label falls back
# to slug(), which is also how these ids were formed.
DEFAULT_STAGES = {
    "appointmentscheduled": "appointmentscheduled",
    "qualifiedtobuy": "qualifiedtobuy",
    "presentationscheduled": "presentationscheduled",
    "decisionmakerboughtin": "decisionmakerboughtin",
    "contractsent": "contractsent",
    "closedwon": "closedwon",
    "closedlost": "closedlost",
}

# HubSpot's task statuses by slug of label or internal value ("Not started", "NOT_STARTED").
TASK_STATUSES = {
    "notstarted": "NOT_STARTED",
    "inprogress": "IN_PROGRESS",
    "waiting": "WAITING",
    "waitingonsomeone": "WAITING",
    "waitingonsomeoneelse": "WAITING",
    "completed": "COMPLETED",
    "complete": "COMPLETED",
    "done": "COMPLETED",
    "deferred": "DEFERRED",
}
PRIORITIES = {"high": "HIGH", "medium": "MEDIUM", "low": "LOW", "none": None}

# HubSpot shows a task with only a date as due that day; the end of the working day keeps it
# from turning overdue at midnight, hours before anyone could have done it.
DATE_ONLY_DUE = time(17, 0)

_TIERS = {"1": "A", "2": "B", "3": "C"}

_NOT_NUMBER_RE = re.compile(r"[^\d.\-]")
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_TIER_RE = re.compile(r"(?:tier)?[\s_-]*([123])", re.I)
_ENUM_RE = re.compile(r"[A-Z0-9_]+")
_TRAILING_ID_RE = re.compile(r"\s*\(\d+\)$")
_NAME_AND_INNER_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<inner>[^()]*)\)\s*$")
_TAG_RE = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*|/[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>")


def amount(value: str) -> float:
    """'$48,000.00' -> 48000.0; raises ValueError when no number is left."""
    cleaned = _NOT_NUMBER_RE.sub("", value.replace(",", ""))
    return float(cleaned)


def currency_code(value: str) -> str:
    """An ISO 4217 code as given ('usd' -> 'USD'), or USD when the cell holds none."""
    currency = value.upper()
    return currency if _CURRENCY_RE.fullmatch(currency) else "USD"


def due_at(value: str, tz: ZoneInfo) -> datetime | None:
    """A task's due moment in UTC; a date alone is due at DATE_ONLY_DUE in `tz`.

    Raises ValueError when the cell is not a date.
    """
    parsed = parse_loose_datetime(value, tz)
    if parsed is None:
        return None
    moment, had_time = parsed
    if had_time:
        return moment
    day = moment.astimezone(tz).date()
    return datetime.combine(day, DATE_ONLY_DUE, tzinfo=tz).astimezone(UTC)


def tier(value: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    if v.upper() in {"A", "B", "C"}:
        return v.upper()
    m = _TIER_RE.fullmatch(v)
    return _TIERS[m.group(1)] if m else None


def industry(value: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    # Exports with internal values give enum names such as COMPUTER_SOFTWARE.
    if _ENUM_RE.fullmatch(v) and "_" in v:
        return v.replace("_", " ").title()
    return v


def single_email(value: str) -> str | None:
    m = EMAIL_RE.fullmatch(value.strip()) or EMAIL_RE.fullmatch(value.strip().strip("<>"))
    return m.group(0).lower() if m else None


def strip_id(value: str) -> str:
    """'Acme Robotics (1234567)' -> 'Acme Robotics': HubSpot appends record ids to some names."""
    first = value.split(";")[0].strip()
    return _TRAILING_ID_RE.sub("", first)


def company_ref(value: str) -> tuple[str | None, str | None]:
    """(name, domain) from an association cell: 'Acme', 'acme.example', 'Acme (acme.example)'."""
    first = value.split(";")[0].strip()
    if not first:
        return None, None
    m = _NAME_AND_INNER_RE.match(first)
    if m:
        return m.group("name") or None, normalize_domain(m.group("inner"))
    if " " not in first and normalize_domain(first):
        return None, normalize_domain(first)
    return first, None


def association_emails(cell: str) -> tuple[list[str], list[str]]:
    """Addresses in an association cell, and the ';'-separated entries that hold none."""
    emails: list[str] = []
    unreadable: list[str] = []
    for piece in cell.split(";"):
        found = [m.group(0).lower() for m in EMAIL_RE.finditer(piece)]
        if not found and piece.strip():
            unreadable.append(piece.strip())
        for address in found:
            if address not in emails:
                emails.append(address)
    return emails, unreadable


def rich_text(value: str) -> str:
    """Plain text of a task or note body; HubSpot stores both as HTML from its editor."""
    if _TAG_RE.search(value):
        return html_to_text(value)
    return value.replace("\r\n", "\n").strip()
