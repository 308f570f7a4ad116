"""mbox mail archives: threading, direction, bodies, automated mail, bounces, bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import ImportFormatError
from connectors.files import detect_kind, parse_file
from connectors.files.mailtext import html_to_text, strip_quoted
from tests.files_helpers import OPERATOR, write


def mail(
    *,
    frm: str,
    to: str = "Casey Morgan <casey@quill.example>",
    subject: str = "Pricing",
    date_: str = "Mon, 16 Nov 2026 10:00:00 -0500",
    msgid: str | None = "<m1@acme.example>",
    headers: str = "",
    body: str = "Hello there.\n",
    content_type: str = "text/plain; charset=utf-8",
    envelope: str = "From 1781000000000000001@xxx Mon Nov 16 15:00:00 +0000 2026",
) -> str:
    lines = [envelope]
    if headers:
        lines.append(headers.rstrip("\n"))
    if frm:
        lines.append(f"From: {frm}")
    lines += [f"To: {to}", f"Subject: {subject}"]
    if date_:
        lines.append(f"Date: {date_}")
    if msgid:
        lines.append(f"Message-ID: {msgid}")
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}", "", body.rstrip("\n"), ""]
    return "\n".join(lines) + "\n"


def test_mbox_thread_directions_and_signals(tmp_path: Path) -> None:
    inbound_body = (
        "Can you send pricing for three entities?\n\nThanks,\nDana\n\n"
        "On Fri, Nov 13, 2026 at 9:00 AM Casey Morgan <\ncasey@quill.example> wrote:\n"
        "> Hi Dana,\n>\n> Great to meet you.\n"
    )
    content = (
        mail(
            frm="Casey Morgan <casey@quill.example>",
            to="Dana Reyes <Dana@Acme.example>, Riley <riley@quill.example>",
            msgid="<root@quill.example>",
            date_="Fri, 13 Nov 2026 09:00:00 -0500",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Sent,Important",
            body="Great to meet you.\n",
        )
        + mail(
            frm="Dana Reyes <dana@acme.example>",
            msgid="<reply@acme.example>",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Inbox,Unread\n"
            "In-Reply-To: <root@quill.example>\nReferences: <root@quill.example>\n"
            "Cc: riley@quill.example",
            subject="Re: Pricing",
            body=inbound_body,
        )
        + mail(
            frm="Riley Chen <riley@quill.example>",
            msgid="<internal@quill.example>",
            headers="X-GM-THRID: 1781000000000000001",
            subject="Re: Pricing",
            date_="Mon, 16 Nov 2026 11:00:00 -0500",
            body="I can take this one.\n",
        )
        + mail(
            frm="Casey Morgan <casey@quill.example>",
            to="Riley Chen <riley@quill.example>",
            msgid="<note@quill.example>",
            subject="Internal note",
            body="Just us.\n",
        )
        + mail(
            frm="Casey Morgan <casey@quill.example>",
            to="dana@acme.example",
            msgid="<draft@quill.example>",
            headers="X-GM-THRID: 1781000000000000001\nX-Gmail-Labels: Draft",
            subject="Re: Pricing",
            body="Half-written\n",
        )
    )
    path = write(tmp_path, "All mail.mbox", content)
    assert detect_kind(path) == "mbox"
    batch = parse_file(path, OPERATOR)
    assert batch.warnings == []
    msgs = {m.message_id: m for m in batch.messages}
    assert list(msgs) == [
        "root@quill.example",
        "reply@acme.example",
        "internal@quill.example",
        "note@quill.example",
        "draft@quill.example",
    ]
    root, reply, internal = (
        msgs["root@quill.example"],
        msgs["reply@acme.example"],
        msgs["internal@quill.example"],
    )
    # X-GM-THRID, in the hex form the Gmail API uses for thread ids.
    assert root.thread_key == reply.thread_key == internal.thread_key == "18b7621058f88001"
    assert root.direction == "outbound"
    assert root.to == ["dana@acme.example", "riley@quill.example"]
    assert root.labels == ["Sent", "Important"]
    assert reply.direction == "inbound"
    assert reply.from_name == "Dana Reyes"
    assert reply.cc == ["riley@quill.example"]
    assert reply.in_reply_to == "root@quill.example"
    assert reply.sent_at == datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    assert reply.body == "Can you send pricing for three entities?\n\nThanks,\nDana"
    assert internal.direction == "internal"
    assert msgs["note@quill.example"].direction == "outbound"
    draft = msgs["draft@quill.example"]
    assert draft.is_draft is True

    by_key = {s.dedup_key: s for s in batch.signals}
    # Nothing for the colleague's mail, the colleague-only note or the draft.
    assert set(by_key) == {"email.sent:root@quill.example", "email.received:reply@acme.example"}
    sent = by_key["email.sent:root@quill.example"]
    assert sent.kind == "email.sent"
    assert sent.contact_email == "dana@acme.example"
    assert sent.thread_key == root.thread_key
    received = by_key["email.received:reply@acme.example"]
    assert received.contact_email == "dana@acme.example"
    assert received.occurred_at == reply.sent_at
    assert received.payload["message_id"] == "reply@acme.example"
    assert received.payload["subject"] == "Re: Pricing"
    assert received.payload["from"] == "dana@acme.example"
    assert received.payload["to"] == ["casey@quill.example"]
    assert received.payload["snippet"] == "Can you send pricing for three entities? Thanks, Dana"
    assert received.payload["automated"] is False


def test_mbox_threading_without_gmail_headers(tmp_path: Path) -> None:
    content = (
        mail(frm="dana@acme.example", msgid="<a@acme.example>", subject="Budget")
        + mail(
            frm="casey@quill.example",
            to="dana@acme.example",
            msgid="<b@quill.example>",
            subject="Re: Budget",
            headers="In-Reply-To: <a@acme.example>",
        )
        + mail(
            frm="dana@acme.example",
            msgid="<c@acme.example>",
            subject="RE: Budget",
            headers="References: <a@acme.example> <b@quill.example>\n"
            "In-Reply-To: <b@quill.example>",
        )
        + mail(frm="dana@acme.example", msgid=None, subject="Re: Lunch?", body="Yes!\n")
        + mail(
            frm="casey@quill.example",
            to="dana@acme.example",
            msgid=None,
            subject="Lunch?",
            body="Thursday?\n",
        )
    )
    batch = parse_file(write(tmp_path, "mail.mbox", content), OPERATOR)
    keys = [m.thread_key for m in batch.messages]
    assert keys[0] == keys[1] == keys[2] == "a@acme.example"
    # Without any message ids, subject and participants hold the conversation together.
    assert keys[3] == keys[4] != keys[0]
    assert keys[3].startswith("subject-")


def test_mbox_missing_message_id_is_stable(tmp_path: Path) -> None:
    content = mail(frm="dana@acme.example", msgid=None, body="No id here.\n")
    path = write(tmp_path, "mail.mbox", content)
    first = parse_file(path, OPERATOR).messages[0].message_id
    second = parse_file(path, OPERATOR).messages[0].message_id
    assert first == second
    assert first.endswith("@generated")
    other = write(tmp_path, "other.mbox", mail(frm="dana@acme.example", msgid=None, body="Other\n"))
    assert parse_file(other, OPERATOR).messages[0].message_id != first


def test_mbox_html_only_body(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<div>Hi Casey,</div><p>Numbers &amp; pricing look <b>good</b>.&nbsp;Let&#39;s talk."
        '</p><script>alert(1)</script><div class="gmail_quote">On Mon, Casey wrote:'
        "<blockquote>old text</blockquote></div></body></html>"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(frm="dana@acme.example", body=html, content_type="text/html; charset=utf-8"),
    )
    body = parse_file(path, OPERATOR).messages[0].body
    assert body == "Hi Casey,\n\nNumbers & pricing look good. Let's talk."


def test_mbox_prefers_plain_text_part(tmp_path: Path) -> None:
    body = (
        "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
        "quoted-printable\n\nCaf=C3=A9 at 10? This line is long enough that it was wrapped by=\n"
        " quoted-printable.\n--b1\nContent-Type: text/html\n\n<p>HTML version</p>\n--b1--"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="=?utf-8?q?Jos=C3=A9_D=C3=ADaz?= <JOSE@Acme.example>",
            body=body,
            content_type='multipart/alternative; boundary="b1"',
        ),
    )
    msg = parse_file(path, OPERATOR).messages[0]
    assert msg.body == (
        "Café at 10? This line is long enough that it was wrapped by quoted-printable."
    )
    assert msg.from_name == "José Díaz"
    assert msg.from_addr == "jose@acme.example"


def test_strip_quoted_variants() -> None:
    gmail = "Sounds good.\n\nOn Mon, Nov 16, 2026 at 9:00 AM Casey <casey@x.example> wrote:\n> hi"
    assert strip_quoted(gmail) == "Sounds good."
    outlook = (
        "Works for me.\n\n________________________________\nFrom: Casey Morgan "
        "<casey@x.example>\nSent: Monday, November 16, 2026 9:00 AM\nTo: Dana\nSubject: Re: x\n\n"
        "Earlier text"
    )
    assert strip_quoted(outlook) == "Works for me."
    bare_outlook = "Yes.\n\nFrom: Casey <casey@x.example>\nSent: Monday\nTo: Dana\n\nOld"
    assert strip_quoted(bare_outlook) == "Yes."
    original = "Fine.\n-----Original Message-----\nFrom: x\nold"
    assert strip_quoted(original) == "Fine."
    inline = "> quoted question?\nMy answer.\n> another quote\nMore answer."
    assert strip_quoted(inline) == "My answer.\nMore answer."
    # A sentence that merely starts with "On" is kept.
    assert strip_quoted("On Tuesday we close the books.\nThanks") == (
        "On Tuesday we close the books.\nThanks"
    )


def test_html_to_text_keeps_outlook_header_for_stripping() -> None:
    html = (
        '<div>Short answer.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Casey &lt;c@x.example'
        "&gt;<br><b>Sent:</b> Monday<br><b>To:</b> Dana</div><div>Old message</div>"
    )
    assert strip_quoted(html_to_text(html)) == "Short answer."


def test_mbox_from_line_in_body_is_unescaped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mail.mbox",
        mail(frm="dana@acme.example", body=">From the numbers, we are fine.\nReal line\n"),
    )
    assert (
        parse_file(path, OPERATOR).messages[0].body == "From the numbers, we are fine.\nReal line"
    )


@pytest.mark.parametrize(
    ("frm", "headers", "automated"),
    [
        ("news@letter.example", "List-Unsubscribe: <mailto:u@letter.example>", True),
        ("digest@forum.example", "Precedence: bulk", True),
        ("bot@tool.example", "Auto-Submitted: auto-generated", True),
        ("person@tool.example", "Auto-Submitted: no", False),
        ("noreply@tool.example", "", True),
        ("no-reply+abc@tool.example", "", True),
        ("notifications@tool.example", "", True),
        ("dana@acme.example", "", False),
    ],
)
def test_mbox_automated_mail(tmp_path: Path, frm: str, headers: str, automated: bool) -> None:
    path = write(tmp_path, "mail.mbox", mail(frm=frm, headers=headers))
    batch = parse_file(path, OPERATOR)
    assert ("automated" in batch.messages[0].labels) is automated
    assert batch.signals[0].kind == "email.received"
    assert batch.signals[0].payload["automated"] is automated


def test_mbox_bounce_with_delivery_status(tmp_path: Path) -> None:
    body = (
        "--r1\nContent-Type: text/plain\n\nDelivery to the following recipient failed.\n"
        "--r1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; Gone@Acme.example\nAction: failed\nStatus: 5.1.1\n"
        "--r1\nContent-Type: text/rfc822-headers\n\nTo: gone@acme.example\n--r1--"
    )
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="Mail Delivery System <MAILER-DAEMON@mx.example>",
            subject="Undelivered Mail Returned to Sender",
            content_type='multipart/report; report-type=delivery-status; boundary="r1"',
            body=body,
        ),
    )
    batch = parse_file(path, OPERATOR)
    msg = batch.messages[0]
    assert msg.direction == "inbound"
    assert "automated" in msg.labels and "bounce" in msg.labels
    assert [s.kind for s in batch.signals] == ["email.bounced"]
    bounce = batch.signals[0]
    assert bounce.contact_email == "gone@acme.example"
    assert bounce.payload["recipient"] == "gone@acme.example"
    assert bounce.payload["status"] == "5.1.1"
    assert bounce.dedup_key == "email.bounced:m1@acme.example"


def test_mbox_bounce_recipient_from_body(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mail.mbox",
        mail(
            frm="postmaster@acme.example",
            subject="Delivery failure",
            body="Your message to casey@quill.example could not be delivered to "
            "old.friend@acme.example: mailbox unavailable.\n",
        ),
    )
    signal = parse_file(path, OPERATOR).signals[0]
    assert signal.kind == "email.bounced"
    assert signal.contact_email == "old.friend@acme.example"
    vague = write(
        tmp_path,
        "vague.mbox",
        mail(frm="mailer-daemon@mx.example", subject="Failure", body="Something went wrong.\n"),
    )
    batch = parse_file(vague, OPERATOR)
    assert batch.signals[0].kind == "email.bounced"
    assert batch.signals[0].contact_email is None
    assert batch.warnings == [
        "vague.mbox: message 1: bounce notice m1@acme.example names no failed recipient"
    ]


def test_mbox_bad_messages_are_skipped_with_warning(tmp_path: Path) -> None:
    content = (
        mail(frm="", msgid="<nofrom@x.example>")
        + mail(frm="dana@acme.example", msgid="<ok@acme.example>")
        + mail(
            frm="dana@acme.example",
            msgid="<nodate@acme.example>",
            date_="",
            envelope="From dana@acme.example Tue Nov 17 08:30:00 2026",
        )
        + mail(
            frm="dana@acme.example",
            msgid="<baddate@acme.example>",
            date_="someday soon",
            envelope="From x garbage",
        )
    )
    batch = parse_file(write(tmp_path, "mail.mbox", content), OPERATOR)
    ids = [m.message_id for m in batch.messages]
    assert ids == ["ok@acme.example", "nodate@acme.example"]
    # No Date header: the envelope "From " line supplies the time.
    assert batch.messages[1].sent_at == datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    assert len(batch.warnings) == 2
    assert batch.warnings[0].startswith("mail.mbox: message 1: skipped, no sender")
    assert batch.warnings[1].startswith("mail.mbox: message 4: skipped, no valid Date")
    assert batch.remarks == ["mail.mbox: kept 2 of 4 messages; 2 skipped (see the warnings)"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"Subject: hi\n\nbody\n", "not an mbox file: first line must start with 'From '"),
        (b"\x00\xff\xfe\x81garbage" * 10, "not an mbox file"),
    ],
)
def test_mbox_bad_input(tmp_path: Path, content: bytes, message: str) -> None:
    path = write(tmp_path, "mail.mbox", content)
    with pytest.raises(ImportFormatError, match=message) as err:
        parse_file(path, OPERATOR)
    assert str(path) in str(err.value)
