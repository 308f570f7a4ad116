"""The workspace database, as SQLAlchemy models. The schema itself is owned by migrations.

Every datetime is stored as naive UTC (portable across SQLite and PostgreSQL) and comes
back tz-aware through `UTCDateTime`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from daemon.store.fold import fold


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive UTC on disk."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use the daemon clock")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    # SQLite keeps datetimes as text. SQLAlchemy would convert in two steps (this type, then
    # DateTime's own formatting or regex parsing), several microseconds a value; a bulk
    # import binds five per record. One C-level call each way writes and reads the very
    # same text ("2026-11-25 15:00:00.000000").
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # A bulk write binds the same instant (its clock's "now") on every row: remember the
        # last conversion. One tuple, replaced whole, so threads never see half of one.
        last: list[tuple[datetime | None, str | None]] = [(None, None)]

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            seen, text = last[0]
            if seen is value:
                return text
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use the daemon clock")
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            # "2026-11-25 15:00:00.000000+00:00" without its offset.
            text = utc.isoformat(" ", "microseconds")[:26]
            last[0] = (value, text)
            return text

        return to_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            if value is None:
                return None
            return datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        date: Date,
    }


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


def _company_name_key(context: Any) -> str | None:
    return fold(context.get_current_parameters().get("name"))


def _contact_name_key(context: Any) -> str | None:
    row = context.get_current_parameters()
    return fold(row.get("name") or row.get("email"))


def _thread_subject_key(context: Any) -> str | None:
    return fold(context.get_current_parameters().get("subject"))


class Company(Base):
    __tablename__ = "companies"
    # Added by migration 0009: companies in name order, and found by name, through an index.
    __table_args__ = (Index("ix_companies_name_key", "name_key", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # The name folded for search and order (daemon.store.fold): set on insert, and the
    # importers keep it when they change the name.
    name_key: Mapped[str | None] = mapped_column(String(255), default=_company_name_key)
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    tier: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contacts"
    # Added by migration 0009: contacts in name order, and found by name, through an index.
    __table_args__ = (Index("ix_contacts_name_key", "name_key", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    # The name (the email when there is none) folded for search and order: set on insert,
    # and the importers keep it when they change the name.
    name_key: Mapped[str | None] = mapped_column(String(320), default=_contact_name_key)
    title: Mapped[str | None] = mapped_column(String(255))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    phone: Mapped[str | None] = mapped_column(String(64))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(64))
    owner: Mapped[str | None] = mapped_column(String(255))
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]
    last_meeting_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Added by migration 0014: when and why the contact asked not to be contacted.
    do_not_contact_at: Mapped[datetime | None]
    do_not_contact_reason: Mapped[str | None] = mapped_column(Text)


class ExternalId(Base):
    """A record's id in one connector; a record can be known to several."""

    __tablename__ = "external_ids"
    __table_args__ = (UniqueConstraint("connector", "entity", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer, index=True)
    connector: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))


class Deal(Base):
    __tablename__ = "deals"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    pipeline: Mapped[str] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(100))
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    close_date: Mapped[date | None]
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    stage_entered_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DealContact(Base):
    __tablename__ = "deal_contacts"
    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Thread(Base):
    __tablename__ = "threads"
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_key: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str] = mapped_column(String(998))
    # Added by migration 0009: the subject folded for search, set on insert and kept by
    # the importers when a thread's first message changes.
    subject_key: Mapped[str | None] = mapped_column(String(998), default=_thread_subject_key)
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    last_message_at: Mapped[datetime | None]
    # Added by migration 0007: the key is the mail system's own thread id (Gmail's
    # X-GM-THRID). Such a thread is never merged into another by the ids messages name.
    from_source: Mapped[bool] = mapped_column(Boolean, default=False)


class ThreadRef(Base):
    """Added by migration 0007: an id a thread's messages name (References, In-Reply-To, the
    key of mail without ids) that is no stored message. A message naming a stored message
    or one of these joins its thread; naming ids of two threads merges them."""

    __tablename__ = "thread_refs"
    ref: Mapped[str] = mapped_column(String(998), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_sent", "thread_id", "sent_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    from_addr: Mapped[str] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(String(255))
    to_addrs: Mapped[list[Any]]
    cc_addrs: Mapped[list[Any]]
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    direction: Mapped[str] = mapped_column(String(10))
    labels: Mapped[list[Any]]
    is_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )


class Meeting(Base):
    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(512), unique=True)
    title: Mapped[str] = mapped_column(String(998))
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    organizer: Mapped[str | None] = mapped_column(String(320))
    location: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(255))
    response_status: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )


