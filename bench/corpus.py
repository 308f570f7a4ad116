"""Deterministic, realistic import files: a Gmail Takeout mbox and HubSpot CSV exports.

Used by the parse benchmarks (at tens of thousands of records) and by the tests (at a few
dozen). The same `seed` and size always give the same bytes. Standard library only.

The world is fixed: the operator is Casey Morgan <casey@northwind.example> (internal domain
northwind.example, zone America/New_York), and "now" is 2026-11-25T15:00Z. Person `i` and
company `j` are functions of their index alone, so the contacts of an n-message mbox are the
first n/8 rows of any contacts export, and companies line up the same way across files.

Each writer returns what a correct parser should find, so tests can compare counts:

    stats = write_mbox(path, 400)
    batch = parse_mbox(path, operator())
    assert len(batch.messages) == stats.messages
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from connectors.base import OperatorIdentity

OPERATOR_NAME = "Casey Morgan"
OPERATOR_EMAIL = "casey@northwind.example"
INTERNAL_DOMAIN = "northwind.example"
TIMEZONE = "America/New_York"
END = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DAYS = 90

# Contacts per company: n/8 contacts at n/40 companies for an n-message mailbox.
PER_COMPANY = 5
STAGES = (
    ("Appointment Scheduled", "appointmentscheduled"),
    ("Qualified To Buy", "qualifiedtobuy"),
    ("Presentation Scheduled", "presentationscheduled"),
    ("Decision Maker Bought-In", "decisionmakerboughtin"),
    ("Contract Sent", "contractsent"),
    ("Closed Won", "closedwon"),
    ("Closed Lost", "closedlost"),
)


def operator() -> OperatorIdentity:
    """The identity every corpus file is written for."""
    return OperatorIdentity(
        name=OPERATOR_NAME,
        emails=(OPERATOR_EMAIL,),
        internal_domains=(INTERNAL_DOMAIN,),
        timezone=TIMEZONE,
    )


# --- people and companies ------------------------------------------------------------------

# (display form, ASCII form for addresses). A few carry accents, as real address books do.
_FIRST = (
    ("Dana", "dana"), ("José", "jose"), ("Priya", "priya"), ("Mateo", "mateo"),
    ("Aiko", "aiko"), ("Bo", "bo"), ("Chidi", "chidi"), ("Elena", "elena"),
    ("Farah", "farah"), ("Gus", "gus"), ("Hana", "hana"), ("Zoë", "zoe"),
    ("Jonas", "jonas"), ("Kofi", "kofi"), ("Lena", "lena"), ("Marcus", "marcus"),
    ("Nadia", "nadia"), ("Omar", "omar"), ("Pia", "pia"), ("Quinn", "quinn"),
    ("Rosa", "rosa"), ("Sven", "sven"), ("Tariq", "tariq"), ("Renée", "renee"),
    ("Uma", "uma"), ("Viktor", "viktor"), ("Wen", "wen"), ("Ximena", "ximena"),
    ("Yusuf", "yusuf"), ("Zara", "zara"), ("François", "francois"), ("Björn", "bjorn"),
    ("Dmitri", "dmitri"), ("Fatima", "fatima"), ("Greta", "greta"), ("Hiroshi", "hiroshi"),
    ("Ivan", "ivan"), ("Julia", "julia"), ("Kai", "kai"), ("Leila", "leila"),
    ("Niamh", "niamh"), ("Olu", "olu"), ("Paulo", "paulo"), ("Ruth", "ruth"),
    ("Sam", "sam"), ("Theo", "theo"), ("Vera", "vera"), ("Will", "will"),
)  # fmt: skip
_LAST = (
    ("Reyes", "reyes"), ("Díaz", "diaz"), ("Nakamura", "nakamura"), ("Okafor", "okafor"),
    ("Lindqvist", "lindqvist"), ("Kowalski", "kowalski"), ("Chen", "chen"), ("Patel", "patel"),
    ("Garcia", "garcia"), ("Smith", "smith"), ("Müller", "muller"), ("Brown", "brown"),
    ("Nguyen", "nguyen"), ("Kim", "kim"), ("Silva", "silva"), ("Rossi", "rossi"),
    ("Dubois", "dubois"), ("Schmidt", "schmidt"), ("Ivanova", "ivanova"), ("O'Brien", "obrien"),
    ("Walsh", "walsh"), ("Haddad", "haddad"), ("Mensah", "mensah"), ("Sato", "sato"),
    ("Park", "park"), ("Singh", "singh"), ("Cohen", "cohen"), ("Gómez", "gomez"),
    ("Fischer", "fischer"), ("Novak", "novak"), ("Hughes", "hughes"), ("Bennett", "bennett"),
    ("Adeyemi", "adeyemi"), ("Ferreira", "ferreira"), ("Jansen", "jansen"), ("Ahmed", "ahmed"),
    ("Larsen", "larsen"), ("Moreau", "moreau"), ("Håkansson", "hakansson"), ("Lee", "lee"),
    ("Wright", "wright"), ("Young", "young"), ("Khan", "khan"), ("Romano", "romano"),
    ("Tanaka", "tanaka"), ("Costa", "costa"), ("Murphy", "murphy"), ("Ortiz", "ortiz"),
)  # fmt: skip
_PREFIX = (
    ("Acme", "acme"), ("Fernwood", "fernwood"), ("Kestrel", "kestrel"), ("Bluefin", "bluefin"),
    ("Copperline", "copperline"), ("Driftwood", "driftwood"), ("Evergreen", "evergreen"),
    ("Foxglove", "foxglove"), ("Granite", "granite"), ("Harbor", "harbor"),
    ("Ironbark", "ironbark"), ("Juniper", "juniper"), ("Lumière", "lumiere"),
    ("Meridian", "meridian"), ("Northgate", "northgate"), ("Oakridge", "oakridge"),
    ("Pinnacle", "pinnacle"), ("Quarry", "quarry"), ("Redwood", "redwood"),
    ("Summit", "summit"), ("Tidewater", "tidewater"), ("Upland", "upland"),
    ("Vantage", "vantage"), ("Willow", "willow"), ("Nordström", "nordstrom"),
    ("Zephyr", "zephyr"), ("Amber", "amber"), ("Beacon", "beacon"), ("Cinder", "cinder"),
    ("Delta", "delta"), ("Ember", "ember"), ("Falcon", "falcon"), ("Glacier", "glacier"),
    ("Horizon", "horizon"), ("Indigo", "indigo"), ("Jasper", "jasper"),
    ("Keystone", "keystone"), ("Lighthouse", "lighthouse"), ("Maple", "maple"),
    ("Nimbus", "nimbus"),
)  # fmt: skip
_SUFFIX = (
    "Robotics", "Analytics", "Logistics", "Health", "Software", "Capital", "Foods", "Energy",
    "Labs", "Systems", "Media", "Partners", "Materials", "Bio", "Security", "Networks",
    "Retail", "Aerospace", "Consulting", "Dynamics",
)  # fmt: skip
_INDUSTRIES = (
    "Computer Software", "Financial Services", "Hospital & Health Care",
    "Logistics & Supply Chain", "Manufacturing", "Retail", "Marketing & Advertising",
    "Biotechnology", "Information Technology & Services", "Food & Beverages",
)  # fmt: skip
_CITIES = (
    ("Boston", "Massachusetts", "United States"), ("Austin", "Texas", "United States"),
    ("Denver", "Colorado", "United States"), ("Toronto", "Ontario", "Canada"),
    ("London", "", "United Kingdom"), ("Berlin", "", "Germany"), ("Lyon", "", "France"),
    ("Chicago", "Illinois", "United States"), ("Seattle", "Washington", "United States"),
)  # fmt: skip
_TITLES = (
    "VP Finance", "Head of Operations", "Director, FP&A", "Controller", "CFO",
    "Procurement Manager", "IT Director", "Revenue Operations Lead", "COO",
    "Senior Accountant", "VP Engineering", "Chief of Staff",
)  # fmt: skip
_COLLEAGUES = (
    ("Riley Chen", "riley"), ("Sam Patel", "sam"), ("Jordan Kim", "jordan"),
    ("Morgan Lee", "morgan.lee"), ("Alex Rivera", "alex"), ("Taylor Brooks", "taylor"),
)  # fmt: skip
_OWNERS = (OPERATOR_NAME, "Riley Chen", "Sam Patel")
# Mail clients leave fingerprints: Message-ID shape, quoting style, References, MIME layout.
_GMAIL, _OUTLOOK, _APPLE = "gmail", "outlook", "apple"
_FREE_MAIL_EVERY = 23  # one contact in 23 writes from a personal gmail.com address


@dataclass(frozen=True)
class Company:
    index: int
    name: str
    domain: str
    industry: str
    employees: int
    tier: int  # 1-3
    city: tuple[str, str, str]
    client: str


@dataclass(frozen=True)
class Person:
    index: int
    first: str
    last: str
    email: str
    title: str
    company: Company

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def company(j: int) -> Company:
    """Company `j`: its name and domain are unique for every index."""
    prefix, ascii_prefix = _PREFIX[j % len(_PREFIX)]
    suffix = _SUFFIX[(j // len(_PREFIX)) % len(_SUFFIX)]
    generation = j // (len(_PREFIX) * len(_SUFFIX))
    tail = str(generation + 1) if generation else ""
    client = (_GMAIL, _GMAIL, _GMAIL, _GMAIL, _GMAIL, _OUTLOOK, _OUTLOOK, _OUTLOOK, _APPLE)[j % 9]
    return Company(
        index=j,
        name=f"{prefix} {suffix}{' ' + tail if tail else ''}",
        domain=f"{ascii_prefix}-{suffix.lower()}{tail}.example",
        industry=_INDUSTRIES[(j * 7) % len(_INDUSTRIES)],
        employees=(12, 45, 180, 420, 1200, 5400)[(j * 5) % 6],
        tier=1 + (j * 11) % 3,
        city=_CITIES[j % len(_CITIES)],
        client=client,
    )


def person(i: int) -> Person:
    """Contact `i`, who works at company i // 5; names never repeat within a company."""
    j = i // PER_COMPANY
    slot = i % PER_COMPANY
    first, ascii_first = _FIRST[(j * 11 + slot * 7) % len(_FIRST)]
    last, ascii_last = _LAST[(j * 13 + slot * 3) % len(_LAST)]
    firm = company(j)
    if i % _FREE_MAIL_EVERY == 7:
        address = f"{ascii_first}.{ascii_last}{i}@gmail.com"
    else:
        address = f"{ascii_first}.{ascii_last}@{firm.domain}"
    return Person(i, first, last, address, _TITLES[(i * 5) % len(_TITLES)], firm)


