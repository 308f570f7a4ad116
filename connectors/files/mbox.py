"""Unix mbox files (Google Takeout's Gmail export) -> messages and email signals.

The file is indexed once by `mailbox.mbox` (offsets only) and then read one message at a time,
so a mailbox of tens of megabytes never sits in memory as parsed messages. Contacts are not
created here: whether a correspondent deserves a contact is the daemon's call.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import mailbox
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser
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


class ParsedMessage(NamedTuple):
    """One mbox entry: the record (None when skipped), its signals and any warning."""

    message: MessageRecord | None
    signals: list[SignalRecord]
    warning: str | None


def parse_mbox(path: Path, operator: OperatorIdentity) -> SyncBatch:
    batch = SyncBatch(source=SOURCE)
    for parsed in iter_mbox(path, operator):
        if parsed.message is not None:
            batch.messages.append(parsed.message)
        batch.signals.extend(parsed.signals)
        if parsed.warning:
            batch.warnings.append(parsed.warning)
    return batch


def iter_mbox(path: Path, operator: OperatorIdentity) -> Iterator[ParsedMessage]:
    """Yield messages one by one, for callers that want to write as they read."""
    check_mbox(path)
    try:
        box = mailbox.mbox(str(path), create=False)
    except (OSError, mailbox.Error) as exc:
        raise ImportFormatError(f"cannot open mbox: {exc}", path=str(path)) from exc
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            raw = box.get_bytes(key, from_=True)
            try:
                parsed = _parse_message(raw, operator)
                if parsed.warning:
                    where = f"{path.name}: message {number}: {parsed.warning}"
                    parsed = parsed._replace(warning=where)
                yield parsed
            except Exception as exc:
                # One malformed message must not cost the user the other thousands.
                reason = str(exc) or type(exc).__name__
                yield ParsedMessage(None, [], f"{path.name}: message {number}: skipped, {reason}")
    finally:
        box.close()


def check_mbox(path: Path) -> None:
    head = read_head(path)
    if not head.strip():
        raise ImportFormatError("file is empty", path=str(path))
    if not first_line(head).startswith(b"From "):
        raise ImportFormatError(
            "not an mbox file: first line must start with 'From '", path=str(path), line=1
        )


class _Skip(Exception):
    pass


def _parse_message(raw: bytes, operator: OperatorIdentity) -> ParsedMessage:
    envelope, _, data = raw.partition(b"\n")
    msg = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)

    senders = _addresses(msg, "From")
    if not senders:
        raise _Skip("no sender (From header)")
    from_name, from_addr = senders[0]
    to = [a for _, a in _addresses(msg, "To")]
    cc = [a for _, a in _addresses(msg, "Cc")]
    subject = _text_header(msg, "Subject")
    plain, body = _bodies(msg)
    sent_at = _sent_at(msg, envelope)
    if sent_at is None:
        raise _Skip(f"no valid Date in message from {from_addr} ({subject!r})")

    references = re.findall(r"<([^<>\s]+)>", _raw_header(msg, "References") or "")
    in_reply_to = _first_id(_raw_header(msg, "In-Reply-To"))
    message_id = _first_id(_raw_header(msg, "Message-ID"))
    participants = sorted({from_addr, *to, *cc})
    if message_id is None:
        digest = hashlib.sha256(
            "\x1f".join(
                [from_addr, ",".join(to), _raw_header(msg, "Date") or "", subject, body[:4000]]
            ).encode("utf-8", "surrogatepass")
        ).hexdigest()
        message_id = f"caseyos-{digest[:32]}@generated"
    thread_key = _thread_key(msg, references, in_reply_to, message_id, subject, participants)

    labels = _labels(msg)
    is_draft = any(label.lower() in {"draft", "drafts"} for label in labels)
    local = from_addr.partition("@")[0]
    bounce = local in _BOUNCE_LOCALS or (
        msg.get_content_type() == "multipart/report"
        and str(msg.get_param("report-type", "")).lower() == "delivery-status"
    )
    automated = bounce or _is_automated(msg, local)
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
        return ParsedMessage(record, [], None)

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
        recipient = _failed_recipient(msg, plain, operator)
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
    return ParsedMessage(record, signals, warning)


def _raw_header(msg: Message, name: str) -> str | None:
    """A header as written, unfolded; avoids the structured parsers for ids and dates."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return re.sub(r"\r?\n[ \t]+", " ", str(value)).strip()
    return None


