"""The body text of a parsed message: the part that holds it, decoded, without quoted history.

The MIME tree is searched once for the body, text/plain before text/html; HTML is reduced to
plain text (`html_to_text`, which HubSpot task and note bodies use too), and the history a
reply quotes is cut (`strip_quoted`), so what is stored is what the sender newly wrote.
"""

from __future__ import annotations

import re
from email.message import Message
from functools import lru_cache
from html.parser import HTMLParser

# Bodies beyond this are pasted logs or forwarded reports; nothing downstream needs all of it.
MAX_BODY_CHARS = 100_000

_ATTRIBUTION_END_RE = re.compile(r"wrote:\s*$")
_ORIGINAL_MESSAGE_RE = re.compile(r"^-{2,}\s*(original message|forwarded message)\s*-{2,}$", re.I)
_ESCAPED_FROM_RE = re.compile(r"(?m)^>(>*From )")
_BLANKS_RE = re.compile(r"[ \t]+")
_EXTRA_LINES_RE = re.compile(r"\n{3,}")


def bodies(msg: Message, content_type: str) -> tuple[str, str]:
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
    """Plain text of HTML: block elements break lines; scripts, styles and quoted history go."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = _BLANKS_RE.sub(" ", "".join(extractor.parts).replace("\xa0", " "))
    return _EXTRA_LINES_RE.sub("\n\n", "\n".join(ln.strip() for ln in text.split("\n"))).strip()