# --- text ------------------------------------------------------------------------------------

_SENTENCES = (
    "Thanks for the time on the call today.",
    "I have attached the revised proposal with the three-entity pricing we discussed.",
    "Can you confirm who else should be in the room for the security review?",
    "Our finance team closes the books on the fifth business day, so timing matters.",
    "We are comparing two other vendors, mostly on implementation effort.",
    "The pilot numbers look good: close time went from nine days to four.",
    "Could we push the kickoff to the week after Thanksgiving?",
    "Legal had a few comments on the data processing addendum, see section 4.",
    "From our side the main risk is the ERP integration, not the licence cost.",
    "I spoke with our CFO and the budget is approved for the first year.",
    "Happy to set up a reference call with a customer of similar size.",
    "Procurement will need a W-9 and your SOC 2 report before signature.",
    "Let me know if Tuesday at 2pm Eastern works for a walkthrough.",
    "We would like to start with the US entities and add Canada in Q2.",
    "The renewal is up in January, so a decision before the holidays helps.",
    "I am out next week; Riley can cover anything urgent.",
    "Is the multi-currency consolidation included in the standard tier?",
    "Our auditors asked whether the audit trail can be exported.",
    "Great meeting your team — the demo answered most of our questions.",
    "Quick nudge on this: any update from your side?",
    "The café near your office works for lunch on Thursday.",
    "We can offer a 12% discount for a two-year commitment.",
    "Please find the signed order form attached.",
    "Our IT team wants to understand the SSO setup before rollout.",
)  # fmt: skip
_SUBJECTS = (
    "Pricing for {company}", "{company} <> Northwind: next steps", "Proposal follow-up",
    "Security questionnaire", "Intro: Northwind x {company}", "Pilot results",
    "Contract redlines", "Renewal discussion", "Demo recap", "Quick question",
    "Implementation timeline", "Reference call", "Order form", "Q4 budget",
)  # fmt: skip
# Subjects with characters outside ASCII; mail clients send them as RFC 2047 encoded words.
_ACCENTED_SUBJECTS = (
    "Café meeting — {company}", "Révision du devis", "Angebot für {company}",
    "Propuesta económica", "Follow-up: Zoë's questions", "Résumé of our call",
)  # fmt: skip
_INTERNAL_SUBJECTS = (
    "Pipeline review", "Discount approval for {company}", "Forecast call prep",
    "Can you cover {company}?", "Deal desk: {company}", "QBR deck",
)  # fmt: skip
_NEWSLETTERS = (
    ("SaaS Weekly", "news", "saasweekly.example", "Category Promotions"),
    ("The CFO Brief", "brief", "cfobrief.example", "Category Updates"),
    ("Revenue Ops Digest", "digest", "revopsdigest.example", "Category Updates"),
    ("Conference Team", "events", "finconf.example", "Category Promotions"),
    ("Product Updates", "updates", "crmvendor.example", "Category Updates"),
)  # fmt: skip
_NOTIFIERS = (
    # (name, local part, domain, extra header): the local part alone marks some as automated,
    # others only say so through Auto-Submitted.
    ("Calendly", "no-reply", "calendly.example", ""),
    ("Zoom", "no-reply", "zoom.example", ""),
    ("DocuSign", "dse_na3", "docusign.example", "Auto-Submitted: auto-generated"),
    ("HubSpot", "notifications", "hubspot.example", ""),
    ("Expensify", "concierge", "expensify.example", "Auto-Submitted: auto-replied"),
)  # fmt: skip
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FULL_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_ZONES: tuple[tzinfo, ...] = (
    timezone(timedelta(hours=-8)),
    timezone(timedelta(hours=-6)),
    timezone(timedelta(hours=0)),
    timezone(timedelta(hours=1)),
)


