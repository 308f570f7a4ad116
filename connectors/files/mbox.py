"""Unix mbox files (Google Takeout's Gmail export) -> messages and email signals.

The file is read front to back in large blocks and cut at its "From " lines, so memory stays
flat however large the mailbox; messages are parsed one at a time, and `iter_mbox` can resume
after the first `start` messages without parsing them.

A message becomes what the email package's parser (compat32 policy) would make of it, without
most of its cost: the header block and well-formed multipart bodies are split here, by the
feed parser's own rules, and anything unusual (message/* parts, digests, missing or doubled
boundaries) goes to the package itself. Header values stay text; only the few a record needs
are decoded (encoded words, addresses, dates), and the MIME tree is searched once for the
body. Contacts are not created here: whether a correspondent deserves a contact is the
daemon's call.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import Parser
from functools import lru_cache
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

from dateutil import parser as date_parser

from connectors.base import (
    Direction,
    ImportFormatError,
    MessageRecord,
    OperatorIdentity,
    SignalRecord,
    SyncBatch,
)
from connectors.files._common import (
    EMAIL_RE,
    SOURCE,
    first_line,
    normalize_email,
    one_line,
    read_head,
)

# Bodies beyond this are pasted logs or forwarded reports; nothing downstream needs all of it.
MAX_BODY_CHARS = 100_000

_AUTOMATED_LOCAL_RE = re.compile(
    r"^(?:no-?reply|do-?not-?reply|notifications?|mailer-daemon|postmaster|bounces?)"
    r"(?:[+._-].*)?$"
)
_BOUNCE_LOCALS = frozenset({"mailer-daemon", "postmaster"})
_REPLY_PREFIX_RE = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)
_ATTRIBUTION_END_RE = re.compile(r"wrote:\s*$")
_ORIGINAL_MESSAGE_RE = re.compile(r"^-{2,}\s*(original message|forwarded message)\s*-{2,}$", re.I)
_FOLD_RE = re.compile(r"\r?\n[ \t]+")
_SPACE_RE = re.compile(r"\s+")
_ANGLE_ID_RE = re.compile(r"<([^<>\s]+)>")
_ESCAPED_FROM_RE = re.compile(r"(?m)^>(>*From )")
# A dot-atom address; getaddresses returns these exactly as written.
_DOT_ATOM_ADDRESS = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
_NAMED_ADDRESS_RE = re.compile(rf"[ \t]*([^<>@,]*?)[ \t]*<({_DOT_ATOM_ADDRESS})>[ \t]*")
_BARE_ADDRESS_RE = re.compile(rf"[ \t]*()({_DOT_ATOM_ADDRESS})[ \t]*")
_ADDRESS_SPECIALS_RE = re.compile(r'["()\[\]\\:;\r\n]')
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_BLANKS_RE = re.compile(r"[ \t]+")
_EXTRA_LINES_RE = re.compile(r"\n{3,}")

# Read this much of the file at a time; a message larger than this grows the read instead.
_BLOCK = 1 << 20
_SEPARATOR = b"\nFrom "
_BOM = b"\xef\xbb\xbf"

# A header block ends at the first line that is not a field, a continuation or an envelope
# line (email.feedparser's headerRE); lines end at CRLF, CR or LF, as the feed parser splits
# them. Reading the block with these patterns costs a fraction of the feed parser's line loop.
_HEADER_LINE = r"(?:From |[\041-\071\073-\176]*:|[\t ])[^\r\n]*(?:\r\n|\r|\n|\Z)"
_HEADER_BLOCK_RE = re.compile(f"(?:{_HEADER_LINE})*")
_FIELD_RE = re.compile(
    r"([\041-\071\073-\176]*):[ \t]*"
    r"([^\r\n]*(?:\r\n|\r|\n|\Z)(?:[ \t][^\r\n]*(?:\r\n|\r|\n|\Z))*)"
)
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
# For bodies _mime leaves to the email package; compat32 keeps header values as the text in
# the file, where the default policy would build an object for each one read.
_MIME_PARSER = Parser(policy=policy.compat32)
# The fields that decide how a body is split, chosen and decoded.
_BODY_FIELDS = ("content-type", "content-disposition", "content-transfer-encoding", "content-id")


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
    for parsed in iter_mbox(path, operator):
        if parsed.message is not None:
            batch.messages.append(parsed.message)
        batch.signals.extend(parsed.signals)
        if parsed.warning:
            batch.warnings.append(parsed.warning)
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


def _split(data: bytes) -> tuple[list[tuple[str, str]], Message]:
    """(header fields as written, the message as a compat32 Message) of one mbox entry.

    The fields are those `Message.raw_items()` would give, and the Message has the MIME tree
    the email package would build, but it carries only the fields that shape each body.
    """
    text = data.decode("ascii", "surrogateescape")
    fields, body = _header_block(text)
    shaping = _shaping(fields)
    try:
        return fields, _mime(shaping, body)
    except _Unusual:
        lead = "".join(f"{name}: {value}\n" for name, value in shaping.values())
        return fields, _MIME_PARSER.parsestr(f"{lead}\n{body}")


def _header_block(text: str) -> tuple[list[tuple[str, str]], str]:
    """(fields, body) of a message or MIME part, by email.feedparser's rules.

    Header lines, continuation lines, a misplaced "From " line and a missing blank line before
    the body come out as the feed parser has them.
    """
    block_match = _HEADER_BLOCK_RE.match(text)  # the pattern matches the empty string too
    end = block_match.end() if block_match else 0
    newline = _NEWLINE_RE.match(text, end)
    body = text[newline.end() if newline else end :]
    block = text[:end]
    if not _has_odd_header_line(block):
        # Only "Name: value" lines and their continuations: one pattern reads every field.
        fields = [(name, value.rstrip("\r\n")) for name, value in _FIELD_RE.findall(block)]
        return fields, body
    lines = _LINE_RE.findall(block)
    fields = []
    pending: list[str] = []
    for number, line in enumerate(lines):
        if line[0] in " \t":
            if pending:
                pending.append(line)
            continue
        if pending:
            fields.append(_field(pending))
            pending = []
        if line.startswith("From "):
            if number and number == len(lines) - 1:
                # Last in the block it reads as the body's first line; the blank line is gone.
                body = line + body
            continue
        if line[0] != ":":
            pending = [line]
    if pending:
        fields.append(_field(pending))
    return fields, body


def _has_odd_header_line(block: str) -> bool:
    """Whether a header block has a line the feed parser treats specially: an envelope line,
    a field without a name, or a continuation with nothing to continue."""
    return (
        block.startswith(("From ", ":", " ", "\t"))
        or "\nFrom " in block
        or "\rFrom " in block
        or "\n:" in block
        or "\r:" in block
    )


def _field(lines: list[str]) -> tuple[str, str]:
    """What compat32's header_source_parse makes of a field's lines."""
    name, value = lines[0].split(":", 1)
    return name, (value.lstrip(" \t") + "".join(lines[1:])).rstrip("\r\n")


def _shaping(fields: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The first of each field that decides how a body is split and decoded."""
    shaping: dict[str, tuple[str, str]] = {}
    for name, value in fields:
        key = name.lower()
        if key in _BODY_FIELDS and key not in shaping:
            shaping[key] = (name, value)
    return shaping


