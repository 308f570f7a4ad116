"""Unix mbox files (Google Takeout's Gmail export) -> messages and email signals.

The file is read front to back in large blocks and cut at its "From " lines, so memory stays
flat however large the mailbox; messages are parsed one at a time, and `iter_mbox` can resume
after the first `start` messages without parsing them.

Each message is split into header fields and a MIME tree by `mime`, and its body text is read
by `mailtext`; here the fields become a record: addresses, dates, thread key, labels, and
whether the mail is automated or a bounce. Contacts are not created here: whether a
correspondent deserves a contact is the daemon's call.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import NamedTuple

from dateutil import parser as date_parser

from connectors.addresses import EMAIL_RE, normalize_email
from connectors.base import (
    AUTO_REPLY,
    ImportFormatError,
    MessageRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
)
from connectors.files._common import (
    SOURCE,
    first_line,
    kept_note,
    mail_payload,
    mail_signals,
    read_head,
)
from connectors.files.mailtext import bodies
from connectors.files.mime import Headers, decode_words, split

_AUTOMATED_LOCAL_RE = re.compile(
    r"^(?:no-?reply|do-?not-?reply|notifications?|mailer-daemon|postmaster|bounces?)"
    r"(?:[+._-].*)?$"
)
# Subjects of automatic answers: "Automatic reply: ...", "Out of Office: ...", "Autoreply"
# (a subject that goes on, "Out of office next week?", is a person writing).
_AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(?:automatic\s+reply|auto[- ]?(?:reply|response)|abwesenheitsnotiz"
    r"|out\s+of\s+(?:the\s+)?office(?:\s+(?:auto[- ]?)?reply)?|r[ée]ponse\s+automatique)"
    r"\s*(?::|$)",
    re.IGNORECASE,
)
_BOUNCE_LOCALS = frozenset({"mailer-daemon", "postmaster"})
# An enhanced mail status code (RFC 3463): class 2, 4 (transient) or 5 (permanent).
_STATUS_RE = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
_REPLY_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
_SPACE_RE = re.compile(r"\s+")
_ANGLE_ID_RE = re.compile(r"<([^<>\s]+)>")
# A dot-atom address; getaddresses returns these exactly as written.
_DOT_ATOM_ADDRESS = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
_NAMED_ADDRESS_RE = re.compile(rf"[ \t]*([^<>@,]*?)[ \t]*<({_DOT_ATOM_ADDRESS})>[ \t]*")
_BARE_ADDRESS_RE = re.compile(rf"[ \t]*()({_DOT_ATOM_ADDRESS})[ \t]*")
_ADDRESS_SPECIALS_RE = re.compile(r'["()\[\]\\:;\r\n]')

# Read this much of the file at a time; a message larger than this grows the read instead.
_BLOCK = 1 << 20
_SEPARATOR = b"\nFrom "
_BOM = b"\xef\xbb\xbf"


class ParsedMessage(NamedTuple):
    """One mbox entry: the record (None when skipped), its signals and any warning.

    `number` is the entry's 1-based position in the file, what `start` counts to resume.
    """

    message: MessageRecord | None
    signals: list[SignalRecord]
    warning: str | None
    number: int = 0


def parse_mbox(path: Path, operator: OperatorIdentity) -> SyncBatch:
    batch = SyncBatch(source=SOURCE)
    read = 0
    for parsed in iter_mbox(path, operator):
        read += 1
        if parsed.message is not None:
            batch.messages.append(parsed.message)
        batch.signals.extend(parsed.signals)
        if parsed.warning:
            batch.warnings.append(parsed.warning)
    if len(batch.messages) < read:
        batch.remarks.append(kept_note(Path(path).name, len(batch.messages), read, "messages"))
    return batch


def iter_mbox(path: Path, operator: OperatorIdentity, start: int = 0) -> Iterator[ParsedMessage]:
    """Yield messages one by one, for callers that want to write as they read.

    The first `start` messages are passed over without being parsed, so an import that stopped
    after message k resumes with `start=k`; every item carries its message number.
    """
    path = Path(path)
    check_mbox(path)
    for number, raw in _raw_messages(path, skip=start):
        try:
            parsed = _parse_message(raw, operator, number)
            if parsed.warning:
                where = f"{path.name}: message {number}: {parsed.warning}"
                parsed = parsed._replace(warning=where)
            yield parsed
        except Exception as exc:
            # One malformed message must not cost the user the other thousands.
            reason = str(exc) or type(exc).__name__
            yield ParsedMessage(
                None, [], f"{path.name}: message {number}: skipped, {reason}", number
            )


def count_mbox(path: Path) -> int:
    """How many messages `iter_mbox` will yield: its "From " lines, counted without parsing."""
    path = Path(path)
    check_mbox(path)
    count = 0
    try:
        with path.open("rb") as fh:
            data = fh.read(_BLOCK).removeprefix(_BOM)
            if data.startswith(b"From "):
                count += 1
            while data:
                count += data.count(_SEPARATOR)
                block = fh.read(_BLOCK)
                if not block:
                    break
                # Keep a separator that straddles two blocks whole, and count it once.
                data = data[-(len(_SEPARATOR) - 1) :] + block
    except OSError as exc:
        raise ImportFormatError(f"cannot read mbox: {exc}", path=str(path)) from exc
    return count


def check_mbox(path: Path) -> None:
    head = read_head(path)
    if not head.strip():
        raise ImportFormatError("file is empty", path=str(path))
    if not first_line(head).startswith(b"From "):
        raise ImportFormatError(
            "not an mbox file: first line must start with 'From '", path=str(path), line=1
        )


def _raw_messages(path: Path, skip: int = 0) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes from the "From " line on) of each message, in file order.

    Every line starting with "From " opens a message, as mailbox.mbox reads it; text before the
    first one belongs to no message. The blank line that ends each message is dropped. The
    first `skip` messages are counted but never copied out.
    """
    number = 0
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ImportFormatError(f"cannot open mbox: {exc}", path=str(path)) from exc
    with fh:
        data = fh.read(_BLOCK).removeprefix(_BOM)
        begin = 0 if data.startswith(b"From ") else -1  # where the current message starts
        scan = 0  # where to look for the next separator
        while True:
            found = data.find(_SEPARATOR, scan)
            if found >= 0:
                if begin >= 0:
                    number += 1
                    if number > skip:
                        yield number, _without_blank_end(data[begin : found + 1])
                begin = scan = found + 1
                continue
            keep = begin if begin >= 0 else max(len(data) - len(_SEPARATOR) + 1, 0)
            # Reading at least what is held keeps a huge message linear to collect.
            block = fh.read(max(_BLOCK, len(data) - keep))
            if not block:
                if begin >= 0 and begin < len(data):
                    number += 1
                    if number > skip:
                        yield number, _without_blank_end(data[begin:])
                return
            scan = max(len(data) - len(_SEPARATOR) + 1 - keep, 0)
            data = data[keep:] + block
            if begin >= 0:
                begin = 0


