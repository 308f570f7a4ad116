"""Small real files for import tests: an mbox, a HubSpot contacts CSV, an ICS calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

OPERATOR = "casey@northwind.example"


@dataclass
class Mail:
    msg_id: str
    frm: str
    to: str
    subject: str
    at: datetime
    body: str = "Hello, a few thoughts on the proposal below."
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    labels: str = "Inbox"
    thread: str | None = None  # Gmail's X-GM-THRID, as Takeout exports it
    headers: dict[str, str] = field(default_factory=dict)  # any others, as written


def write_mbox(path: Path, mails: list[Mail]) -> Path:
    chunks = []
    for m in mails:
        msg = EmailMessage()
        msg["From"] = m.frm
        msg["To"] = m.to
        msg["Subject"] = m.subject
        msg["Date"] = format_datetime(m.at)
        msg["Message-ID"] = f"<{m.msg_id}>"
        if m.in_reply_to:
            msg["In-Reply-To"] = f"<{m.in_reply_to}>"
            msg["References"] = " ".join(f"<{r}>" for r in (m.references or [m.in_reply_to]))
        msg["X-Gmail-Labels"] = m.labels
        if m.thread:
            msg["X-GM-THRID"] = m.thread
        for name, value in m.headers.items():
            msg[name] = value
        msg.set_content(m.body)
        envelope = f"From {m.frm} {m.at:%a %b %d %H:%M:%S %Y}\n"
        text = msg.as_string().replace("\nFrom ", "\n>From ")
        chunks.append(envelope + text.rstrip("\n") + "\n\n")
    path.write_text("".join(chunks))
    return path


def write_contacts_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    header = [
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Job Title",
        "Company Name",
        "Lifecycle Stage",
        "Create Date",
    ]
    lines = [",".join(header)]
    for r in rows:
        lines.append(",".join(r.get(h, "") for h in header))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_ics(
    path: Path, uid: str, title: str, start: datetime, end: datetime, attendees: list[str]
) -> Path:
    att = "".join(f"ATTENDEE;PARTSTAT=ACCEPTED;CN={a}:mailto:{a}\r\n" for a in attendees)
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSUMMARY:{title}\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\nDTSTAMP:20261101T000000Z\r\n"
        f"ORGANIZER:mailto:{OPERATOR}\r\n{att}STATUS:CONFIRMED\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    return path