class _Unusual(Exception):
    """A MIME structure that only the email package should judge."""


def _mime(shaping: dict[str, tuple[str, str]], body: str, *, part: bool = False) -> Message:
    """The compat32 Message tree of a body, for plain and well-formed multipart bodies.

    Splitting at boundary lines here spares the feed parser's line loop and the regular
    expression it compiles for every boundary. Anything it would treat specially (message/*
    parts, digests, missing or doubled boundaries) raises _Unusual instead. The line break
    before a boundary belongs to the boundary (RFC 2046), so a `part`'s text loses it.
    """
    msg = Message()
    for name, value in shaping.values():
        msg[name] = value
    maintype = msg.get_content_maintype()
    if maintype == "message":
        raise _Unusual
    if maintype != "multipart":
        msg.set_payload(_trim_line_end(body) if part else body)
        return msg
    boundary = msg.get_boundary()
    if not boundary or msg.get_content_subtype() == "digest":
        raise _Unusual
    marks = _boundary_lines(body, "--" + boundary)
    if len(marks) < 2 or marks[0][2] or not marks[-1][2]:
        raise _Unusual
    for (_, end, _), (start, _, _) in pairwise(marks):
        if start == end:
            # Back-to-back boundary lines: the feed parser swallows them in its own way.
            raise _Unusual
        fields, part_body = _header_block(body[end:start])
        msg.attach(_mime(_shaping(fields), part_body, part=True))
    return msg