def _text_header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        value = _raw_header(msg, name)
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; unparseable entries are dropped."""
    pairs: list[tuple[str, str]] = []
    try:
        for header in msg.get_all(name, []):
            for addr in getattr(header, "addresses", ()):
                if addr.username and addr.domain:
                    pairs.append((addr.display_name, addr.addr_spec.lower()))
    except Exception:
        pairs = []
    if not pairs:
        raw = ", ".join(v for k, v in msg.raw_items() if k.lower() == name.lower())
        for display, address in email.utils.getaddresses([raw]):
            found = normalize_email(address)
            if found:
                pairs.append((display, found))
    seen: set[str] = set()
    unique = []
    for display, address in pairs:
        if address not in seen:
            seen.add(address)
            unique.append((display, address))
    return unique


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    m = re.search(r"<([^<>\s]+)>", value)
    if m:
        return m.group(1)
    bare = value.strip().split()
    return bare[0] if bare else None


def _sent_at(msg: Message, envelope: bytes) -> datetime | None:
    raw = _raw_header(msg, "Date")
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
    return re.sub(r"\s+", " ", _REPLY_PREFIX_RE.sub("", subject)).strip().lower()


def _thread_key(
    msg: Message,
    references: list[str],
    in_reply_to: str | None,
    message_id: str,
    subject: str,
    participants: list[str],
) -> str:
    thrid = (_raw_header(msg, "X-GM-THRID") or "").strip()
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


def _labels(msg: Message) -> list[str]:
    raw = _raw_header(msg, "X-Gmail-Labels") or ""
    labels: list[str] = []
    for part in raw.split(","):
        label = part.strip().strip('"').strip()
        if label and label not in labels:
            labels.append(label)
    return labels


def _is_automated(msg: Message, local_part: str) -> bool:
    if _raw_header(msg, "List-Unsubscribe") or _raw_header(msg, "List-Id"):
        return True
    if (_raw_header(msg, "Precedence") or "").lower() in {"bulk", "list", "junk"}:
        return True
    auto = (_raw_header(msg, "Auto-Submitted") or "").lower()
    if auto and auto != "no":
        return True
    return bool(_AUTOMATED_LOCAL_RE.match(local_part))


def _failed_recipient(msg: Message, text: str, operator: OperatorIdentity) -> str | None:
    for value in msg.get_all("X-Failed-Recipients", []):
        found = normalize_email(str(value))
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


def _bodies(msg: EmailMessage) -> tuple[str, str]:
    """(full text, newly written text): the first finds bounce recipients, the second is stored."""
    part = msg.get_body(preferencelist=("plain",))
    if part is not None:
        text = _decoded(part)
    else:
        part = msg.get_body(preferencelist=("html",))
        text = html_to_text(_decoded(part)) if part is not None else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # mboxo/mboxrd escape body lines starting with "From "; undo it before quotes are judged.
    text = re.sub(r"(?m)^>(>*From )", r"\1", text)
    return text, strip_quoted(text).strip()[:MAX_BODY_CHARS]


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def strip_quoted(text: str) -> str:
    """Drop the quoted history of a reply so only what the sender newly wrote remains."""
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("On ") and _attribution_ends(lines, i):
            break
        if _ORIGINAL_MESSAGE_RE.match(stripped):
            break
        if re.fullmatch(r"_{8,}", stripped) and _outlook_header_follows(lines, i + 1):
            break
        if re.match(r"^From: .+", stripped) and kept and _outlook_header_follows(lines, i):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept))


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
    text = "".join(extractor.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