class Signal(Base):
    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_kind_occurred", "kind", "occurred_at"),
        # Added by migration 0006: the answers in the threads an import touched.
        Index("ix_signals_thread_id", "thread_id"),
        # Added by migration 0008: a record's signals.
        Index("ix_signals_contact_id", "contact_id"),
        Index("ix_signals_company_id", "company_id"),
        Index("ix_signals_deal_id", "deal_id"),
        Index("ix_signals_meeting_id", "meeting_id"),
        # Added by migration 0016 (in place of an index of processed_at): the signals a
        # pass has still to read, in the order it reads them.
        Index(
            "ix_signals_waiting",
            "occurred_at",
            sqlite_where=text("processed_at IS NULL"),
            postgresql_where=text("processed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    payload: Mapped[dict[str, Any]]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]  # indexed by ix_signals_waiting


def _sparse(name: str, column: str) -> Index:
    """An index of the rows that have a value in `column` (migration 0016): most moves name
    no thread, deal or meeting, and a full index would tell the planner each value has
    thousands of rows."""
    where = text(f"{column} IS NOT NULL")
    return Index(name, column, sqlite_where=where, postgresql_where=where)


class Move(Base):
    __tablename__ = "moves"
    __table_args__ = (
        Index("ix_moves_rank", "status", text("aps DESC"), "due_at", "id"),
        Index("ix_moves_status_due", "status", "due_at"),
        Index("ix_moves_rescore", "status", "rescore_at"),
        # Added by migration 0007: the moves of threads that merge.
        _sparse("ix_moves_thread_id", "thread_id"),
        # Added by migration 0008: a record's moves (`contacts show` and the others).
        Index("ix_moves_contact_id", "contact_id"),
        Index("ix_moves_company_id", "company_id"),
        _sparse("ix_moves_deal_id", "deal_id"),
        _sparse("ix_moves_meeting_id", "meeting_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    why_now: Mapped[str] = mapped_column(Text)
    move_type: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    aps: Mapped[float] = mapped_column(Float)
    aps_breakdown: Mapped[dict[str, Any]]
    score_inputs: Mapped[dict[str, Any]]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    snoozed_until: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    dedup_key: Mapped[str] = mapped_column(String(512), unique=True)
    prepared_action: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Added by migration 0005: when time alone next changes the move: its score, or sooner
    # the end of its shelf life (pending) or snooze (snoozed); 9999-12-31 (queue.NEVER) when
    # none of that happens, NULL when not worked out yet (rows from before the migration).
    rescore_at: Mapped[datetime | None]


class MoveSignal(Base):
    __tablename__ = "move_signals"
    move_id: Mapped[int] = mapped_column(
        ForeignKey("moves.id", ondelete="CASCADE"), primary_key=True
    )
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )


class ImportRecord(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    counts: Mapped[dict[str, Any]]
    imported_at: Mapped[datetime]


# Added by migration 0002: move history and outcomes.


class MoveEvent(Base):
    """Every status change of a move, in order: the queue's audit trail."""

    __tablename__ = "move_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("moves.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]
    # Added by migration 0017: on a snooze's event, the wake-up time it set.
    snoozed_until: Mapped[datetime | None]


class Outcome(Base):
    __tablename__ = "outcomes"
    __table_args__ = (
        # Added by migration 0015: a detected outcome is recorded once per move and kind.
        Index(
            "uq_outcomes_detected",
            "move_id",
            "kind",
            unique=True,
            sqlite_where=text("source = 'detected'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("moves.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]


# Added by migration 0004: CRM tasks and notes.


class CrmTask(Base):
    """A task as the CRM has it; its external ids live in external_ids (entity 'task')."""

    __tablename__ = "crm_tasks"
    __table_args__ = (
        Index("ix_crm_tasks_status_due", "status", "due_at"),
        # Added by migration 0008: a contact's or deal's open tasks.
        Index("ix_crm_tasks_contact_id", "contact_id"),
        Index("ix_crm_tasks_deal_id", "deal_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(998))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(255))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# Added by migration 0005: jobs and connector sync state.


class Job(Base):
    """Long work (an import, the demo build, an agent pass, a sync) and how far it got."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_created", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str | None] = mapped_column(String(32))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SyncState(Base):
    """Per connector and stream: the cursor to resume from and how the last sync went."""

    __tablename__ = "sync_state"
    connector: Mapped[str] = mapped_column(String(32), primary_key=True)
    stream: Mapped[str] = mapped_column(String(255), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    records: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


# Added by migration 0010: Google Drive documents.


class Document(Base):
    """A file in (or shared with) the operator's Google Drive, known by Drive's file id;
    linked to the company of its first outside owner when that company is known."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_company_id", "company_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(String(255))
    owners: Mapped[list[Any]]
    modified_at: Mapped[datetime | None]
    link: Mapped[str | None] = mapped_column(Text)
    trashed: Mapped[bool] = mapped_column(Boolean, default=False)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# Added by migration 0012: which sources brought each record.


class RecordSource(Base):
    """A source (a connector: files, hubspot, gmail, ...) that brought a record, with when
    it first and last did. `entity` names the table (company, contact, deal, message,
    meeting, task, note, document); rows go when their record does (triggers)."""

    __tablename__ = "record_sources"
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


# Added by migration 0013: what each agent did on each pass that gave it something to read.


class AgentRun(Base):
    """One agent's part in one pass (`trigger` "pass", the scheduler's, or "manual", an
    operator's `agents run`): the signals it was shown, the moves it proposed (new) and
    refreshed (updated), and its errors. Only the latest few hundred per agent are kept."""

    __tablename__ = "agent_runs"
    __table_args__ = (Index("ix_agent_runs_agent_id", "agent", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    signals: Mapped[int]
    proposed: Mapped[int]
    updated: Mapped[int]
    errors: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(Text)