def _boundary_lines(text: str, separator: str) -> list[tuple[int, int, bool]]:
    """(start, end, is close) of each boundary line up to the first close boundary.

    A boundary line is the separator at the start of a line, optionally "--", spaces or tabs,
    then the line end, as the feed parser matches it.
    """
    marks: list[tuple[int, int, bool]] = []
    size = len(text)
    at = text.find(separator)
    while at >= 0:
        if at == 0 or text[at - 1] in "\r\n":
            j = at + len(separator)
            close = text.startswith("--", j)
            k = j + 2 if close else j
            while k < size and text[k] in " \t":
                k += 1
            if k == size or text[k] in "\r\n":
                end = k + 2 if text.startswith("\r\n", k) else min(k + 1, size)
                marks.append((at, end, close))
                if close:
                    break
        at = text.find(separator, at + 1)
    return marks


def _trim_line_end(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


class _Headers:
    """The header fields of one message by lower-cased name, as written, each read once."""

    __slots__ = ("fields",)

    def __init__(self, items: list[tuple[str, str]]):
        fields: dict[str, list[str]] = {}
        for name, value in items:
            key = name.lower()
            if key in fields:
                fields[key].append(value)
            else:
                fields[key] = [value]
        self.fields = fields

    def raw(self, name: str) -> str | None:
        """The first field called `name`, unfolded; what ids, dates and flags are read from."""
        values = self.fields.get(name)
        if not values:
            return None
        value = values[0]
        if "\n" in value:
            value = _FOLD_RE.sub(" ", value)
        return _text(value).strip()

    def all(self, name: str) -> list[str]:
        return [_text(_FOLD_RE.sub(" ", v)) for v in self.fields.get(name, ())]


def _text(value: str) -> str:
    """Header bytes outside ASCII (raw UTF-8 from sloppy clients) as text, like the default
    policy reads them: the parser hands them over as surrogate escapes."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words ('=?UTF-8?Q?Caf=C3=A9?=') in a header value.

    Whitespace between two encoded words goes, everything else stays as written. Adjacent
    words in one charset are decoded together: encoders may split a character across them.
    An unknown charset reads as UTF-8, bytes the declared charset cannot read are tried as
    UTF-8, and what is left undecodable becomes U+FFFD, never an error.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = b""
    pending_charset = ""
    after_word = False
    pos = 0
    for m in _ENCODED_WORD_RE.finditer(value):
        gap = value[pos : m.start()]
        pos = m.end()
        if gap and not (after_word and gap.isspace()):
            out.append(_decode_bytes(pending, pending_charset))
            pending = b""
            out.append(gap)
        charset = m.group(1).partition("*")[0].lower()
        encoded = m.group(3)
        try:
            if m.group(2) in "bB":
                chunk = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
            else:
                chunk = binascii.a2b_qp(encoded.encode("utf-8"), header=True)
        except (binascii.Error, ValueError):
            out.append(_decode_bytes(pending, pending_charset))
            pending = b""
            out.append(m.group(0))
            after_word = False
            continue
        if charset != pending_charset:
            out.append(_decode_bytes(pending, pending_charset))
            pending = b""
        pending += chunk
        pending_charset = charset
        after_word = True
    out.append(_decode_bytes(pending, pending_charset))
    out.append(value[pos:])
    return "".join(out)


def _decode_bytes(data: bytes, charset: str) -> str:
    if not data:
        return ""
    try:
        return data.decode(charset or "utf-8")
    except LookupError:
        return data.decode("utf-8", "replace")
    except UnicodeDecodeError:
        # Mislabelled text, typically UTF-8 declared as us-ascii: what the declared charset
        # cannot read is read as UTF-8, as the default policy does.
        return _text(data.decode(charset, "surrogateescape"))


def _parse_message(raw: bytes, operator: OperatorIdentity, number: int = 0) -> ParsedMessage:
    envelope, _, data = raw.partition(b"\n")
    envelope = envelope.rstrip(b"\r")
    items, msg = _split(data)
    headers = _Headers(items)

    senders = _addresses(headers, "from")
    if not senders:
        raise _Skip("no sender (From header)")
    from_name, from_addr = senders[0]
    to = [a for _, a in _addresses(headers, "to")]
    cc = [a for _, a in _addresses(headers, "cc")]
    subject = _SPACE_RE.sub(" ", decode_words(headers.raw("subject") or "")).strip()
    content_type = msg.get_content_type()
    plain, body = _bodies(msg, content_type)
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
    thread_key = _thread_key(headers, references, in_reply_to, message_id, subject, participants)

    labels = _labels(headers)
    is_draft = any(label.lower() in {"draft", "drafts"} for label in labels)
    local = from_addr.partition("@")[0]
    bounce = local in _BOUNCE_LOCALS or (
        content_type == "multipart/report"
        and str(msg.get_param("report-type", "")).lower() == "delivery-status"
    )
    automated = bounce or _is_automated(headers, local)
    if automated and "automated" not in labels:
        labels.append("automated")
    if bounce and "bounce" not in labels:
        labels.append("bounce")

    direction: Direction
    if operator.is_operator(from_addr):
        direction = "outbound"
    elif operator.is_internal(from_addr):
        direction = "internal"
    else:
        direction = "inbound"

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
    )
    if is_draft:
        return ParsedMessage(record, [], None, number)

    payload: dict[str, object] = {
        "message_id": message_id,
        "subject": subject,
        "from": from_addr,
        "to": to,
        "snippet": one_line(body, 160),
    }
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
                payload={**payload, "recipient": recipient},
                contact_email=recipient,
                thread_key=thread_key,
            )
        )
    elif direction == "inbound":
        signals.append(
            SignalRecord(
                kind="email.received",
                occurred_at=sent_at,
                dedup_key=f"email.received:{message_id}",
                payload={**payload, "automated": automated},
                contact_email=from_addr,
                thread_key=thread_key,
            )
        )
    elif direction == "outbound":
        counterpart = next((a for a in [*to, *cc] if not operator.is_internal(a)), None)
        # Mail only to colleagues is internal conversation, not selling activity.
        if counterpart is not None:
            signals.append(
                SignalRecord(
                    kind="email.sent",
                    occurred_at=sent_at,
                    dedup_key=f"email.sent:{message_id}",
                    payload=payload,
                    contact_email=counterpart,
                    thread_key=thread_key,
                )
            )
    return ParsedMessage(record, signals, warning, number)


def _addresses(headers: _Headers, name: str) -> list[tuple[str, str]]:
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


def _sent_at(headers: _Headers, envelope: bytes) -> datetime | None:
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
    headers: _Headers,
    references: list[str],
    in_reply_to: str | None,
    message_id: str,
    subject: str,
    participants: list[str],
) -> str:
    thrid = headers.raw("x-gm-thrid") or ""
    if thrid.isdigit():
        # Gmail's API names the same thread by the hex form of this number.
        return format(int(thrid), "x")
    if references:
        return references[0]
    if in_reply_to:
        return in_reply_to
    is_reply = bool(_REPLY_PREFIX_RE.match(subject))
    if not is_reply and not message_id.endswith("@generated"):
        # A message that starts a conversation is the root its replies will reference.
        return message_id
    basis = normalize_subject(subject) + "|" + ",".join(participants)
    return "subject-" + hashlib.sha1(basis.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _labels(headers: _Headers) -> list[str]:
    raw = headers.raw("x-gmail-labels") or ""
    labels: list[str] = []
    for part in raw.split(","):
        label = part.strip().strip('"').strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def _is_automated(headers: _Headers, local_part: str) -> bool:
    if headers.raw("list-unsubscribe") or headers.raw("list-id"):
        return True
    if (headers.raw("precedence") or "").lower() in {"bulk", "list", "junk"}:
        return True
    auto = (headers.raw("auto-submitted") or "").lower()
    if auto and auto != "no":
        return True
    return bool(_AUTOMATED_LOCAL_RE.match(local_part))


def _failed_recipient(
    msg: Message, headers: _Headers, text: str, operator: OperatorIdentity
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


def _bodies(msg: Message, content_type: str) -> tuple[str, str]:
    """(full text, newly written text): the first finds bounce recipients, the second is stored.

    The text/plain part is preferred, then text/html converted to text.
    """
    plain, html = _find_text_parts(msg, content_type)
    if plain is not None:
        text = _decoded(plain)
    elif html is not None:
        text = html_to_text(_decoded(html))
    else:
        text = ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # mboxo/mboxrd escape body lines starting with "From "; undo it before quotes are judged.
    if ">From " in text:
        text = _ESCAPED_FROM_RE.sub(r"\1", text)
    return text, strip_quoted(text).strip()[:MAX_BODY_CHARS]


def _find_text_parts(msg: Message, content_type: str) -> tuple[Message | None, Message | None]:
    """The first inline text/plain and text/html parts, depth first.

    The search EmailMessage.get_body makes, once for both preferences: attachments are never
    a body, message/* parts are other messages, and of a multipart/related only its root part
    (the "start" parameter, else the first) is looked at.
    """
    plain: Message | None = None
    html: Message | None = None
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.get_content_disposition() == "attachment":
            continue
        kind = content_type if part is msg else part.get_content_type()
        maintype, _, subtype = kind.partition("/")
        if maintype == "text":
            if subtype == "plain" and plain is None:
                plain = part
                break
            if subtype == "html" and html is None:
                html = part
            continue
        if maintype != "multipart":
            continue
        children = part.get_payload()
        if not isinstance(children, list):
            continue
        if subtype == "related" and children:
            root = part.get_param("start")
            chosen = children[0]
            if root:
                chosen = next(
                    (c for c in children if isinstance(c, Message) and c["content-id"] == root),
                    chosen,
                )
            children = [chosen]
        stack.extend(reversed([c for c in children if isinstance(c, Message)]))
    return plain, html


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    # Undeclared 8-bit text is far more often UTF-8 than anything else.
    charset = _charset(part) or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _charset(part: Message) -> str | None:
    value = part.get("content-type")
    if isinstance(value, str) and value.isascii():
        return _charset_of(value)
    return part.get_content_charset()


# Text parts declare the same few Content-Type values over and over; parsing the parameters
# of each again is a good part of the cost of decoding a body.
@lru_cache(maxsize=256)
def _charset_of(content_type: str) -> str | None:
    probe = Message()
    probe["Content-Type"] = content_type
    return probe.get_content_charset()


def strip_quoted(text: str) -> str:
    """Drop the quoted history of a reply so only what the sender newly wrote remains."""
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            kept.append("")
            continue
        first = stripped[0]
        if first == ">":
            continue
        if first == "O" and stripped.startswith("On ") and _attribution_ends(lines, i):
            break
        if first == "-" and _ORIGINAL_MESSAGE_RE.match(stripped):
            break
        if (
            first == "_"
            and len(stripped) >= 8
            and not stripped.strip("_")
            and _outlook_header_follows(lines, i + 1)
        ):
            break
        if (
            first == "F"
            and len(stripped) > 6
            and stripped.startswith("From: ")
            and kept
            and _outlook_header_follows(lines, i)
        ):
            break
        kept.append(line.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    joined = "\n".join(kept)
    return _EXTRA_LINES_RE.sub("\n\n", joined) if "\n\n\n" in joined else joined


def _attribution_ends(lines: list[str], start: int) -> bool:
    """An 'On <date>, <who> wrote:' line, which mail clients may wrap over up to three lines."""
    joined = ""
    for line in lines[start : start + 3]:
        joined += " " + line.strip()
        if _ATTRIBUTION_END_RE.search(line.strip()):
            return len(joined) < 400
    return False


def _outlook_header_follows(lines: list[str], start: int) -> bool:
    block = [ln.strip() for ln in lines[start : start + 6] if ln.strip()]
    return (
        bool(block)
        and block[0].startswith("From:")
        and any(ln.startswith(("Sent:", "Date:")) for ln in block[1:4])
    )


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset(
        {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        # Gmail wraps the quoted history in these. Outlook's header block ("From: ... Sent:")
        # is kept as text on purpose: strip_quoted cuts the history below it.
        quoted = tag == "blockquote" or "gmail_quote" in classes
        skip = tag in self._SKIP or quoted
        if tag not in {"br", "img", "hr", "meta", "link", "input"}:
            self._stack.append((tag, skip))
            if skip:
                self._skip_depth += 1
        if tag in self._BLOCK and not self._skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for _, skip in self._stack[i:]:
                    if skip:
                        self._skip_depth -= 1
                del self._stack[i:]
                break
        if tag in self._BLOCK and not self._skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = _BLANKS_RE.sub(" ", "".join(extractor.parts).replace("\xa0", " "))
    return _EXTRA_LINES_RE.sub("\n\n", "\n".join(ln.strip() for ln in text.split("\n"))).strip()