def _rfc2822(moment: datetime) -> str:
    """'Mon, 16 Nov 2026 10:00:00 -0500', without email.utils (several µs a call)."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} "
        f"{moment.year} {moment:%H:%M:%S} {sign}{hh:02d}{mm:02d}"
    )


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def _encoded_words(text: str, *, q: bool) -> str:
    """RFC 2047 encoded words for a header value, folded the way mail clients fold them."""
    words = []
    for start in range(0, len(text), 24):
        raw = text[start : start + 24].encode("utf-8")
        if q:
            encoded = "".join(
                chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122) else
                "_" if b == 32 else f"={b:02X}"
                for b in raw
            )  # fmt: skip
            words.append(f"=?UTF-8?Q?{encoded}?=")
        else:
            words.append(f"=?UTF-8?B?{base64.b64encode(raw).decode('ascii')}?=")
    return "\n ".join(words)


def _mailbox(name: str, address: str, *, q: bool = True) -> str:
    if not name:
        return address
    if not name.isascii():
        return f"{_encoded_words(name, q=q)} <{address}>"
    if any(c in name for c in ',.;:"()'):
        return f'"{name}" <{address}>'
    return f"{name} <{address}>"


# --- mbox ------------------------------------------------------------------------------------


@dataclass
class MboxStats:
    """What `write_mbox` wrote, counted the way the parser should count it."""

    messages: int = 0
    threads: int = 0
    outbound: int = 0
    inbound: int = 0
    internal: int = 0
    drafts: int = 0
    automated: int = 0  # newsletters, notifications and bounces
    bounces: int = 0
    replies: int = 0  # messages carrying quoted history
    html_only: int = 0
    multipart: int = 0
    attachments: int = 0
    encoded_subjects: int = 0
    sent_signals: int = 0
    received_signals: int = 0
    bytes: int = 0
    contacts: set[str] = field(default_factory=set)  # external people who wrote or were written
    companies: set[str] = field(default_factory=set)  # their employers' domains


@dataclass
class _Mail:
    """One written message, kept while its thread is written so replies can quote it."""

    message_id: str
    references: list[str]
    sender_name: str
    sender: str
    at: datetime
    text: str
    html: str
    subject: str


class _MboxWriter:
    def __init__(self, path: Path, n: int, seed: int, crlf: bool):
        self.path = path
        self.n = n
        self.crlf = crlf
        self.rng = random.Random(seed)
        self.stats = MboxStats()
        self.contacts = max(1, n // 8)
        self.zone = ZoneInfo(TIMEZONE)
        self.begin = END - timedelta(days=DAYS)
        self.written = 0
        self.serial = 0
        self.noise = base64.b64encode(self.rng.randbytes(1 << 15)).decode("ascii")
        self.token_chars = self.noise.replace("+", "").replace("/", "")
        blob = base64.encodebytes(self.rng.randbytes(6000)).decode("ascii")
        self.attachment_lines = blob.splitlines()

    # -- small pieces -------------------------------------------------------------------------

    def token(self, length: int, *, alnum: bool = False) -> str:
        source = self.token_chars if alnum else self.noise
        at = self.rng.randrange(len(source) - length)
        return source[at : at + length]

    def message_id(self, client: str, domain: str) -> str:
        self.serial += 1
        tag = f"{self.serial:x}"
        if client == _GMAIL:
            return f"CA{tag}{self.token(38)}@mail.gmail.com"
        if client == _OUTLOOK:
            host = f"BY5PR{self.serial % 90 + 10:02d}MB{self.serial % 9000 + 1000:04d}"
            region = f"namprd{self.serial % 20:02d}"
            return f"{host}{tag}{self.token(16, alnum=True)}@{host}.{region}.prod.outlook.com"
        if client == _APPLE:
            u = self.token(32, alnum=True).upper()
            return f"{u[:8]}-{u[8:12]}-{u[12:16]}-{tag}-{u[16:28]}@{domain}"
        return f"{tag}.{self.token(20, alnum=True)}@{domain}"

    def paragraph_text(self, count: int) -> list[str]:
        choice = self.rng.choice
        return [
            " ".join(choice(_SENTENCES) for _ in range(self.rng.randint(1, 3)))
            for _ in range(count)
        ]

    def later(self, moment: datetime) -> datetime:
        gap = timedelta(minutes=self.rng.choice((7, 25, 90, 240, 600, 1300, 2900, 4400)))
        return min(moment + gap + timedelta(seconds=self.rng.randrange(3600)), END)

    def thread_start(self) -> datetime:
        # Threads start in file order across the window, as a Takeout export of one mailbox.
        progress = (self.written + self.rng.random()) / max(self.n, 1)
        return min(self.begin + timedelta(days=DAYS) * progress, END)

    def received_headers(self, sender: str, at: datetime) -> str:
        domain = sender.rpartition("@")[2]
        stamp = _rfc2822(at.astimezone(_ZONES[0]))
        ip = f"209.85.{self.serial % 250}.{(self.serial * 7) % 250}"
        return (
            f"Delivered-To: {OPERATOR_EMAIL}\n"
            f"Received: by 2002:a05:7300:{self.token(4, alnum=True).lower()} with SMTP id "
            f"{self.token(10, alnum=True).lower()};\n        {stamp} (PST)\n"
            f"X-Google-Smtp-Source: AGHT+IE{self.token(60)}\n"
            f"X-Received: by 2002:a17:90b:{self.token(4, alnum=True).lower()} with SMTP id "
            f"{self.token(12, alnum=True).lower()}.{self.serial % 97};\n        {stamp} (PST)\n"
            f"ARC-Seal: i=1; a=rsa-sha256; t={int(at.timestamp())}; cv=none;\n"
            f"        d=google.com; s=arc-20240605;\n"
            f"        b={self.token(70)}\n         {self.token(70)}\n         {self.token(70)}\n"
            f"ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com;\n"
            f"        s=arc-20240605;\n"
            f"        h=to:subject:message-id:date:from:in-reply-to:references:mime-version\n"
            f"        bh={self.token(44)};\n"
            f"        b={self.token(70)}\n         {self.token(70)}\n"
            f"ARC-Authentication-Results: i=1; mx.google.com;\n"
            f"       dkim=pass header.i=@{domain} header.s=s1 header.b={self.token(8)};\n"
            f"       spf=pass (google.com: domain of {sender} designates {ip} as permitted "
            f"sender) smtp.mailfrom={sender}\n"
            f"Return-Path: <{sender}>\n"
            f"Received: from mail-{self.token(6, alnum=True).lower()}.{domain} "
            f"(mail.{domain}. [{ip}])\n"
            f"        by mx.google.com with SMTPS id {self.token(24, alnum=True).lower()}\n"
            f"        for <{OPERATOR_EMAIL}>\n"
            f"        (Google Transport Security);\n        {stamp} (PST)\n"
            f"Received-SPF: pass (google.com: domain of {sender} designates {ip} as "
            f"permitted sender) client-ip={ip};\n"
            f"Authentication-Results: mx.google.com;\n"
            f"       dkim=pass header.i=@{domain} header.s=s1 header.b={self.token(8)};\n"
            f"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from={domain}\n"
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n"
            f"        d={domain}; s=s1; t={int(at.timestamp())}; x={int(at.timestamp()) + 604800};"
            f"\n        h=to:subject:message-id:date:from:in-reply-to:references\n"
            f"         :mime-version:from:to:cc:subject:date:message-id:reply-to;\n"
            f"        bh={self.token(44)};\n"
            f"        b={self.token(70)}\n         {self.token(70)}\n         {self.token(70)}\n"
            f"X-Gm-Message-State: AOJu0Y{self.token(56)}\n"
        )

    # -- bodies -------------------------------------------------------------------------------

    def compose(
        self, greeting: str, paragraphs: list[str], signoff: str, signature: str
    ) -> tuple[str, str]:
        """(plain text, HTML) of newly written content, without quoted history."""
        text = f"{greeting}\n\n" + "\n\n".join(paragraphs) + f"\n\n{signoff}\n{signature}"
        divs = "".join(f"<div>{html.escape(p)}</div><div><br></div>" for p in paragraphs)
        sig = "<br>".join(html.escape(line) for line in signature.split("\n"))
        markup = (
            f'<div dir="ltr"><div>{html.escape(greeting)}</div><div><br></div>{divs}'
            f"<div>{html.escape(signoff)}</div><div>{sig}</div></div>"
        )
        return text, markup

    def quote(self, client: str, prev: _Mail, me: str) -> tuple[str, str]:
        """The quoted history a reply carries, as each client writes it (plain, HTML)."""
        local = prev.at.astimezone(self.zone)
        who = f"{prev.sender_name} <{prev.sender}>"
        if client == _OUTLOOK:
            header = (
                f"From: {who}\nSent: {_FULL_WEEKDAYS[local.weekday()]}, "
                f"{_FULL_MONTHS[local.month - 1]} {local.day}, {local.year} {_clock(local)}\n"
                f"To: {me}\nSubject: {prev.subject}"
            )
            plain = f"\n\n________________________________\n{header}\n\n{prev.text}"
            markup = (
                '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
                + "<br>".join(html.escape(line) for line in header.split("\n"))
                + f"</div><div>{prev.html}</div>"
            )
            return plain, markup
        if client == _APPLE:
            attribution = (
                f"On {_MONTHS[local.month - 1]} {local.day}, {local.year}, at {_clock(local)}, "
                f"{who} wrote:"
            )
        else:
            attribution = (
                f"On {_WEEKDAYS[local.weekday()]}, {_MONTHS[local.month - 1]} {local.day}, "
                f"{local.year} at {_clock(local)} {who} wrote:"
            )
            if len(attribution) > 76:
                # Gmail wraps its attribution line like any other plain-text line.
                cut = attribution.rfind(" ", 0, 76)
                attribution = attribution[:cut] + "\n" + attribution[cut + 1 :]
        quoted = "\n".join(">" if not line else f"> {line}" for line in prev.text.split("\n"))
        plain = f"\n\n{attribution}\n\n{quoted}"
        markup = (
            '<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            f"{html.escape(attribution)}<br></div>"
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{prev.html}</blockquote>'
            "</div>"
        )
        return plain, markup

    def text_part(self, text: str, subtype: str = "plain") -> str:
        if text.isascii():
            return f'Content-Type: text/{subtype}; charset="UTF-8"\n\n{text}\n'
        if self.rng.random() < 0.75:
            encoded = binascii.b2a_qp(text.encode("utf-8")).decode("ascii")
            return (
                f'Content-Type: text/{subtype}; charset="UTF-8"\n'
                f"Content-Transfer-Encoding: quoted-printable\n\n{encoded}\n"
            )
        encoded = base64.encodebytes(text.encode("utf-8")).decode("ascii")
        return (
            f'Content-Type: text/{subtype}; charset="UTF-8"\n'
            f"Content-Transfer-Encoding: base64\n\n{encoded}"
        )

    def body(
        self, text: str, markup: str, *, html_parts: bool, html_only: bool, attach: bool
    ) -> str:
        """Content-Type header onwards: plain, alternative, HTML only, optionally mixed."""
        if html_only:
            self.stats.html_only += 1
            inner = self.text_part(f"<html><body>{markup}</body></html>", "html")
        elif html_parts:
            self.stats.multipart += not attach
            boundary = f"000000000000{self.token(12, alnum=True).lower()}"
            inner = (
                f'Content-Type: multipart/alternative; boundary="{boundary}"\n\n'
                f"--{boundary}\n{self.text_part(text)}\n"
                f"--{boundary}\n{self.text_part(markup, 'html')}\n--{boundary}--\n"
            )
        else:
            inner = self.text_part(text)
        if not attach:
            return inner
        self.stats.attachments += 1
        self.stats.multipart += 1
        boundary = f"000000000000{self.token(12, alnum=True).lower()}"
        start = self.rng.randrange(len(self.attachment_lines) // 2)
        lines = self.attachment_lines[start : start + self.rng.randint(20, 60)]
        name = self.rng.choice(("Northwind_Proposal.pdf", "Order_Form_signed.pdf", "DPA.pdf"))
        return (
            f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
            f"--{boundary}\n{inner}\n"
            f'--{boundary}\nContent-Type: application/pdf; name="{name}"\n'
            f'Content-Disposition: attachment; filename="{name}"\n'
            f"Content-Transfer-Encoding: base64\nContent-ID: <f_{self.token(9, alnum=True)}>\n\n"
            + "\n".join(lines)
            + f"\n--{boundary}--\n"
        )

    # -- envelope and writing -----------------------------------------------------------------

    def emit(
        self,
        chunks: list[str],
        *,
        thread_id: int,
        labels: str,
        at: datetime,
        headers: str,
        body: str,
    ) -> None:
        moment = at.astimezone(UTC)
        envelope = (
            f"From {thread_id + self.serial}@xxx {_WEEKDAYS[moment.weekday()]} "
            f"{_MONTHS[moment.month - 1]} {moment.day:02d} {moment:%H:%M:%S} +0000 {moment.year}"
        )
        entry = (
            f"X-GM-THRID: {thread_id}\nX-Gmail-Labels: {labels}\n{headers}MIME-Version: 1.0\n{body}"
        )
        # mboxo: a body line that starts with "From " would read as the next message.
        entry = entry.replace("\nFrom ", "\n>From ")
        text = f"{envelope}\n{entry.rstrip(chr(10))}\n\n"
        if self.crlf:
            text = text.replace("\n", "\r\n")
        chunks.append(text)
        self.written += 1

    def subject_header(self, subject: str, client: str) -> str:
        if subject.isascii():
            return subject
        self.stats.encoded_subjects += 1
        return _encoded_words(subject, q=client == _OUTLOOK)

    def thread_id(self) -> int:
        # Gmail thread ids are 64-bit numbers; the hex form is what its API shows.
        return 1_780_000_000_000_000_000 + self.stats.threads * 1_000_003 + self.rng.randrange(999)

    # -- threads ------------------------------------------------------------------------------

    def conversation(self, chunks: list[str], length: int) -> None:
        rng = self.rng
        contact = person(rng.randrange(self.contacts))
        firm = contact.company
        client = _GMAIL if contact.email.endswith("@gmail.com") else firm.client
        template = rng.choice(_ACCENTED_SUBJECTS if rng.random() < 0.08 else _SUBJECTS)
        topic = template.format(company=firm.name)
        thread = self.thread_id()
        self.stats.threads += 1
        at = self.thread_start()
        mate = firm.index * PER_COMPANY + (contact.index + 1) % PER_COMPANY
        # Another person at the same company, copied in or answering now and then.
        colleague = person(mate) if mate < self.contacts and mate != contact.index else None
        outbound = rng.random() < 0.6
        prev: _Mail | None = None
        for k in range(length):
            if k:
                at = self.later(at)
                # Mostly turn-taking; sometimes a follow-up nudge from the same side.
                outbound = (not outbound) if rng.random() < 0.85 else outbound
            cc: list[tuple[str, str]] = []
            if outbound:
                sender_name, sender = OPERATOR_NAME, OPERATOR_EMAIL
                to = [(contact.name, contact.email)]
                if colleague and rng.random() < 0.15:
                    to.append((colleague.name, colleague.email))
                if rng.random() < 0.12:
                    cc.append((_COLLEAGUES[0][0], f"{_COLLEAGUES[0][1]}@{INTERNAL_DOMAIN}"))
                style = _GMAIL
                greeting = f"Hi {contact.first},"
                signature = f"{OPERATOR_NAME}\nAccount Executive, Northwind\n+1 555 0199"
            else:
                writer = colleague if colleague and rng.random() < 0.12 else contact
                sender_name, sender = writer.name, writer.email
                to = [(OPERATOR_NAME, OPERATOR_EMAIL)]
                style = client
                greeting = "Hi Casey,"
                signature = f"{writer.name}\n{writer.title}, {firm.name}"
                self.stats.contacts.add(writer.email)
                if not writer.email.endswith("@gmail.com"):
                    self.stats.companies.add(firm.domain)
            for _, address in to + cc:
                if not address.endswith(INTERNAL_DOMAIN):
                    self.stats.contacts.add(address)
                    if not address.endswith("@gmail.com"):
                        self.stats.companies.add(address.rpartition("@")[2])
            subject = topic if prev is None else f"Re: {topic}"
            paragraphs = self.paragraph_text(rng.randint(1, 4))
            text, markup = self.compose(greeting, paragraphs, "Best,", signature)
            if prev is not None:
                me = f"{sender_name} <{sender}>"
                plain_quote, html_quote = self.quote(style, prev, me)
                text += plain_quote
                markup += html_quote
                self.stats.replies += 1
            draft = outbound and k == length - 1 and k > 0 and rng.random() < 0.08
            message_id = self.message_id(style, sender.rpartition("@")[2])
            references: list[str] = []
            in_reply = ""
            if prev is not None:
                # Outlook names only the parent; Gmail and Apple Mail carry the whole chain.
                references = (
                    [prev.message_id] if style == _OUTLOOK else [*prev.references, prev.message_id]
                )
                in_reply = (
                    f"References: {' '.join(f'<{r}>' for r in references)}\n"
                    f"In-Reply-To: <{prev.message_id}>\n"
                )
            local = at.astimezone(self.zone if outbound else _ZONES[firm.index % len(_ZONES)])
            headers = self.received_headers(sender, at) if not outbound else ""
            headers += (
                f"Date: {_rfc2822(local)}\n{in_reply}"
                f"From: {_mailbox(sender_name, sender, q=style != _GMAIL)}\n"
                f"To: {', '.join(_mailbox(n, a) for n, a in to)}\n"
            )
            if cc:
                headers += f"Cc: {', '.join(_mailbox(n, a) for n, a in cc)}\n"
            headers += (
                f"Subject: {self.subject_header(subject, style)}\nMessage-ID: <{message_id}>\n"
            )
            if draft:
                labels = "Drafts"
                self.stats.drafts += 1
            elif outbound:
                labels = "Sent" if rng.random() < 0.7 else "Sent,Important"
            else:
                labels = rng.choice(("Inbox,Opened", "Inbox,Important,Opened", "Unread,Inbox",
                                     "Opened,Archived,Deals/Q4"))  # fmt: skip
            html_parts = style == _OUTLOOK or (style == _GMAIL and rng.random() < 0.75)
            html_only = not outbound and style == _APPLE and rng.random() < 0.1
            attach = rng.random() < (0.06 if outbound else 0.03)
            body = self.body(
                text, markup, html_parts=html_parts, html_only=html_only, attach=attach
            )
            self.emit(chunks, thread_id=thread, labels=labels, at=at, headers=headers, body=body)
            if outbound:
                self.stats.outbound += 1
                self.stats.sent_signals += not draft
            else:
                self.stats.inbound += 1
                self.stats.received_signals += 1
            prev = _Mail(message_id, references, sender_name, sender, at, text, markup, subject)
            if draft:
                break

    def internal(self, chunks: list[str], length: int) -> None:
        rng = self.rng
        name, local = rng.choice(_COLLEAGUES)
        colleague = f"{local}@{INTERNAL_DOMAIN}"
        firm = person(rng.randrange(self.contacts)).company
        topic = rng.choice(_INTERNAL_SUBJECTS).format(company=firm.name)
        thread = self.thread_id()
        self.stats.threads += 1
        at = self.thread_start()
        prev: _Mail | None = None
        mine = rng.random() < 0.5
        for k in range(length):
            if k:
                at = self.later(at)
                mine = not mine
            sender_name, sender = (OPERATOR_NAME, OPERATOR_EMAIL) if mine else (name, colleague)
            other = (name, colleague) if mine else (OPERATOR_NAME, OPERATOR_EMAIL)
            subject = topic if prev is None else f"Re: {topic}"
            text, markup = self.compose(
                f"Hi {other[0].split()[0]},",
                self.paragraph_text(rng.randint(1, 2)),
                "Thanks,",
                sender_name.split()[0],
            )
            in_reply = ""
            references: list[str] = []
            if prev is not None:
                plain_quote, html_quote = self.quote(_GMAIL, prev, f"{sender_name} <{sender}>")
                text += plain_quote
                markup += html_quote
                self.stats.replies += 1
                references = [*prev.references, prev.message_id]
                in_reply = (
                    f"References: {' '.join(f'<{r}>' for r in references)}\n"
                    f"In-Reply-To: <{prev.message_id}>\n"
                )
            message_id = self.message_id(_GMAIL, INTERNAL_DOMAIN)
            headers = self.received_headers(sender, at) if not mine else ""
            headers += (
                f"Date: {_rfc2822(at.astimezone(self.zone))}\n{in_reply}"
                f"From: {_mailbox(sender_name, sender)}\nTo: {_mailbox(*other)}\n"
                f"Subject: {subject}\nMessage-ID: <{message_id}>\n"
            )
            body = self.body(
                text, markup, html_parts=rng.random() < 0.75, html_only=False, attach=False
            )
            labels = "Sent" if mine else "Inbox,Opened"
            self.emit(chunks, thread_id=thread, labels=labels, at=at, headers=headers, body=body)
            if mine:
                self.stats.outbound += 1  # to a colleague only: no email.sent signal
            else:
                self.stats.internal += 1
            prev = _Mail(message_id, references, sender_name, sender, at, text, markup, subject)

    def newsletter(self, chunks: list[str]) -> None:
        rng = self.rng
        name, local, domain, category = rng.choice(_NEWSLETTERS)
        sender = f"{local}@{domain}"
        at = self.thread_start()
        thread = self.thread_id()
        self.stats.threads += 1
        issue = rng.randrange(1, 400)
        paragraphs = self.paragraph_text(rng.randint(5, 9))
        text = (
            f"{name} — issue {issue}\n\n"
            + "\n\n".join(paragraphs)
            + (f"\n\nUnsubscribe: https://{domain}/u/{self.token(16, alnum=True)}")
        )
        cells = "".join(
            '<tr><td style="padding:12px 24px;font-family:Helvetica,Arial,sans-serif;'
            f'font-size:15px;line-height:22px;color:#333333">{html.escape(p)}'
            f'<br><a href="https://{domain}/r/{self.token(24, alnum=True)}" '
            'style="color:#0b6bcb">Read more</a></td></tr>'
            for p in paragraphs
        )
        markup = (
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            'style="background:#f4f4f4"><tr><td align="center"><table width="600" '
            f'style="background:#ffffff"><tr><td><h1>{html.escape(name)} #{issue}</h1></td>'
            f'</tr>{cells}<tr><td style="font-size:11px;color:#999999">You are receiving this '
            f'because you subscribed. <a href="https://{domain}/u/{self.token(16, alnum=True)}">'
            "Unsubscribe</a></td></tr></table></td></tr></table>"
        )
        headers = self.received_headers(sender, at) + (
            f"List-Unsubscribe: <mailto:unsubscribe@{domain}?subject={self.token(12, alnum=True)}>"
            f", <https://{domain}/u/{self.token(16, alnum=True)}>\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        )
        if rng.random() < 0.5:
            headers += "Precedence: bulk\n"
        if rng.random() < 0.4:
            headers += f"List-Id: {name} <{local}.{domain}>\n"
        headers += (
            f"Date: {_rfc2822(at.astimezone(_ZONES[0]))}\nFrom: {_mailbox(name, sender)}\n"
            f"To: {OPERATOR_EMAIL}\nSubject: {name} #{issue}: what finance teams read this week\n"
            f"Message-ID: <{self.message_id('', 'mail.' + domain)}>\n"
        )
        body = self.body(text, markup, html_parts=True, html_only=rng.random() < 0.3, attach=False)
        self.emit(
            chunks, thread_id=thread, labels=f"{category},Opened", at=at, headers=headers, body=body
        )
        self.stats.inbound += 1
        self.stats.automated += 1
        self.stats.received_signals += 1

    def notification(self, chunks: list[str]) -> None:
        rng = self.rng
        name, local, domain, extra = rng.choice(_NOTIFIERS)
        sender = f"{local}@{domain}"
        at = self.thread_start()
        thread = self.thread_id()
        self.stats.threads += 1
        contact = person(rng.randrange(self.contacts))
        text = (
            f"{contact.name} ({contact.email}) viewed your document or scheduled time with you."
            f"\n\nDetails: https://{domain}/e/{self.token(20, alnum=True)}\n\n"
            f"This is an automated message from {name}; replies are not read."
        )
        headers = self.received_headers(sender, at) + (f"{extra}\n" if extra else "")
        headers += (
            f"Date: {_rfc2822(at.astimezone(_ZONES[1]))}\nFrom: {_mailbox(name, sender)}\n"
            f"To: {OPERATOR_EMAIL}\n"
            f"Subject: {self.subject_header(f'{name}: activity from {contact.name}', _GMAIL)}\n"
            f"Message-ID: <{self.message_id('', domain)}>\n"
        )
        markup = f"<p>{html.escape(text)}</p>"
        body = self.body(text, markup, html_parts=rng.random() < 0.5, html_only=False, attach=False)
        self.emit(
            chunks, thread_id=thread, labels="Category Updates,Inbox", at=at, headers=headers,
            body=body,
        )  # fmt: skip
        self.stats.inbound += 1
        self.stats.automated += 1
        self.stats.received_signals += 1

    def bounce(self, chunks: list[str]) -> None:
        """An outbound message to someone who left, and Gmail's delivery failure notice."""
        rng = self.rng
        contact = person(rng.randrange(self.contacts))
        gone = f"{contact.email.partition('@')[0]}.old@{contact.company.domain}"
        at = self.thread_start()
        thread = self.thread_id()
        self.stats.threads += 1
        subject = f"Checking in — {contact.company.name}"
        text, _ = self.compose(
            f"Hi {contact.first},", self.paragraph_text(2), "Best,", OPERATOR_NAME
        )
        original_id = self.message_id(_GMAIL, "mail.gmail.com")
        original_headers = (
            f"Date: {_rfc2822(at.astimezone(self.zone))}\n"
            f"From: {_mailbox(OPERATOR_NAME, OPERATOR_EMAIL)}\nTo: {gone}\n"
            f"Subject: {self.subject_header(subject, _GMAIL)}\nMessage-ID: <{original_id}>\n"
        )
        self.emit(
            chunks, thread_id=thread, labels="Sent", at=at, headers=original_headers,
            body=self.text_part(text),
        )  # fmt: skip
        self.stats.outbound += 1
        self.stats.sent_signals += 1
        self.stats.contacts.add(gone)
        self.stats.companies.add(contact.company.domain)

        at = min(at + timedelta(seconds=rng.randint(2, 90)), END)
        boundary = f"000000000000{self.token(12, alnum=True).lower()}"
        failed_header = f"X-Failed-Recipients: {gone}\n" if rng.random() < 0.5 else ""
        headers = (
            self.received_headers("mailer-daemon@googlemail.com", at)
            + failed_header
            + (
                f"Date: {_rfc2822(at.astimezone(_ZONES[0]))}\n"
                "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
                f"To: {OPERATOR_EMAIL}\nSubject: Delivery Status Notification (Failure)\n"
                f"References: <{original_id}>\nIn-Reply-To: <{original_id}>\n"
                f"Message-ID: <{self.message_id('', 'mx.google.com')}>\n"
                "Auto-Submitted: auto-replied\n"
            )
        )
        notice = (
            "** Address not found **\n\n"
            f"Your message wasn't delivered to {gone} because the address couldn't be found, "
            "or is unable to receive mail.\n\nThe response from the remote server was:\n"
            f"550 5.1.1 The email account that you tried to reach does not exist."
        )
        body = (
            "Content-Type: multipart/report; report-type=delivery-status;\n"
            f'\tboundary="{boundary}"\n\n'
            f"--{boundary}\n{self.text_part(notice)}\n"
            f"--{boundary}\nContent-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; googlemail.com\nArrival-Date: {_rfc2822(at)}\n\n"
            f"Final-Recipient: rfc822; {gone}\nAction: failed\nStatus: 5.1.1\n"
            f"Remote-MTA: dns; mx.{contact.company.domain}. (10.0.0.1, the server for the "
            f"domain {contact.company.domain}.)\n"
            "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
            f"Last-Attempt-Date: {_rfc2822(at)}\n\n"
            f"--{boundary}\nContent-Type: message/rfc822\n\n{original_headers}\n{text}\n"
            f"--{boundary}--\n"
        )
        self.stats.multipart += 1
        self.emit(chunks, thread_id=thread, labels="Inbox", at=at, headers=headers, body=body)
        self.stats.inbound += 1
        self.stats.automated += 1
        self.stats.bounces += 1

    def write(self) -> MboxStats:
        rng = self.rng
        with self.path.open("w", encoding="utf-8", newline="") as fh:
            chunks: list[str] = []
            size = 0
            while self.written < self.n:
                left = self.n - self.written
                roll = rng.random()
                # One bounce per hundred messages, the first early: small test files get one.
                if self.written >= 100 * self.stats.bounces + 40 and left >= 2:
                    self.bounce(chunks)
                elif roll < 0.13:
                    self.newsletter(chunks)
                elif roll < 0.19:
                    self.notification(chunks)
                elif roll < 0.28:
                    self.internal(chunks, min(left, rng.choice((1, 2, 2, 3))))
                else:
                    length = rng.choices((1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 8, 7))[0]
                    self.conversation(chunks, min(left, length))
                if len(chunks) >= 256:
                    block = "".join(chunks)
                    size += len(block.encode("utf-8"))
                    fh.write(block)
                    chunks.clear()
            block = "".join(chunks)
            size += len(block.encode("utf-8"))
            fh.write(block)
        self.stats.messages = self.written
        self.stats.bytes = size
        return self.stats


