"""What a message's own words say, where the rules need it: the day an out-of-office reply
says its sender is back, and whether a contact asked not to be contacted.

Both read only the writer's part of a message (quoted history is cut off) and stay modest:
common English forms, tested one by one; anything else reads as "nothing said".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WEEKDAYS = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
# "back on", "back in the office on", "returning", "return on", "until", "till".
_LEAD = (
    r"\b(?:back|return(?:ing|s)?|until|till)"
    r"(?:\s+(?:in|to|at)\s+(?:the\s+)?(?:office|work|my\s+desk))?(?:\s+on)?\s*,?\s*"
)
_BACK_RE = re.compile(
    _LEAD
    + r"(?:"
    + rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}"  # Mon 7 December
    + rf"|(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}{_YEAR}"  # Monday, December 7th
    + r"|(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?"  # 12/07 (month first), 12/07/2026
    + rf"|{_WEEKDAY}"  # Monday
    + r")\b",
    re.IGNORECASE,
)
# Where the writer's own text ends and the quoted history starts.
_QUOTE_RE = re.compile(
    r"^\s*(?:>|on\b.{0,200}\bwrote:\s*$|-{2,}\s*original message|from:\s)",
    re.IGNORECASE | re.MULTILINE,
)
OWN_TEXT_LIMIT = 2000


def own_text(body: str) -> str:
    """The writer's part of a message body: up to the first quoted line or header block."""
    head = body[:OWN_TEXT_LIMIT]
    found = _QUOTE_RE.search(head)
    return head[: found.start()] if found else head


def back_on(text: str, sent_at: datetime, tz: ZoneInfo) -> date | None:
    """The day an out-of-office reply sent at `sent_at` says its sender is back, if it says
    one: "back on Monday 7 December", "returning 12/07", "until 7 Dec", "back on Monday".
    A date without a year is the next such day on or after the reply; one more than a
    year after it, or before it, is no answer."""
    sent = sent_at.astimezone(tz).date()
    for m in _BACK_RE.finditer(own_text(text)):
        found = _date_of(m.groups(), sent)
        if found is not None and sent <= found <= sent + timedelta(days=366):
            return found
    return None


def _date_of(g: tuple[str | None, ...], sent: date) -> date | None:
    _, day1, month1, year1, _, month2, day2, year2, us_month, us_day, us_year, weekday = g
    if day1 and month1:
        return _on(sent, _MONTHS[month1.lower()[:3]], int(day1), year1)
    if day2 and month2:
        return _on(sent, _MONTHS[month2.lower()[:3]], int(day2), year2)
    if us_month and us_day:
        year = us_year and (int(us_year) + 2000 if len(us_year) == 2 else int(us_year))
        return _on(sent, int(us_month), int(us_day), str(year) if year else None)
    if weekday:
        ahead = (_WEEKDAYS[weekday.lower()[:3]] - sent.weekday()) % 7 or 7
        return sent + timedelta(days=ahead)
    return None


def _on(sent: date, month: int, day: int, year: str | None) -> date | None:
    try:
        if year:
            return date(int(year), month, day)
        found = date(sent.year, month, day)
        return found if found >= sent else date(sent.year + 1, month, day)
    except ValueError:
        return None


# Requests not to be contacted, each with what the contact's record says about it.
_OPT_OUT = (
    (re.compile(r"\bunsubscribe\b|\bopt\s+(?:me\s+)?out\b", re.I), "asked to unsubscribe"),
    (
        re.compile(
            r"\b(?:remove|delete|take)\s+(?:me|my\s+(?:e-?mail|address|name|details))\b"
            r"|\btake\s+(?:me|us)\s+off\b",
            re.I,
        ),
        "asked to be removed",
    ),
    (
        re.compile(
            r"\bstop\s+(?:e-?mailing|contacting|messaging|sending|writing(?:\s+to)?)\b", re.I
        ),
        "asked to stop receiving email",
    ),
    (
        re.compile(
            r"\b(?:do\s+not|don'?t|never)\s+(?:contact|e-?mail|write\s+to|reach\s+out\s+to)"
            r"\s+(?:me|us)\b",
            re.I,
        ),
        "asked not to be contacted",
    ),
    (re.compile(r"\b(?:not|no\s+longer)\s+interested\b", re.I), "said they are not interested"),
)
_SENTENCE_RE = re.compile(r"[.!?\n]+")
_CLAUSE_RE = re.compile(r"[,;:()]+")
# Before the request in its clause: a condition or another negation turns it around
# ("if you're not interested", "please don't remove me", "I'm not not interested").
_TURNED_RE = re.compile(r"\b(?:if|unless|whether|not|never|no|\w+n't)\b", re.I)
_REPLY_RE = re.compile(r"^\s*(?:re|fwd?|aw|wg|sv)\s*:", re.I)
_BUT_RE = re.compile(r"\b(?:but|however|though|although)\b", re.I)


def opt_out_reason(subject: str, body: str) -> str | None:
    """Why this inbound message reads as a request not to be contacted, or None.

    "Please remove me from the newsletter", "Unsubscribe", "Not interested, thanks", "stop
    emailing me" count; "if you're not interested", "please don't remove me", "not
    interested in the starter plan, but..." do not."""
    # A reply's subject is the thread's (often ours); only a fresh subject is their words.
    own_subject = "" if _REPLY_RE.match(subject) else subject
    for sentence in _SENTENCE_RE.split(f"{own_subject}\n{own_text(body)}"):
        for pattern, reason in _OPT_OUT:
            for clause_start, clause in _clauses(sentence):
                m = pattern.search(clause)
                if m is None or _TURNED_RE.search(clause[: m.start()]):
                    continue
                if _BUT_RE.search(sentence[clause_start + m.end() :]):
                    continue
                return f"{reason}: “{_quote(sentence)}”"
    return None


def _clauses(sentence: str) -> list[tuple[int, str]]:
    found, start = [], 0
    for m in _CLAUSE_RE.finditer(sentence):
        found.append((start, sentence[start : m.start()]))
        start = m.end()
    found.append((start, sentence[start:]))
    return found


def _quote(sentence: str, width: int = 80) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"
