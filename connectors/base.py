"""The records and signals every connector hands to the daemon.

Connectors never touch the store: they parse or fetch, and return a `SyncBatch` of plain
records. The daemon upserts them by natural key (email, domain, message id, meeting uid,
external id) and derives the signals that need history it alone has.
All datetimes here are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal, Protocol

Direction = Literal["inbound", "outbound", "internal"]


class ConnectorError(Exception):
    """A source could not be read; the message says what and where."""


class ImportFormatError(ConnectorError):
    """A local file is not in the format its kind expects."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class OperatorIdentity:
    """Who the operator is: used to tell inbound from outbound and internal from external."""

    name: str
    emails: tuple[str, ...]
    internal_domains: tuple[str, ...] = ()
    timezone: str = "UTC"

    # Asked for every address of every record an import writes: the sets are built once.
    @cached_property
    def _own_addresses(self) -> frozenset[str]:
        return frozenset(e.lower() for e in self.emails)

    @cached_property
    def _own_domains(self) -> frozenset[str]:
        return frozenset(d.lower() for d in self.internal_domains)

    def is_operator(self, address: str) -> bool:
        return address.strip().lower() in self._own_addresses

    def is_internal(self, address: str) -> bool:
        addr = address.strip().lower()
        return addr in self._own_addresses or addr.rpartition("@")[2] in self._own_domains

    def direction_of(self, sender: str) -> Direction:
        """Mail from the operator is outbound; from a colleague, internal (not the
        operator's own follow-up); from anyone else, inbound."""
        if self.is_operator(sender):
            return "outbound"
        return "internal" if self.is_internal(sender) else "inbound"


@dataclass
class CompanyRecord:
    domain: str
    name: str
    industry: str | None = None
    size: int | None = None
    tier: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class ContactRecord:
    email: str
    name: str | None = None
    title: str | None = None
    company_domain: str | None = None
    company_name: str | None = None
    phone: str | None = None
    lifecycle_stage: str | None = None
    owner: str | None = None
    created_at: datetime | None = None
    # When the source last changed the record (HubSpot's Last Modified Date); the stored
    # contact's `updated_at` is this, so a record untouched for months reads as such.
    modified_at: datetime | None = None
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class DealRecord:
    external_id: str
    name: str
    stage: str
    pipeline: str = "default"
    amount: float | None = None
    currency: str = "USD"
    close_date: date | None = None
    company_domain: str | None = None
    contact_emails: list[str] = field(default_factory=list)
    stage_entered_at: datetime | None = None
    last_activity_at: datetime | None = None
    created_at: datetime | None = None


# The label of an automatic answer (out of office), besides "automated": never a reply.
AUTO_REPLY = "auto-reply"


@dataclass
class MessageRecord:
    """One mail message. Which thread it joins is the daemon's call: `thread_key` is the
    source's own thread id when `thread_from_source` (Gmail's X-GM-THRID, which decides),
    otherwise a first guess (the conversation's root id, the message's own id, or a key of
    subject and participants for mail without ids) that `references` refine: the message
    joins whatever thread holds a message it names, or that names it."""

    message_id: str
    thread_key: str
    from_addr: str
    sent_at: datetime
    direction: Direction
    subject: str = ""
    body: str = ""
    from_name: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    in_reply_to: str | None = None
    labels: list[str] = field(default_factory=list)
    is_draft: bool = False
    # Every Message-ID it names: References, then In-Reply-To.
    references: list[str] = field(default_factory=list)
    thread_from_source: bool = False
    # The record's id in the system it came from, by system ("hubspot": engagement id),
    # for a message whose Message-ID the source does not give (`message_id` is then a
    # stand-in, and the daemon finds the stored message it is by content).
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class AttendeeRecord:
    email: str
    name: str | None = None
    response_status: str = "needsAction"


@dataclass
class MeetingRecord:
    uid: str
    title: str
    start_at: datetime
    end_at: datetime
    organizer: str | None = None
    attendees: list[AttendeeRecord] = field(default_factory=list)
    location: str | None = None
    description: str | None = None
    status: str = "confirmed"
    # As for `MessageRecord.external_ids`: set for a meeting whose `uid` is a stand-in.
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class DocumentRecord:
    """A file in the operator's Google Drive, known by Drive's file id.

    `removed` marks a change that says the file is gone from the operator's view (deleted
    for good, or no longer shared): only that it is trashed is known, so only that is
    written; the rest of the stored row is kept."""

    drive_id: str
    name: str
    mime_type: str = ""
    # Owners' email addresses, lower-cased.
    owners: list[str] = field(default_factory=list)
    modified_at: datetime | None = None
    link: str | None = None
    trashed: bool = False
    removed: bool = False