def write_mbox(path: Path, n: int, *, seed: int = 0, crlf: bool = False) -> MboxStats:
    """Write a Takeout-style mbox of exactly `n` messages to `path`; returns what it holds.

    Conversations of 1-6 messages with the operator's contacts (n/8 people at n/40 companies),
    internal threads, newsletters, notifications and a few bounces, over the 90 days before
    END. `crlf` writes CRLF line ends, as some exporters do.
    """
    return _MboxWriter(Path(path), n, seed, crlf).write()


# --- HubSpot CSVs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvStats:
    """What a CSV writer wrote and what a correct parser should make of it."""

    rows: int  # data rows
    records: int  # contacts, companies, deals, tasks or notes
    warnings: int  # rows the parser must warn about (each once)
    companies: int = 0  # distinct company domains a contacts export yields
    signals: int = 0
    bytes: int = 0


class CsvWriter(Protocol):
    """What every write_*_csv function is."""

    def __call__(self, path: Path, n: int, *, seed: int = 0) -> CsvStats: ...


def _stamp(moment: datetime, zone: tzinfo) -> str:
    """HubSpot's label exports write times in the account's zone, without one."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def _created(rng: random.Random, days: int = 720) -> datetime:
    return END - timedelta(minutes=rng.randrange(days * 24 * 60))


_CONTACT_COLUMNS = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Job Title",
    "Lifecycle Stage", "Lead Status", "Contact owner", "Create Date", "Last Activity Date",
    "Company Name", "Website URL", "City", "State/Region", "Country/Region",
    "Marketing contact status", "Associated Company",
)  # fmt: skip
_LIFECYCLE = ("Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead",
              "Opportunity", "Customer")  # fmt: skip
_LEAD_STATUS = ("New", "Open", "In progress", "Attempted to contact", "Connected", "")
# One row in this many has no email, as HubSpot exports of imported lists do.
_NO_EMAIL_EVERY = 50


def write_contacts_csv(path: Path, n: int, *, seed: int = 0) -> CsvStats:
    """A HubSpot contacts export (labels, all cells quoted) of persons 0..n-1."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    skipped = 0
    domains: set[str] = set()
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff")
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(_CONTACT_COLUMNS)
        for i in range(n):
            p = person(i)
            firm = p.company
            email = p.email
            if i % _NO_EMAIL_EVERY == _NO_EMAIL_EVERY - 1:
                email = ""
                skipped += 1
            else:
                domains.add(firm.domain)
            city, region, country = firm.city
            created = _created(rng)
            active = created + (END - created) * rng.random()
            out.writerow((
                str(50_000_000 + i), p.first, p.last, email,
                f"+1 555 {100 + i % 900:03d} {i % 10000:04d}", p.title,
                _LIFECYCLE[(i * 3) % len(_LIFECYCLE)], _LEAD_STATUS[i % len(_LEAD_STATUS)],
                _OWNERS[i % len(_OWNERS)], _stamp(created, zone),
                _stamp(active, zone) if i % 4 else "", firm.name, f"https://www.{firm.domain}/",
                city, region, country, "Marketing contact" if i % 3 else "Non-marketing contact",
                f"{firm.name} ({30_000_000 + firm.index})",
            ))  # fmt: skip
        size = fh.tell()
    records = n - skipped
    return CsvStats(n, records, skipped, len(domains), records, size)


