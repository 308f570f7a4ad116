"""RFC 5322 and MIME mechanics of the mbox parser: header blocks, MIME trees, header values.

A message becomes what the email package's parser (compat32 policy) would make of it, without
most of its cost: the header block and well-formed multipart bodies are split here, by the
feed parser's own rules, and anything unusual (message/* parts, digests, missing or doubled
boundaries) goes to the package itself. Header values stay text; only the few a record needs
are decoded (encoded words by `decode_words`, raw 8-bit bytes as UTF-8).
"""

from __future__ import annotations

import base64
import binascii
import re
from email import policy
from email.message import Message
from email.parser import Parser
from itertools import pairwise

_FOLD_RE = re.compile(r"\r?\n[ \t]+")
_ENCODED_WORD_RE = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")

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


def split(data: bytes) -> tuple[list[tuple[str, str]], Message]:
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


class Headers:
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