def _without_blank_end(raw: bytes) -> bytes:
    if raw.endswith(b"\r\n\r\n"):
        return raw[:-2]
    if raw.endswith(b"\n\n"):
        return raw[:-1]
    return raw


class _Skip(Exception):
    pass


def _parse_message(raw: bytes, operator: OperatorIdentity, number: int = 0) -> ParsedMessage:
    envelope, _, data = raw.partition(b"\n")
    return parse_message(data, operator, envelope=envelope.rstrip(b"\r"), number=number)


def parse_message(
    data: bytes,
    operator: OperatorIdentity,
    *,
    envelope: bytes = b"",
    number: int = 0,
    labels: list[str] | None = None,
    thread_id: str | None = None,
) -> ParsedMessage:
    """One RFC 822 message (no mbox "From " line) -> its record and signals.

    The mbox import and the live Gmail sync both read mail through here, so a message is
    the same record whichever way it came. `envelope` is the mbox "From " line (its date is
    the fallback for a message without one). `labels` and `thread_id` are what the Gmail API
    says of the message (its labelIds and threadId); without them they are read from the
    X-Gmail-Labels and X-GM-THRID headers Google Takeout writes. Raises on a message that
    cannot be kept (no sender, no date).
    """
    items, msg = split(data)
    headers = Headers(items)

    senders = _addresses(headers, "from")
    if not senders:
        raise _Skip("no sender (From header)")
    from_name, from_addr = senders[0]
    to = [a for _, a in _addresses(headers, "to")]
    cc = [a for _, a in _addresses(headers, "cc")]
    subject = _SPACE_RE.sub(" ", decode_words(headers.raw("subject") or "")).strip()
    content_type = msg.get_content_type()
    plain, body = bodies(msg, content_type)
    sent_at = _sent_at(headers, envelope)
    if sent_at is None:
        raise _Skip(f"no valid Date in message from {from_addr} ({subject!r})")

    references = _ANGLE_ID_RE.findall(headers.raw("references") or "")
    in_reply_to = _first_id(headers.raw("in-reply-to"))
    message_id = _first_id(headers.raw("message-id"))
    participants = sorted({from_addr, *to, *cc})
    if message_id is None:
        digest = hashlib.sha256(
            "\x1f".join(
                [from_addr, ",".join(to), headers.raw("date") or "", subject, body[:4000]]
            ).encode("utf-8", "surrogatepass")
        ).hexdigest()
        message_id = f"caseyos-{digest[:32]}@generated"
    named = list(dict.fromkeys([*references, *([in_reply_to] if in_reply_to else [])]))
    if message_id in named:
        named.remove(message_id)
    if thread_id:
        thread_key, from_source = thread_id, True
    else:
        thread_key, from_source = _thread_key(
            headers, references, in_reply_to, message_id, subject, participants
        )

    labels = list(dict.fromkeys(labels)) if labels is not None else _labels(headers)
    is_draft = any(label.lower() in {"draft", "drafts"} for label in labels)
    local = from_addr.partition("@")[0]
    bounce = local in _BOUNCE_LOCALS or (
        content_type == "multipart/report"
        and str(msg.get_param("report-type", "")).lower() == "delivery-status"
    )
    auto_reply = not bounce and is_auto_reply(headers, subject)
    automated = bounce or auto_reply or _is_automated(headers, local)
    if automated and "automated" not in labels:
        labels.append("automated")
    if auto_reply and AUTO_REPLY not in labels:
        labels.append(AUTO_REPLY)
    if bounce and "bounce" not in labels:
        labels.append("bounce")

    direction = operator.direction_of(from_addr)
    record = MessageRecord(
        message_id=message_id,
        thread_key=thread_key,
        from_addr=from_addr,
        sent_at=sent_at,
        direction=direction,
        subject=subject,
        body=body,
        from_name=from_name or None,
        to=to,
        cc=cc,
        in_reply_to=in_reply_to,
        labels=labels,
        is_draft=is_draft,
        references=named,
        thread_from_source=from_source,
    )
    if is_draft:
        return ParsedMessage(record, [], None, number)

    signals: list[SignalRecord] = []
    warning = None
    if bounce:
        recipient = _failed_recipient(msg, headers, plain, operator)
        if recipient is None:
            warning = f"bounce notice {message_id} names no failed recipient"
        signals.append(
            SignalRecord(
                kind="email.bounced",
                occurred_at=sent_at,
                dedup_key=f"email.bounced:{message_id}",
                payload={
                    **mail_payload(record),
                    "recipient": recipient,
                    "status": _delivery_status(msg, plain),
                },
                contact_email=recipient,
                thread_key=thread_key,
            )
        )
    else:
        signals = mail_signals(record, operator, automated=automated)
    return ParsedMessage(record, signals, warning, number)


