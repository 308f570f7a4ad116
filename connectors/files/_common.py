"""What the local-file parsers share: their source name, sniffing a file's first bytes, ids
from labels, one-line notes, and a mail message's payload and signals. Addresses and dates,
which other connectors read too, live in `connectors.addresses` and `connectors.dates`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from connectors.base import ImportFormatError, MessageRecord, OperatorIdentity, SignalRecord

SOURCE = "files"

_SNIFF_BYTES = 64 * 1024

_NOT_SLUG_RE = re.compile(r"[^a-z0-9]")
_SPACES_RE = re.compile(r"\s+")


# Called on stages, pipelines, statuses: a handful of distinct values per export.
@lru_cache(maxsize=1024)
def slug(value: str) -> str:
    """HubSpot's internal ids are the labels with case and punctuation dropped."""
    return _NOT_SLUG_RE.sub("", value.lower())


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