_COMPANY_COLUMNS = (
    "Record ID", "Company name", "Company Domain Name", "Industry", "Number of Employees",
    "Annual Revenue", "Ideal Customer Profile Tier", "Lifecycle Stage", "Company owner",
    "Create Date", "City", "State/Region", "Country/Region", "Website URL", "Phone Number",
    "Last Activity Date",
)  # fmt: skip


def write_companies_csv(path: Path, n: int, *, seed: int = 0) -> CsvStats:
    """A HubSpot companies export of companies 0..n-1."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff")
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(_COMPANY_COLUMNS)
        for j in range(n):
            firm = company(j)
            city, region, country = firm.city
            out.writerow((
                str(30_000_000 + j), firm.name, firm.domain, firm.industry,
                f"{firm.employees:,}" if j % 2 else str(firm.employees),
                str(firm.employees * 180_000), f"Tier {firm.tier}",
                _LIFECYCLE[(j * 5) % len(_LIFECYCLE)], _OWNERS[j % len(_OWNERS)],
                _stamp(_created(rng, 1500), zone), city, region, country,
                f"https://www.{firm.domain}", f"+1 555 {j % 1000:03d} 0000",
                _stamp(_created(rng, 60), zone) if j % 3 else "",
            ))  # fmt: skip
        size = fh.tell()
    return CsvStats(n, n, 0, n, 0, size)


def _stage_columns() -> list[str]:
    columns = []
    for label, _ in STAGES:
        columns.append(f'Date entered "{label} (Sales Pipeline)"')
        columns.append(f'Date exited "{label} (Sales Pipeline)"')
    return columns


_DEAL_COLUMNS = (
    "Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount", "Close Date", "Create Date",
    "Deal owner", "Last Activity Date", "Last Modified Date", "Deal Type", "Forecast category",
    "Associated Company", "Associated Contact", *_stage_columns(),
)  # fmt: skip


def deal_id(k: int) -> str:
    return str(20_000_000 + k)


def write_deals_csv(path: Path, n: int, *, seed: int = 0) -> CsvStats:
    """A HubSpot deals export: deal k is with company k // 2 and one or two of its people."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff")
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(_DEAL_COLUMNS)
        for k in range(n):
            firm = company(k // 2)
            champion = person(firm.index * PER_COMPANY + k % PER_COMPANY)
            contacts = f"{champion.name} ({champion.email})"
            if k % 3 == 0:
                buyer = person(firm.index * PER_COMPANY + (k + 1) % PER_COMPANY)
                contacts += f";{buyer.name} ({buyer.email})"
            stage_no = (k * 3) % len(STAGES)
            created = _created(rng, 300)
            entered: list[str] = []
            moment = created
            for s in range(len(STAGES)):
                if s <= stage_no and (s == stage_no or s < 5):
                    moment = moment + (END - moment) * rng.random() * 0.3
                    entered.append(_stamp(moment, zone))
                    entered.append("" if s == stage_no else _stamp(moment, zone))
                else:
                    entered += ["", ""]
            close = END + timedelta(days=rng.randrange(-120, 180))
            out.writerow((
                deal_id(k), f"{firm.name} — {('Platform', 'Expansion', 'Renewal')[k % 3]}",
                STAGES[stage_no][0], "Sales Pipeline",
                f"{rng.randrange(5, 400) * 500:.2f}" if k % 11 else "",
                f"{close:%Y-%m-%d}", _stamp(created, zone), _OWNERS[k % len(_OWNERS)],
                _stamp(moment, zone) if k % 4 else "", _stamp(moment, zone),
                ("New Business", "Existing Business")[k % 2],
                ("Pipeline", "Best case", "Commit")[k % 3],
                firm.name, contacts, *entered,
            ))  # fmt: skip
        size = fh.tell()
    return CsvStats(n, n, 0, 0, n, size)


_TASK_COLUMNS = (
    "Record ID", "Task Title", "Task Type", "Task Status", "Priority", "Due Date",
    "Activity assigned to", "Create Date", "Completed at", "Notes", "Associated Contact",
    "Associated Company", "Associated Deal", "Associated Deal IDs",
)  # fmt: skip


def write_tasks_csv(path: Path, n: int, *, seed: int = 0, deals: int | None = None) -> CsvStats:
    """A HubSpot tasks export; task t links to deal t % `deals` (default n) and its people."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    deals = deals or max(n, 1)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff")
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(_TASK_COLUMNS)
        for t in range(n):
            k = t % deals
            firm = company(k // 2)
            who = person(firm.index * PER_COMPANY + k % PER_COMPANY)
            done = t % 4 == 0
            created = _created(rng, 120)
            due = created + timedelta(days=rng.randrange(1, 30))
            out.writerow((
                str(70_000_000 + t),
                rng.choice(("Send proposal", "Follow up on pricing", "Book security review",
                            "Call about renewal")) + f" — {firm.name}",
                ("Email", "Call", "To-do")[t % 3], "Completed" if done else "Not started",
                ("High", "Medium", "Low", "None")[t % 4],
                f"{due.astimezone(zone):%Y-%m-%d}" if t % 5 == 0 else _stamp(due, zone),
                _OWNERS[t % len(_OWNERS)], _stamp(created, zone),
                _stamp(due, zone) if done else "",
                f"<p>{html.escape(rng.choice(_SENTENCES))}</p>" if t % 2 else "",
                f"{who.name} ({who.email})", firm.domain, f"{firm.name} — deal", deal_id(k),
            ))  # fmt: skip
        size = fh.tell()
    return CsvStats(n, n, 0, 0, 0, size)


_NOTE_COLUMNS = (
    "Record ID", "Note body", "Activity date", "Create Date", "Activity assigned to",
    "Associated Contact", "Associated Company", "Associated Deal IDs",
)  # fmt: skip


def write_notes_csv(path: Path, n: int, *, seed: int = 0, deals: int | None = None) -> CsvStats:
    """A HubSpot notes export; bodies are HTML from HubSpot's editor, some over several lines."""
    rng = random.Random(seed)
    zone = ZoneInfo(TIMEZONE)
    deals = deals or max(n, 1)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        fh.write("\ufeff")
        out = csv.writer(fh, quoting=csv.QUOTE_ALL)
        out.writerow(_NOTE_COLUMNS)
        for t in range(n):
            k = t % deals
            firm = company(k // 2)
            who = person(firm.index * PER_COMPANY + k % PER_COMPANY)
            at = _created(rng, 200)
            paragraphs = [rng.choice(_SENTENCES) for _ in range(rng.randint(1, 4))]
            body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            out.writerow((
                str(80_000_000 + t), body, _stamp(at, zone), _stamp(at, zone),
                _OWNERS[t % len(_OWNERS)], f"{who.name} ({who.email})", firm.domain, deal_id(k),
            ))  # fmt: skip
        size = fh.tell()
    return CsvStats(n, n, 0, 0, 0, size)
