"""The set-based record writer: companies, contacts, external ids and signals, a chunk at a time.

A chunk is written with a handful of queries whatever its size: look up every key it names
with one `IN` query per kind, insert what is new with one executemany, update the rest.
`Ingest` lives as long as one import or sync and remembers the ids it has seen (ids never
change), so later chunks skip those lookups; keys it has not seen are looked up again in
each chunk, inside that chunk's write transaction, so a record another writer created in
between is found rather than inserted twice.

Records are merged by natural key (company domain, contact email, deal external id per
connector), so the same person known to two connectors is one contact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import CompanyRecord, ContactRecord, OperatorIdentity, SignalRecord
from daemon.store.fold import fold
from daemon.store.models import (
    Company,
    Contact,
    ExternalId,
    Meeting,
    RecordSource,
    Signal,
    Thread,
)

TASK_CLOSED = frozenset({"COMPLETED", "DEFERRED"})
FREE_MAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "fastmail.com",
    ]
)
# SQLite allows 32k bound parameters per statement; stay far below for any backend.
IN_CHUNK = 500
# The system whose record ids deals, tasks and notes carry, by connector: a HubSpot export
# imported as a file and the HubSpot API name the same records by the same ids, so a deal
# imported from a CSV and later synced live is one deal.
ID_SYSTEM = {"files": "hubspot"}

COMPANIES: Table = Company.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
EXTERNAL_IDS: Table = ExternalId.__table__  # type: ignore[assignment]
SIGNALS: Table = Signal.__table__  # type: ignore[assignment]
RECORD_SOURCES: Table = RecordSource.__table__  # type: ignore[assignment]


@dataclass
class IngestReport:
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, int]:
        return dict(self.counts)

    def add(self, other: IngestReport) -> None:
        self.counts.update(other.counts)


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def is_automated(labels: Sequence[str]) -> bool:
    return "automated" in labels


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def keep_later(column: Any, param: str) -> Any:
    """SQL for "the later of the stored time and the new one" (imports arrive in any order)."""
    value = bindparam(param, type_=column.type)
    return case(
        (value.is_(None), column),
        (column.is_(None), value),
        (column < value, value),
        else_=column,
    )


@dataclass
class ContactRef:
    id: int
    company_id: int | None
    has_name: bool


class Ingest:
    """Writes `SyncBatch` chunks of one import or sync; each `chunk` call is one transaction."""

    def __init__(self, operator: OperatorIdentity, now: datetime, source: str):
        self.op = operator
        self.now = now
        self.source = source
        # Whose ids deals, tasks and notes are known by (ID_SYSTEM).
        self.id_system = ID_SYSTEM.get(source, source)
        self.report = IngestReport()
        self.company_ids: dict[str, int] = {}
        self.contacts: dict[str, ContactRef] = {}
        self.thread_ids: dict[str, int] = {}
        # Threads keyed by Gmail's own id (never merged away): id by key.
        self.source_threads: dict[str, int] = {}
        self._kept_domains: dict[str, str | None] = {}
        # What this job last wrote to each company (name, industry, size, tier).
        self._company_written: dict[str, tuple[Any, ...]] = {}
        # Signals that need what the store held before this write (a stage that changed).
        self.derived: list[SignalRecord] = []
        # The records this chunk brought, by entity: this source is one of theirs.
        self.seen: dict[str, set[int]] = {}
        # Kinds of record the workspace holds stand-ins of (`same`): once seen, always.
        self.stand_ins: set[str] = set()

    # -- sources --------------------------------------------------------------------------

    def saw(self, entity: str, ids: Iterable[int]) -> None:
        """Note records this chunk brought (their sources are written at its end)."""
        self.seen.setdefault(entity, set()).update(ids)

    async def record_sources(self, s: AsyncSession) -> None:
        """This source is one of every record the chunk brought: one upsert for the chunk,
        first seen when new, last seen now."""
        rows = [
            {
                "entity": entity,
                "entity_id": entity_id,
                "source": self.source,
                "first_seen_at": self.now,
                "last_seen_at": self.now,
            }
            for entity, ids in sorted(self.seen.items())
            for entity_id in sorted(ids)
        ]
        self.seen = {}
        if not rows:
            return
        stmt = upsert_into(s, RECORD_SOURCES)
        await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["entity", "entity_id", "source"],
                set_={"last_seen_at": stmt.excluded.last_seen_at},
            ),
            rows,
        )

    def evict(self, entity: str, ids: Iterable[int]) -> None:
        """Forget remembered ids of rows deleted in this job (contacts, companies)."""
        gone = set(ids)
        if entity == "contact":
            self.contacts = {e: r for e, r in self.contacts.items() if r.id not in gone}
        elif entity == "company":
            domains = {d for d, i in self.company_ids.items() if i in gone}
            self.company_ids = {d: i for d, i in self.company_ids.items() if d not in domains}
            for domain in domains:
                self._company_written.pop(domain, None)

    # -- lookups --------------------------------------------------------------------------

    async def _select_in(
        self, s: AsyncSession, columns: Sequence[Any], key: Any, values: Iterable[Any]
    ) -> list[Any]:
        wanted = sorted(set(values))
        rows: list[Any] = []
        for part in chunks(wanted):
            rows.extend((await s.execute(select(*columns).where(key.in_(part)))).all())
        return rows

    async def linked_ids(
        self,
        s: AsyncSession,
        entity: str,
        external_ids: Iterable[str | None],
        connector: str | None = None,
    ) -> dict[str, int]:
        """Our ids for records known by external id to a system (this job's by default)."""
        wanted = {e for e in external_ids if e}
        found: dict[str, int] = {}
        for part in chunks(sorted(wanted)):
            rows = await s.execute(
                select(ExternalId.external_id, ExternalId.entity_id).where(
                    ExternalId.connector == (connector or self.id_system),
                    ExternalId.entity == entity,
                    ExternalId.external_id.in_(part),
                )
            )
            found.update({ext: eid for ext, eid in rows.all()})
        return found

    async def link(self, s: AsyncSession, entity: str, pairs: dict[int, dict[str, str]]) -> None:
        """Record external ids (connector -> id) for our rows, in one upsert.

        An external id that already names another row (one deleted here, or a record that
        moved to another email or domain at the vendor) names this one from now on.
        """
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for entity_id, ext in pairs.items():
            for connector, value in ext.items():
                rows[(connector, value)] = {
                    "entity": entity,
                    "entity_id": entity_id,
                    "connector": connector,
                    "external_id": value,
                }
        if not rows:
            return
        stmt = upsert_into(s, EXTERNAL_IDS)
        await s.execute(
            stmt.on_conflict_do_update(
                index_elements=["connector", "entity", "external_id"],
                set_={"entity_id": stmt.excluded.entity_id},
            ),
            list(rows.values()),
        )

    # -- companies ------------------------------------------------------------------------

    def company_domain(self, domain: str | None) -> str | None:
        """The domain a company is kept under, or None for free mail and our own domains."""
        if not domain:
            return None
        try:
            return self._kept_domains[domain]
        except KeyError:
            pass
        kept: str | None = domain.lower()
        if kept in FREE_MAIL or self.op.is_internal(f"x@{kept}"):
            kept = None
        self._kept_domains[domain] = kept
        return kept

    async def companies(
        self,
        s: AsyncSession,
        records: Sequence[CompanyRecord] = (),
        implied: dict[str, str | None] | None = None,
    ) -> None:
        """Upsert explicit company records, and make sure every implied domain has a company.

        `implied` maps a domain to a name a record gave for it (which then renames it) or
        None (a company guessed from a mail domain keeps whatever name it has).
        """
        explicit: dict[str, CompanyRecord] = {}
        for rec in records:
            explicit[rec.domain.lower()] = rec
        named: dict[str, str] = {}
        for domain, name in (implied or {}).items():
            if self.company_domain(domain) is None:
                continue
            if name:
                named[domain] = name
        domains = set(explicit) | {d for d in (implied or {}) if self.company_domain(d)}
        if not domains:
            return
        unknown = [d for d in domains if d not in self.company_ids]
        for cid, domain in await self._select_in(
            s, [Company.id, Company.domain], Company.domain, unknown
        ):
            self.company_ids[domain] = cid
        new = []
        for domain in sorted(domains):
            if domain in self.company_ids:
                continue
            given = explicit.get(domain)
            name = (given.name if given else None) or named.get(domain) or _guess_name(domain)
            new.append(
                {
                    "domain": domain,
                    "name": name,
                    "industry": given.industry if given else None,
                    "size": given.size if given else None,
                    "tier": given.tier if given else None,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        if new:
            inserted = await s.execute(
                insert(COMPANIES).returning(COMPANIES.c.id, COMPANIES.c.domain), new
            )
            for cid, domain in inserted.all():
                self.company_ids[domain] = cid
            self.report.counts["companies"] += len(new)
        created = {n["domain"] for n in new}
        for row in new:
            self._company_written[str(row["domain"])] = (
                row["name"],
                row["industry"],
                row["size"],
                row["tier"],
            )
        updates = []
        for domain in sorted(domains - created):
            given = explicit.get(domain)
            name = (given.name if given else None) or named.get(domain)
            if given is None and name is None:
                continue
            fields = (
                name,
                given.industry if given else None,
                given.size if given else None,
                given.tier if given else None,
            )
            # A company that every row of a contacts export names again is written once.
            written = self._company_written.get(domain)
            if written is not None and all(
                v is None or v == w for v, w in zip(fields, written, strict=True)
            ):
                continue
            self._company_written[domain] = tuple(
                w if v is None else v for v, w in zip(fields, written or fields, strict=True)
            )
            updates.append(
                {
                    "b_id": self.company_ids[domain],
                    "b_name": fields[0],
                    "b_name_key": fold(fields[0]),
                    "b_industry": fields[1],
                    "b_size": fields[2],
                    "b_tier": fields[3],
                    "b_now": self.now,
                }
            )
        if updates:
            await _update_where_given(
                s, COMPANIES, ("name", "name_key", "industry", "size", "tier"), updates
            )
        self.saw("company", (self.company_ids[d] for d in domains))
        links = {self.company_ids[d]: r.external_ids for d, r in explicit.items() if r.external_ids}
        await self.link(s, "company", links)

    # -- contacts -------------------------------------------------------------------------

    async def contacts_upsert(self, s: AsyncSession, records: Sequence[ContactRecord]) -> None:
        """Upsert contacts; a later record's non-empty fields win, empty ones change nothing."""
        merged: dict[str, ContactRecord] = {}
        company_names: dict[str, str | None] = {}
        for rec in records:
            email = rec.email.lower()
            prev = merged.get(email)
            merged[email] = rec if prev is None else _merge_contact(prev, rec)
            domain = (rec.company_domain or domain_of(email)).lower()
            if self.company_domain(domain):
                company_names[domain] = rec.company_name or company_names.get(domain)
        if not merged:
            return
        await self.companies(s, implied=company_names)
        await self._load_contacts(s, merged)
        new = []
        updates = []
        for email, rec in merged.items():
            kept = self.company_domain(rec.company_domain or domain_of(email))
            company_id = self.company_ids.get(kept) if kept else None
            ref = self.contacts.get(email)
            if ref is None:
                new.append(
                    {
                        "email": email,
                        "name": rec.name or None,
                        "title": rec.title or None,
                        "phone": rec.phone or None,
                        "lifecycle_stage": rec.lifecycle_stage or None,
                        "owner": rec.owner or None,
                        "company_id": company_id,
                        "starred": False,
                        "created_at": rec.created_at or self.now,
                        "updated_at": rec.modified_at or self.now,
                    }
                )
            else:
                updates.append(
                    {
                        "b_id": ref.id,
                        "b_name": rec.name or None,
                        "b_name_key": fold(rec.name) if rec.name else None,
                        "b_title": rec.title or None,
                        "b_phone": rec.phone or None,
                        "b_lifecycle_stage": rec.lifecycle_stage or None,
                        "b_owner": rec.owner or None,
                        "b_company_id": company_id,
                        "b_now": rec.modified_at or self.now,
                    }
                )
                if company_id is not None:
                    ref.company_id = company_id
                ref.has_name = ref.has_name or bool(rec.name)
        if new:
            inserted = await s.execute(
                insert(CONTACTS).returning(
                    CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.company_id, CONTACTS.c.name
                ),
                new,
            )
            for cid, email, company_id, name in inserted.all():
                self.contacts[email] = ContactRef(cid, company_id, bool(name))
            self.report.counts["contacts"] += len(new)
        if updates:
            await _update_where_given(
                s,
                CONTACTS,
                ("name", "name_key", "title", "phone", "lifecycle_stage", "owner", "company_id"),
                updates,
            )
        self.saw("contact", (self.contacts[e].id for e in merged))
        links = {self.contacts[e].id: r.external_ids for e, r in merged.items() if r.external_ids}
        await self.link(s, "contact", links)

    async def _load_contacts(self, s: AsyncSession, emails: Iterable[str]) -> None:
        unknown = [e for e in emails if e not in self.contacts]
        rows = await self._select_in(
            s,
            [Contact.id, Contact.email, Contact.company_id, Contact.name],
            Contact.email,
            unknown,
        )
        for cid, email, company_id, name in rows:
            self.contacts[email] = ContactRef(cid, company_id, bool(name))

    async def correspondents(self, s: AsyncSession, people: dict[str, str | None]) -> None:
        """Contacts for external addresses seen in mail or on a calendar.

        A known contact only gains a name when it has none; an unknown one is created.
        """
        external = {e.lower(): n for e, n in people.items() if e and not self.op.is_internal(e)}
        if not external:
            return
        await self._load_contacts(s, external)
        new = [
            ContactRecord(email=e, name=n) for e, n in external.items() if e not in self.contacts
        ]
        await self.contacts_upsert(s, new)
        self.saw("contact", (self.contacts[e].id for e in external))
        named = [
            {"b_id": self.contacts[e].id, "b_name": n, "b_name_key": fold(n), "b_now": self.now}
            for e, n in external.items()
            if n and not self.contacts[e].has_name
        ]
        if named:
            await _update_where_given(s, CONTACTS, ("name", "name_key"), named)
            for e, n in external.items():
                if n:
                    self.contacts[e].has_name = True

    async def touch_contacts(
        self, s: AsyncSession, column: str, times: dict[int, datetime]
    ) -> None:
        """Move contacts' last inbound/outbound/meeting times forward, never back."""
        if not times:
            return
        col = CONTACTS.c[column]
        await s.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id == bindparam("b_id"))
            .values({column: keep_later(col, "b_at")}),
            [{"b_id": cid, "b_at": at} for cid, at in times.items()],
        )

    # -- threads and meetings -------------------------------------------------------------

    async def load_threads(self, s: AsyncSession, keys: Iterable[str | None]) -> None:
        unknown = [k for k in keys if k and k not in self.thread_ids]
        for tid, key in await self._select_in(
            s, [Thread.id, Thread.thread_key], Thread.thread_key, unknown
        ):
            self.thread_ids[key] = tid

    async def meeting_ids(self, s: AsyncSession, uids: Iterable[str | None]) -> dict[str, int]:
        rows = await self._select_in(
            s, [Meeting.uid, Meeting.id], Meeting.uid, [u for u in uids if u]
        )
        return {uid: mid for uid, mid in rows}

    # -- signals --------------------------------------------------------------------------

    async def signals(
        self,
        s: AsyncSession,
        records: Sequence[SignalRecord],
        refs: dict[str, dict[str, int | None]] | None = None,
    ) -> int:
        """Insert the signals not seen before (by dedup key), linked to what they concern.

        `refs` gives ids already known for a signal (by dedup key), e.g. for derived ones.
        """
        fresh: dict[str, SignalRecord] = {}
        for rec in records:
            fresh.setdefault(rec.dedup_key, rec)
        if not fresh:
            return 0
        for (key,) in await self._select_in(s, [Signal.dedup_key], Signal.dedup_key, list(fresh)):
            fresh.pop(key, None)
        if not fresh:
            return 0
        recs = sorted(fresh.values(), key=lambda r: r.occurred_at)
        await self._load_contacts(s, {r.contact_email.lower() for r in recs if r.contact_email})
        await self.load_threads(s, {r.thread_key for r in recs})
        meetings = await self.meeting_ids(s, {r.meeting_uid for r in recs})
        deals = await self.linked_ids(s, "deal", {r.deal_external_id for r in recs})
        unknown_domains = [
            r.company_domain
            for r in recs
            if r.company_domain and r.company_domain not in self.company_ids
        ]
        for cid, domain in await self._select_in(
            s, [Company.id, Company.domain], Company.domain, unknown_domains
        ):
            self.company_ids[domain] = cid
        rows = []
        for rec in recs:
            contact = self.contacts.get(rec.contact_email.lower()) if rec.contact_email else None
            company_id = contact.company_id if contact else None
            if rec.company_domain and rec.company_domain in self.company_ids:
                company_id = self.company_ids[rec.company_domain]
            row = {
                "kind": rec.kind,
                "source": self.source,
                "occurred_at": rec.occurred_at,
                "dedup_key": rec.dedup_key,
                "payload": rec.payload,
                "contact_id": contact.id if contact else None,
                "company_id": company_id,
                "deal_id": deals.get(rec.deal_external_id or ""),
                "thread_id": self.thread_ids.get(rec.thread_key or ""),
                "meeting_id": meetings.get(rec.meeting_uid or ""),
                "created_at": self.now,
                "processed_at": None,
            }
            row.update((refs or {}).get(rec.dedup_key, {}))
            rows.append(row)
        await s.execute(insert(SIGNALS), rows)
        self.report.counts["signals"] += len(rows)
        return len(rows)


def upsert_into(s: AsyncSession, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT, in the session's SQL dialect."""
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite_insert(table)
    if dialect == "postgresql":
        return postgresql_insert(table)
    raise NotImplementedError(f"no upsert for the {dialect} dialect")


def _guess_name(domain: str) -> str:
    return domain.split(".")[0].replace("-", " ").title()


def _merge_contact(prev: ContactRecord, rec: ContactRecord) -> ContactRecord:
    """Two records for one address in a chunk: the later one's non-empty fields win."""
    values: dict[str, Any] = {}
    for name in ContactRecord.__dataclass_fields__:
        new = getattr(rec, name)
        values[name] = new if new else getattr(prev, name)
    values["external_ids"] = {**prev.external_ids, **rec.external_ids}
    return ContactRecord(**values)


async def _update_where_given(
    s: AsyncSession, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """executemany UPDATE by id, where a None value leaves the column as it is."""
    values: dict[str, Any] = {}
    for col in columns:
        given = bindparam(f"b_{col}", type_=table.c[col].type)
        values[col] = case((given.is_(None), table.c[col]), else_=given)
    if "updated_at" in table.c:
        values["updated_at"] = bindparam("b_now", type_=table.c.updated_at.type)
    for row in rows:
        for col in columns:
            row.setdefault(f"b_{col}", None)
        row.setdefault("b_now", None)
    await s.execute(update(table).where(table.c.id == bindparam("b_id")).values(values), rows)
