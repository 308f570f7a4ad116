"""The demo mailbox, written as a Google Takeout style mbox.

Threads are scripted in seed.json; this module places every message in time relative to `now`
(so the "reply needed" and "follow-up due" situations hold on any day of the week), writes
Gmail-like headers (X-GM-THRID, X-Gmail-Labels, Message-ID/In-Reply-To/References) and quotes
earlier messages the way Gmail and Outlook do, so the importer's quote stripping has work to do.
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from connectors.demo._calendar import meeting_start
from connectors.demo._clock import DemoClock, stable_int
from connectors.demo._people import Directory, Person, Seed

_POLICY = email.policy.default.clone(linesep="\n")
_HOUR = timedelta(hours=1)

_GREETINGS = ("Hi {first},", "Hi {first},", "Hey {first},", "{first},", "Hello {first},")
_OUR_SIGNOFFS = ("Best,", "Thanks,", "Cheers,", "", "Talk soon,", "Best regards,")
_THEIR_SIGNOFFS = ("Thanks,", "Best,", "", "Regards,", "Thank you,", "Cheers,")


@dataclass
class _Planned:
    sender: Person
    to: list[Person]
    cc: list[Person]
    sent_at: datetime
    fresh: str
    draft: bool
    message_id: str
    gm_id: int
    labels: str
    text: str = ""
    html: str | None = None
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


def _b32(*parts: object, length: int = 32) -> str:
    raw = b"".join(stable_int(*parts, i).to_bytes(8, "big") for i in range(3))
    return base64.b32encode(raw).decode().rstrip("=")[:length]


def _gm_id(*parts: object) -> int:
    # Gmail message and thread ids are 64-bit numbers around 1.8e18 in recent years.
    return 1_780_000_000_000_000_000 + stable_int(*parts) % 10**16


def _pick(options: tuple[str, ...], *parts: object) -> str:
    return options[stable_int(*parts) % len(options)]


class MailboxWriter:
    def __init__(self, seed: Seed, clock: DemoClock, people: Directory):
        self.seed = seed
        self.clock = clock
        self.people = people
        self.op = people.operator
        self.domain = seed["company"]["domain"]
        self.meetings = {m["key"]: m for m in seed["meetings"]}

    # -- timing ---------------------------------------------------------------------------

    def _anchor(self, key: str, timing: dict[str, Any]) -> datetime:
        """When the last (non-draft) message of a thread was sent."""
        clock = self.clock
        kind = timing["kind"]
        jitter = timedelta(minutes=stable_int(key, "anchor") % 25)
        if kind == "reply_needed":
            # Inside (1 hour, 4 days) with margin on both sides, whatever weekday it is.
            moment = clock.ago(float(timing["hours_ago"])) - jitter
            return clock.place(moment, clock.ago(84), clock.ago(1.25), key)
        if kind == "followup_due":
            day = clock.workdays_before(int(timing["business_days"]))
            return clock.at(day, 9 + stable_int(key, "h") % 7, stable_int(key, "m") % 60)
        if kind == "recent":
            hours = float(timing["hours_ago"])
            moment = clock.ago(hours) - jitter
            # Never more than two business days back, so our last word is not yet "unanswered".
            lo = max(clock.ago(hours + 36), clock.at(clock.workdays_before(2), 0))
            return clock.place(moment, lo, clock.ago(1 / 3), key)
        if kind == "days_ago":
            day = clock.today - timedelta(days=int(timing["days"]))
            moment = clock.at(day, 10 + stable_int(key, "h") % 6, stable_int(key, "m") % 60)
            return clock.snap_back(min(moment, clock.now - _HOUR), key)
        raise ValueError(f"demo thread {key}: unknown timing kind {kind!r}")

    def _times(self, thread: dict[str, Any]) -> list[datetime]:
        key = thread["key"]
        messages = thread["messages"]
        drafts = [i for i, m in enumerate(messages) if m.get("draft")]
        last = len(messages) - 1 - len(drafts)
        if drafts and drafts != list(range(last + 1, len(messages))):
            raise ValueError(f"demo thread {key}: drafts must come after every sent message")
        anchor = self._anchor(key, thread["timing"])
        floor = self.clock.now - timedelta(days=29)
        if anchor < floor:
            # An older conversation (a customer or a warm lead gone quiet) keeps a few days.
            floor = anchor - timedelta(days=3)
        scale = 1.0
        while True:
            times = [anchor]
            for i in range(last - 1, -1, -1):
                gap = messages[i + 1].get("gap_h", 4 + stable_int(key, i, "gap") % 20)
                step = timedelta(hours=float(gap) * scale, minutes=stable_int(key, i) % 40)
                times.insert(0, self.clock.snap_back(times[0] - step, f"{key}:{i}"))
            if times[0] >= floor or scale < 0.05:
                break
            scale /= 2  # squeeze long histories back into the four weeks the demo covers
        for i in drafts:
            gap = timedelta(hours=float(messages[i].get("gap_h", 2)))
            times.append(
                max(
                    min(times[-1] + gap, self.clock.now - timedelta(minutes=10)),
                    times[-1] + timedelta(minutes=1),
                )
            )
        # Real mail is not sent on the minute; messages are at least minutes apart, so a few
        # seconds never reorder a thread or push it past a boundary.
        return [t + timedelta(seconds=stable_int(key, i, "sec") % 60) for i, t in enumerate(times)]

    def _check(self, thread: dict[str, Any], senders: list[Person], times: list[datetime]) -> None:
        """Fail loudly if the seed no longer produces the situation its timing promises."""
        key = thread["key"]
        kind = thread["timing"]["kind"]
        sent = [
            (p, t)
            for p, t, m in zip(senders, times, thread["messages"], strict=True)
            if not m.get("draft")
        ]
        last_sender, last_at = sent[-1]
        if any(t > self.clock.now for t in times) or times != sorted(times):
            raise RuntimeError(f"demo thread {key}: messages out of order or in the future")
        if kind == "reply_needed":
            age = self.clock.now - last_at
            if last_sender.internal or not (_HOUR <= age <= timedelta(days=4)):
                raise RuntimeError(f"demo thread {key}: not an unanswered inbound message")
        if kind == "followup_due":
            days = self.clock.business_days_since(last_at)
            if last_sender != self.op or not 4 <= days <= 10:
                raise RuntimeError(f"demo thread {key}: not a follow-up {days} business days old")
        external = (
            any(not p.internal for p in senders) or not self.people.get(thread["contact"]).internal
        )
        if external and kind not in {"reply_needed", "followup_due"}:
            # Settled threads must stay settled under any sensible threshold: our last word at
            # most two business days old, theirs more than two weeks old.
            # (A conversation over a month old is history: nobody chases it any more.)
            history = self.clock.now - last_at > timedelta(days=30)
            if last_sender.internal and not history and self.clock.business_days_since(last_at) > 2:
                raise RuntimeError(f"demo thread {key}: our last message looks unanswered")
            if not last_sender.internal and self.clock.now - last_at <= timedelta(days=14):
                raise RuntimeError(f"demo thread {key}: their last message looks unanswered")

    # -- composition ----------------------------------------------------------------------

    def _compose(
        self,
        sender: Person,
        to: list[Person],
        body: str,
        key: str,
        index: int,
        first_from_sender: bool,
    ) -> str:
        short = len(body) < 40
        parts = []
        if not short:
            parts += [_pick(_GREETINGS, key, index, "greet").format(first=to[0].first), ""]
        parts.append(body)
        parts.append("")
        table = _OUR_SIGNOFFS if sender.internal else _THEIR_SIGNOFFS
        signoff = "" if short else _pick(table, key, index, "sign")
        if signoff:
            parts.append(signoff)
        if not sender.internal and signoff == "Regards,":
            parts.append(f"{sender.name}\n{sender.title} | {sender.company}")
        else:
            parts.append(sender.first)
        if sender == self.op and first_from_sender:
            parts += [
                "",
                f"{sender.name} | {sender.title}, {sender.company} | "
                f"{self.seed['operator']['phone']}",
            ]
        return "\n".join(parts).strip("\n")

    @staticmethod
    def _gmail_date(moment: datetime) -> str:
        hour = moment.hour % 12 or 12
        return f"{moment:%a}, {moment:%b} {moment.day}, {moment.year} at {hour}:{moment:%M %p}"

    @staticmethod
    def _outlook_date(moment: datetime) -> str:
        hour = moment.hour % 12 or 12
        return f"{moment:%A}, {moment:%B} {moment.day}, {moment.year} {hour}:{moment:%M %p}"

    def _quote_text(self, writer: Person, prev: _Planned, subject: str) -> str:
        when = prev.sent_at.astimezone(writer.tz)
        if writer.mailer == "outlook":
            to = "; ".join(p.name for p in prev.to)
            return (
                "________________________________\n"
                f"From: {prev.sender.name} <{prev.sender.email}>\n"
                f"Sent: {self._outlook_date(when)}\n"
                f"To: {to}\n"
                f"Subject: {subject}\n\n{prev.fresh}"
            )
        attribution = f"On {self._gmail_date(when)} {prev.sender.name} <{prev.sender.email}> wrote:"
        if len(attribution) > 76:
            # Gmail wraps long attribution lines before the address.
            head, _, tail = attribution.partition(" <")
            attribution = f"{head} <\n{tail}"
        quoted = "\n".join(f"> {line}" if line else ">" for line in prev.fresh.split("\n"))
        return f"{attribution}\n{quoted}"

    @staticmethod
    def _paragraphs_html(text: str) -> str:
        blocks = []
        for para in text.split("\n\n"):
            lines = "<br>".join(html.escape(line) for line in para.split("\n"))
            blocks.append(f"<div>{lines}</div>")
        return "<div><br></div>".join(blocks)

    def _html(self, writer: Person, fresh: str, prev: _Planned | None, subject: str) -> str:
        body = f'<div dir="ltr">{self._paragraphs_html(fresh)}</div>'
        if prev is None:
            return body
        when = prev.sent_at.astimezone(writer.tz)
        if writer.mailer == "html":
            to = "; ".join(html.escape(p.name) for p in prev.to)
            return (
                f'<html><body>{body}<hr style="display:inline-block;width:98%">'
                f'<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> '
                f"{html.escape(prev.sender.name)} &lt;{prev.sender.email}&gt;<br>"
                f"<b>Sent:</b> {self._outlook_date(when)}<br><b>To:</b> {to}<br>"
                f"<b>Subject:</b> {html.escape(subject)}</div><div><br></div>"
                f"<div>{self._paragraphs_html(prev.fresh)}</div></body></html>"
            )
        attribution = html.escape(
            f"On {self._gmail_date(when)} {prev.sender.name} <{prev.sender.email}> wrote:"
        )
        return (
            f'{body}<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f'{attribution}<br></div><blockquote class="gmail_quote" style="margin:0px 0px '
            f'0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f"{self._paragraphs_html(prev.fresh)}</blockquote></div>"
        )

    def _message_id(self, sender: Person, *parts: object) -> str:
        domain = sender.email.rpartition("@")[2]
        if sender.internal:
            return f"<CA{_b32(*parts)}@mail.{self.domain}>"
        return f"<{_b32(*parts, length=24).lower()}@mail.{domain}>"

    # -- threads --------------------------------------------------------------------------

    def _thread(self, thread: dict[str, Any]) -> list[_Planned]:
        key = thread["key"]
        contact = self.people.get(thread["contact"])
        cc_all = [self.people.get(e) for e in thread.get("cc", [])]
        participants = [self.op, contact, *cc_all]
        senders: list[Person] = []
        for m in thread["messages"]:
            who = m["from"]
            senders.append(
                self.op if who == "us" else contact if who == "them" else self.people.get(who)
            )
        times = self._times(thread)
        self._check(thread, senders, times)

        replacements = {}
        if thread.get("meeting"):
            start = meeting_start(self.clock, self.meetings[thread["meeting"]])
            if start is not None:
                local = self.clock.local(start)
                hour = local.hour % 12 or 12
                replacements = {
                    "{meeting_day}": f"{local:%A}",
                    "{meeting_time}": f"{hour}:{local:%M} {local:%p}".replace(":00 ", " "),
                }

        subject = thread["subject"]
        planned: list[_Planned] = []
        seen_senders: set[str] = set()
        for i, (m, sender, sent_at) in enumerate(
            zip(thread["messages"], senders, times, strict=True)
        ):
            # Everyone else writes to us; we answer whoever outside spoke last, else the contact.
            main = [self.op]
            if sender.internal and sender != contact:
                prev_sender = planned[-1].sender if planned else contact
                main = [prev_sender] if not prev_sender.internal else [contact]
            extra = [self.people.get(e) for e in m.get("cc", [])]
            cc = [p for p in [*participants, *extra] if p != sender and p not in main]
            body = m["body"]
            for placeholder, value in replacements.items():
                body = body.replace(placeholder, value)
            fresh = self._compose(sender, main, body, key, i, sender.email not in seen_senders)
            seen_senders.add(sender.email)
            draft = bool(m.get("draft"))
            labels = self._labels(sender, sent_at, draft, i == len(times) - 1)
            item = _Planned(
                sender=sender,
                to=main,
                cc=cc,
                sent_at=sent_at,
                fresh=fresh,
                draft=draft,
                message_id=self._message_id(sender, key, i),
                gm_id=_gm_id(key, i),
                labels=labels,
            )
            prev = planned[-1] if planned else None
            reply_subject = subject if prev is None else f"Re: {subject}"
            if sender.mailer == "html":
                item.html = self._html(sender, fresh, prev, reply_subject)
            else:
                item.text = fresh
                if prev is not None:
                    item.text += "\n\n" + self._quote_text(sender, prev, reply_subject)
                if sender.internal:
                    item.html = self._html(sender, fresh, prev, reply_subject)
            planned.append(item)
        return planned

    def _labels(self, sender: Person, sent_at: datetime, draft: bool, last: bool) -> str:
        if draft:
            return "Draft"
        if sender == self.op:
            return "Sent"
        if sender.internal:
            return "Inbox,Opened"
        if last and self.clock.now - sent_at < timedelta(hours=48):
            return "Unread,Important,Inbox"
        return "Important,Opened,Inbox"

    def _serialize_thread(self, thread: dict[str, Any], planned: list[_Planned]) -> list[bytes]:
        thread_id = planned[0].gm_id
        out = []
        subject = thread["subject"]
        ids: list[str] = []
        for i, item in enumerate(planned):
            msg = EmailMessage(policy=_POLICY)
            msg["X-GM-THRID"] = str(thread_id)
            msg["X-Gmail-Labels"] = item.labels
            if item.sender != self.op:
                msg["Delivered-To"] = self.op.email
            msg["MIME-Version"] = "1.0"
            msg["Date"] = email.utils.format_datetime(item.sent_at.astimezone(item.sender.tz))
            msg["Message-ID"] = item.message_id
            if ids:
                msg["In-Reply-To"] = ids[-1]
                msg["References"] = " ".join(ids)
            msg["Subject"] = subject if i == 0 else f"Re: {subject}"
            msg["From"] = Address(item.sender.name, addr_spec=item.sender.email)
            msg["To"] = [Address(p.name, addr_spec=p.email) for p in item.to]
            if item.cc:
                msg["Cc"] = [Address(p.name, addr_spec=p.email) for p in item.cc]
            for name, value in item.extra_headers:
                msg[name] = value
            self._set_body(msg, item, (thread["key"], i))
            if not item.draft:
                ids.append(item.message_id)
            out.append(self._envelope(item.gm_id, item.sent_at, msg.as_bytes(policy=_POLICY)))
        return out

    @staticmethod
    def _set_body(msg: EmailMessage, item: _Planned, boundary_key: tuple[object, ...]) -> None:
        if item.text:
            msg.set_content(item.text)
            if item.html:
                msg.add_alternative(item.html, subtype="html")
        else:
            msg.set_content(item.html or "", subtype="html")
        if msg.is_multipart():
            # The email package would otherwise pick a random boundary.
            msg.set_boundary(f"0000000000{stable_int(*boundary_key, 'b') % 16**16:016x}")
            for part in msg.iter_parts():
                del part["MIME-Version"]  # the email package adds it to every part it builds

    @staticmethod
    def _envelope(gm_id: int, sent_at: datetime, data: bytes) -> bytes:
        stamp = sent_at.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
        lines = data.split(b"\n")
        # mboxo escaping: a body line starting with "From " would otherwise start a new message.
        body = b"\n".join(b">" + ln if ln.startswith(b"From ") else ln for ln in lines)
        return f"From {gm_id}@xxx {stamp}\n".encode() + body.rstrip(b"\n") + b"\n\n"

    # -- automated mail and the bounce ----------------------------------------------------

    def _automated(self, spec: dict[str, Any]) -> list[bytes]:
        key = spec["key"]
        sender_domain = spec["from"].rpartition("@")[2]
        thread_id = _gm_id(key, 0)
        out = []
        for i, m in enumerate(spec["messages"]):
            sent_at = self.clock.ago(float(m["hours_ago"])) - timedelta(
                minutes=stable_int(key, i) % 30, seconds=stable_int(key, i, "sec") % 60
            )
            msg = EmailMessage(policy=_POLICY)
            msg["X-GM-THRID"] = str(thread_id)
            msg["X-Gmail-Labels"] = spec["labels"]
            msg["Delivered-To"] = self.op.email
            msg["MIME-Version"] = "1.0"
            msg["Date"] = email.utils.format_datetime(sent_at.astimezone(UTC))
            msg["Message-ID"] = f"<{_b32(key, i, length=20).lower()}@{sender_domain}>"
            msg["Subject"] = spec["subject"]
            msg["From"] = Address(spec["from_name"], addr_spec=spec["from"])
            msg["To"] = self.op.email
            if spec.get("list"):
                msg["List-Unsubscribe"] = (
                    f"<https://{sender_domain}/unsubscribe?u={_b32(key, 'u', length=12)}>, "
                    f"<mailto:unsubscribe@{sender_domain}>"
                )
                msg["List-Id"] = f"{spec['from_name']} <news.{sender_domain}>"
            if spec.get("precedence"):
                msg["Precedence"] = spec["precedence"]
            if spec.get("auto_submitted"):
                msg["Auto-Submitted"] = spec["auto_submitted"]
            text = (
                f"{m['body']}\n\nYou are receiving this because you signed up at {sender_domain}."
            )
            item = _Planned(self.op, [self.op], [], sent_at, text, False, "", 0, "", text=text)
            if spec.get("html"):
                item.html = (
                    f"<html><head><style>p{{font-family:sans-serif}}</style></head><body>"
                    f'<p>{html.escape(m["body"])}</p><p style="font-size:11px">'
                    f'<a href="https://{sender_domain}/unsubscribe">Unsubscribe</a></p>'
                    f"</body></html>"
                )
            self._set_body(msg, item, (key, i))
            out.append(self._envelope(_gm_id(key, i), sent_at, msg.as_bytes(policy=_POLICY)))
        return out

    def _bounce(self, spec: dict[str, Any]) -> list[bytes]:
        key = spec["key"]
        contact = self.people.get(spec["contact"])
        sent_at = self.clock.place(
            self.clock.ago(float(spec["hours_ago"])), self.clock.ago(72), self.clock.ago(2), key
        )
        thread = {
            "key": key,
            "subject": spec["subject"],
        }
        fresh = self._compose(self.op, [contact], spec["body"], key, 0, True)
        original = _Planned(
            self.op,
            [contact],
            [],
            sent_at,
            fresh,
            False,
            self._message_id(self.op, key, 0),
            _gm_id(key, 0),
            "Sent",
            text=fresh,
        )
        original.html = self._html(self.op, fresh, None, spec["subject"])
        out = self._serialize_thread(thread, [original])

        bounced_at = sent_at + timedelta(seconds=40 + stable_int(key, "s") % 60)
        daemon = spec["mailer_daemon"]
        mta = daemon.rpartition("@")[2]
        boundary = f"0000000000{stable_int(key, 'b') % 16**16:016x}"
        date = email.utils.format_datetime(bounced_at.astimezone(UTC))
        original_date = email.utils.format_datetime(sent_at.astimezone(self.op.tz))
        diagnostic = "550 5.1.1 The email account that you tried to reach does not exist."
        raw = "\n".join(
            [
                f"X-GM-THRID: {_gm_id(key, 0)}",
                "X-Gmail-Labels: Unread,Important,Inbox",
                f"Delivered-To: {self.op.email}",
                "Return-Path: <>",
                "MIME-Version: 1.0",
                f"Date: {date}",
                f"Message-ID: <{_b32(key, 'bounce', length=24).lower()}@{mta}>",
                f"In-Reply-To: {original.message_id}",
                f"References: {original.message_id}",
                "Subject: Delivery Status Notification (Failure)",
                f"From: Mail Delivery Subsystem <{daemon}>",
                f"To: {self.op.email}",
                f"X-Failed-Recipients: {contact.email}",
                "Auto-Submitted: auto-replied",
                f'Content-Type: multipart/report; boundary="{boundary}"; '
                "report-type=delivery-status",
                "",
                f"--{boundary}",
                'Content-Type: text/plain; charset="UTF-8"',
                "",
                "** Address not found **",
                "",
                f"Your message wasn't delivered to {contact.email} because the address couldn't "
                "be found, or is unable to receive mail.",
                "",
                "The response from the remote server was:",
                diagnostic,
                "",
                f"--{boundary}",
                "Content-Type: message/delivery-status",
                "",
                f"Reporting-MTA: dns; {mta}",
                f"Arrival-Date: {original_date}",
                "",
                f"Final-Recipient: rfc822; {contact.email}",
                "Action: failed",
                "Status: 5.1.1",
                f"Remote-MTA: dns; mx.{contact.email.rpartition('@')[2]}",
                f"Diagnostic-Code: smtp; {diagnostic}",
                f"Last-Attempt-Date: {date}",
                "",
                f"--{boundary}",
                "Content-Type: text/rfc822-headers",
                "",
                f"Date: {original_date}",
                f"Message-ID: {original.message_id}",
                f"Subject: {spec['subject']}",
                f"From: {self.op.name} <{self.op.email}>",
                f"To: {contact.name} <{contact.email}>",
                "",
                f"--{boundary}--",
                "",
            ]
        )
        out.append(self._envelope(_gm_id(key, "bounce"), bounced_at, raw.encode()))
        return out

    # -- all together ---------------------------------------------------------------------

    def render(self) -> bytes:
        entries: list[tuple[datetime, int, bytes]] = []

        def add(chunks: list[bytes]) -> None:
            for chunk in chunks:
                stamp = datetime.strptime(
                    chunk.split(b"\n", 1)[0].decode().split(" ", 2)[2], "%a %b %d %H:%M:%S %z %Y"
                )
                entries.append((stamp, len(entries), chunk))

        for thread in self.seed["threads"]:
            add(self._serialize_thread(thread, self._thread(thread)))
        for spec in self.seed["automated"]:
            add(self._automated(spec))
        add(self._bounce(self.seed["bounce"]))
        # Takeout lists mail roughly in time order; keep that so the file reads naturally.
        entries.sort(key=lambda e: (e[0], e[1]))
        return b"".join(chunk for _, _, chunk in entries)