@dataclass
class TaskRecord:
    """A CRM task (HubSpot's statuses: NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED)."""

    external_id: str
    title: str
    due_at: datetime | None = None
    status: str = "NOT_STARTED"
    priority: str | None = None
    body: str | None = None
    owner: str | None = None
    contact_emails: list[str] = field(default_factory=list)
    company_domain: str | None = None
    deal_external_id: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass
class NoteRecord:
    external_id: str
    body: str
    created_at: datetime
    owner: str | None = None
    contact_emails: list[str] = field(default_factory=list)
    company_domain: str | None = None
    deal_external_id: str | None = None


@dataclass
class GoneRecord:
    """A record the source says no longer exists (HubSpot archived it): `entity` is
    "company", "contact", "deal", "task" or "note", known to `system` by `external_id`."""

    entity: str
    system: str
    external_id: str


@dataclass
class SignalRecord:
    """A fact with a time. `dedup_key` makes the same fact seen twice one signal."""

    kind: str
    occurred_at: datetime
    dedup_key: str
    payload: dict[str, Any] = field(default_factory=dict)
    contact_email: str | None = None
    company_domain: str | None = None
    deal_external_id: str | None = None
    thread_key: str | None = None
    meeting_uid: str | None = None


@dataclass
class SyncBatch:
    """What one sync or import returns; the daemon writes it in one transaction."""

    source: str
    companies: list[CompanyRecord] = field(default_factory=list)
    contacts: list[ContactRecord] = field(default_factory=list)
    deals: list[DealRecord] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)
    tasks: list[TaskRecord] = field(default_factory=list)
    notes: list[NoteRecord] = field(default_factory=list)
    documents: list[DocumentRecord] = field(default_factory=list)
    signals: list[SignalRecord] = field(default_factory=list)
    # Records the source no longer has.
    gone: list[GoneRecord] = field(default_factory=list)
    # Where to resume after this batch once it is written (None: nothing to resume).
    cursor: str | None = None
    warnings: list[str] = field(default_factory=list)
    # What a reader should know about what was kept (an import's `notes`): a repeating
    # meeting cut to the import window, rows skipped (each also a warning). Sentences.
    remarks: list[str] = field(default_factory=list)
    # Progress through the stream: units consumed so far, and the total when known.
    done: int = 0
    total: int | None = None

    def size(self) -> int:
        """How many records and signals the batch carries (what a write has to do)."""
        return (
            len(self.companies)
            + len(self.contacts)
            + len(self.deals)
            + len(self.messages)
            + len(self.meetings)
            + len(self.tasks)
            + len(self.notes)
            + len(self.documents)
            + len(self.signals)
            + len(self.gone)
        )

    def extend(self, other: SyncBatch) -> None:
        self.companies += other.companies
        self.contacts += other.contacts
        self.deals += other.deals
        self.messages += other.messages
        self.meetings += other.meetings
        self.tasks += other.tasks
        self.notes += other.notes
        self.documents += other.documents
        self.signals += other.signals
        self.gone += other.gone
        self.warnings += other.warnings
        self.remarks += other.remarks


@dataclass(frozen=True)
class Health:
    """Whether a connector can sync now, and if not, what the operator should do."""

    ok: bool
    detail: str


class Connector(Protocol):
    """One external system (or local source) the daemon syncs records and signals from.

    `sync` yields batches for one stream, resuming after `cursor`; the daemon writes each
    batch and the batch's cursor in one transaction, so a crash resumes where the last
    written batch ended. `chunk_size` is read before each batch: the daemon tunes it so a
    batch's write stays short. Connectors never touch the store.
    """

    name: str
    # What credentials it needs ("hubspot", "google", ...), or None for local sources.
    auth: str | None
    chunk_size: int
    # Whether the daemon should fetch the next batch while it writes this one: yes where
    # reading mostly waits on the network; no where reading is Python work (parsing a
    # file), which would only take turns with the writer for the interpreter lock.
    read_ahead: bool

    def streams(self) -> Sequence[str]: ...

    def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]: ...

    async def health(self) -> Health: ...

    async def aclose(self) -> None:
        """Release what the connector holds (its HTTP client); called once its sync ends."""
        ...
