"""The mbox parser's shortcuts give what the email package gives, on awkward input too.

Header blocks and well-formed multipart bodies are split by connectors/files/mime.py itself,
and plain address lists are read without email.utils.getaddresses; these compare the results
with the package's on generated messages full of the cases its parser treats specially.
"""

from __future__ import annotations

import email.utils
import random
from email import policy
from email.message import Message
from email.parser import BytesParser

import pytest

from connectors.files import mbox, mime

PACKAGE = BytesParser(policy=policy.compat32)

HEADER_LINES = [
    "Subject: hi",
    "From: a@b.example",
    "From x@y Mon Nov 16 15:00:00 2026",  # an envelope line where a field should be
    " folded",
    "\tfolded with a tab",
    ": no name",
    "X-Empty:",
    "Bad Header: a space in the name ends the block",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Type: multipart/mixed; boundary=zz",
    "Content-Type:\n multipart/alternative;\n boundary=zz",
    "Content-Type: message/rfc822",
    "Content-Transfer-Encoding: base64",
    "Content-Transfer-Encoding: quoted-printable",
    "Content-Disposition: attachment",
    "S\u00fcbject: raw UTF-8 in a name",
    "",
    "a body line",
    "--zz",
    "--zz--",
    "Q2Fmw6k=",
    "caf=C3=A9",
]
BOUNDARIES = ["zz", "zz1", "z", "----=_Part_1", "----=_Part_1x", "b d"]
LEAF_TYPES = [
    None,
    "text/plain",
    "text/html; charset=iso-8859-1",
    "text/plain; charset=x-unknown",
    "application/pdf",
    "image/png",
    "message/rfc822",
    "message/delivery-status",
]


def shape(msg: Message) -> list[tuple[object, ...]]:
    """What the parser's readers use of a MIME tree, part by part."""
    out: list[tuple[object, ...]] = []
    for part in msg.walk():
        payload = part.get_payload()
        out.append(
            (
                part.get_content_type(),
                part.get_content_disposition(),
                payload if isinstance(payload, str) else len(payload),
                None if part.is_multipart() else part.get_payload(decode=True),
                part.get_content_charset(),
                part.get_param("boundary"),
                part.get("content-id"),
            )
        )
    return out


def line_end(rng: random.Random) -> str:
    return rng.choice(["\r\n", "\r"]) if rng.random() < 0.15 else "\n"


def mime_node(rng: random.Random, depth: int) -> str:
    """A MIME entity, usually well formed, sometimes with the defects parsers disagree on."""
    end = line_end(rng)
    if depth < 3 and rng.random() < 0.45:
        boundary = rng.choice(BOUNDARIES)
        subtype = rng.choice(["mixed", "alternative", "related", "digest", "report"])
        headers = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"']
        body = "a preamble" + end if rng.random() < 0.3 else ""
        for _ in range(rng.randint(0, 3)):
            body += f"--{boundary}" + (" \t" if rng.random() < 0.1 else "") + line_end(rng)
            if rng.random() < 0.05:
                body += f"--{boundary}" + end  # a doubled boundary line
            part = mime_node(rng, depth + 1)
            body += part if part.endswith(("\n", "\r")) else part + end
        if rng.random() < 0.9:  # sometimes the close boundary is missing
            body += f"--{boundary}--" + (end if rng.random() < 0.9 else "")
        if rng.random() < 0.3:
            body += "an epilogue" + end
    else:
        headers = []
        kind = rng.choice(LEAF_TYPES)
        if kind:
            headers.append(f"Content-Type: {kind}")
        if rng.random() < 0.3:
            headers.append("Content-Disposition: attachment; filename=a.pdf")
        if rng.random() < 0.3:
            headers.append("Content-Transfer-Encoding: " + rng.choice(["base64", "8bit"]))
        if rng.random() < 0.1:
            headers.append("Content-ID: <x>")
        lines = ["hello", "caf=C3=A9", "Q2Fmw6k=", "--zz-not", " --zz", "--", "From x", ""]
        body = "".join(rng.choice(lines) + line_end(rng) for _ in range(rng.randint(0, 4)))
    if rng.random() < 0.05:
        headers.insert(0, "From x y")
    blank = end if rng.random() < 0.95 else ""
    return "".join(h + end for h in headers) + blank + body


@pytest.mark.parametrize("seed", range(4))
def test_header_blocks_read_like_the_feed_parser(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        text = "".join(rng.choice(HEADER_LINES) + line_end(rng) for _ in range(rng.randint(0, 12)))
        data = text.encode("utf-8")
        fields, msg = mime.split(data)
        reference = PACKAGE.parsebytes(data)
        assert fields == list(reference.raw_items()), text
        assert shape(msg) == shape(reference), text


@pytest.mark.parametrize("seed", range(4))
def test_mime_trees_are_the_email_packages(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        text = "From: a@b.example\nSubject: s\n" + mime_node(rng, 0)
        data = text.encode("utf-8")
        fields, msg = mime.split(data)
        reference = PACKAGE.parsebytes(data)
        assert fields == list(reference.raw_items()), text
        assert shape(msg) == shape(reference), text


ADDRESS_PIECES = [
    "Dana Reyes <dana@acme.example>",
    "x@y.example",
    "=?utf-8?q?Jos=C3=A9?= <j@x.example>",
    "Dr. Who <who@tardis.example>",
    "  Bo \t Lin   <Bo@X.Example> ",
    "O'Brien <ob@x.example>",
    '"Reyes, Dana" <dana@acme.example>',
    "bob@x.example (Bob)",
    "undisclosed-recipients:;",
    "a@b",
    "a..b@c.example",
    "x@y.example.",
    "x@[1.2.3.4]",
    "Dana <dana@acme.example",
    "plain words",
    "\u2003z@w.example",
    "",
]


@pytest.mark.parametrize("seed", range(3))
def test_address_lists_read_like_getaddresses(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(1000):
        values = [
            ", ".join(rng.choice(ADDRESS_PIECES) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(1, 2))
        ]
        expected: list[tuple[str, str]] = []
        for display, address in email.utils.getaddresses(values):
            local, at, domain = address.rpartition("@")
            if at and local and domain and " " not in address:
                found: str | None = address.lower()
            else:
                found = mbox.normalize_email(address)
            if found and found not in {a for _, a in expected}:
                name = mbox._SPACE_RE.sub(" ", mime.decode_words(display)).strip()
                expected.append((name, found))
        headers = mime.Headers([("To", value) for value in values])
        assert mbox._addresses(headers, "to") == expected, values