def _addresses(headers: Headers, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; unparseable entries are dropped."""
    values = headers.all(name)
    if not values:
        return []
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for display, address in _mailboxes(values):
        local, at, domain = address.rpartition("@")
        if at and local and domain and " " not in address:
            found: str | None = address.lower()
        else:
            found = normalize_email(address)
        if found and found not in seen:
            seen.add(found)
            pairs.append((_SPACE_RE.sub(" ", decode_words(display)).strip(), found))
    return pairs


def _mailboxes(values: list[str]) -> list[tuple[str, str]]:
    """email.utils.getaddresses, with its answer for plain lists computed directly.

    Lists of 'Name <local@domain>' and bare 'local@domain' items, without quotes, comments,
    groups or brackets, are what most mail carries; getaddresses reads those character by
    character in Python. Anything else goes to it.
    """
    pairs: list[tuple[str, str]] = []
    for value in values:
        if _ADDRESS_SPECIALS_RE.search(value):
            return email.utils.getaddresses(values)
        for item in value.split(","):
            m = _NAMED_ADDRESS_RE.fullmatch(item) or _BARE_ADDRESS_RE.fullmatch(item)
            if m is None:
                if item.strip():
                    return email.utils.getaddresses(values)
                continue
            display, address = m.groups()
            pairs.append((display or "", address))
    return pairs


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    m = _ANGLE_ID_RE.search(value)
    if m:
        return m.group(1)
    bare = value.strip().split()
    return bare[0] if bare else None


def _sent_at(headers: Headers, envelope: bytes) -> datetime | None:
    raw = headers.raw("date")
    moment: datetime | None = None
    if raw:
        try:
            moment = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            try:
                moment = date_parser.parse(raw)
            except (ValueError, OverflowError):
                moment = None
    if moment is None:
        # The mbox "From " line carries the delivery time; better than losing the message.
        parts = envelope.decode("ascii", "replace").split(None, 2)
        if len(parts) == 3:
            try:
                moment = date_parser.parse(parts[2])
            except (ValueError, OverflowError):
                moment = None
    if moment is None:
        return None
    if moment.tzinfo is None:
        # RFC 5322 "-0000" (and the envelope line) mean "zone unknown"; UTC is the convention.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalize_subject(subject: str) -> str:
    return _SPACE_RE.sub(" ", _REPLY_PREFIX_RE.sub("", subject)).strip().lower()


def _thread_key(
    headers: Headers,
    references: list[str],
    in_reply_to: str | None,
    message_id: str,
    subject: str,
    participants: list[str],
) -> tuple[str, bool]:
    """The thread key, and whether it is Gmail's own thread id (which decides the thread).

    Without one, the key is a first guess that the daemon refines by the ids each message
    names (see `daemon/domain/ingest/threads.py`).
    """
    thrid = (headers.raw("x-gm-thrid") or "").strip()
    if thrid.isdigit():
        # Gmail's API names the same thread by the hex form of this number.
        return format(int(thrid), "x"), True
    if references:
        return references[0], False
    if in_reply_to:
        return in_reply_to, False
    is_reply = bool(_REPLY_PREFIX_RE.match(subject))
    if not is_reply and not message_id.endswith("@generated"):
        # A message that starts a conversation is the root its replies will reference.
        return message_id, False
    basis = normalize_subject(subject) + "|" + ",".join(participants)
    digest = hashlib.sha1(basis.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return "subject-" + digest, False


def _labels(headers: Headers) -> list[str]:
    raw = headers.raw("x-gmail-labels") or ""
    labels: list[str] = []
    for part in raw.split(","):
        label = part.strip().strip('"').strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def is_auto_reply(headers: Headers, subject: str) -> bool:
    """An out-of-office or other automatic answer: never a reply from the person."""
    if (headers.raw("auto-submitted") or "").strip().lower().startswith("auto-replied"):
        return True
    if headers.raw("x-autoreply") or headers.raw("x-autorespond"):
        return True
    # Outlook marks its own automatic answers so that others do not answer them in turn.
    suppress = (headers.raw("x-auto-response-suppress") or "").lower()
    if suppress and any(w in suppress for w in ("all", "oof", "autoreply")):
        return True
    return bool(_AUTO_REPLY_SUBJECT_RE.match(subject))


def _is_automated(headers: Headers, local_part: str) -> bool:
    if headers.raw("list-unsubscribe") or headers.raw("list-id"):
        return True
    if (headers.raw("precedence") or "").lower() in {"bulk", "list", "junk"}:
        return True
    auto = (headers.raw("auto-submitted") or "").lower()
    if auto and auto != "no":
        return True
    return bool(_AUTOMATED_LOCAL_RE.match(local_part))


def _delivery_status(msg: Message, text: str) -> str | None:
    """The report's status code ('5.1.1': permanent, '4.x.x': only delayed), from its
    delivery-status part, else the first one the notice's text names; None when neither."""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if isinstance(block, Message) and block.get("Status"):
                found = _STATUS_RE.search(str(block.get("Status")))
                if found:
                    return found.group(0)
    found = _STATUS_RE.search(text)
    return found.group(0) if found else None


def _failed_recipient(
    msg: Message, headers: Headers, text: str, operator: OperatorIdentity
) -> str | None:
    for value in headers.all("x-failed-recipients"):
        found = normalize_email(value)
        if found:
            return found
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            for name in ("Final-Recipient", "Original-Recipient"):
                field = block.get(name)
                if field:
                    address = normalize_email(str(field).split(";", 1)[-1])
                    if address:
                        return address
    for m in EMAIL_RE.finditer(text):
        address = m.group(0).lower()
        local = address.partition("@")[0]
        if local not in _BOUNCE_LOCALS and not operator.is_operator(address):
            return address
    return None
