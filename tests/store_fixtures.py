"""A migrated workspace database for domain tests, with rows made the short way and a
statement counter (to prove a pass costs a bounded number of queries)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from daemon.domain import settings
from daemon.store.engine import make_engine, migrate, sessionmaker
from daemon.store.models import Company, Contact, Message, Thread

_TEMPLATE: list[Path] = []


async def migrated_template() -> Path:
    """An empty workspace database at the newest migration, made once per test process."""
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="caseyos-template-")) / "w.sqlite3"
        engine = make_engine(f"sqlite+aiosqlite:///{template}")
        await migrate(engine)
        await engine.dispose()
        _TEMPLATE.append(template)
    return _TEMPLATE[0]


async def _copy_migrated(path: Path) -> None:
    """Write a freshly migrated, empty workspace database to `path`."""
    source = sqlite3.connect(await migrated_template())
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


OPERATOR = {
    "name": "Casey Morgan",
    "emails": ["casey@northwind.example"],
    "internal_domains": ["northwind.example"],
    "timezone": "America/New_York",
}


@dataclass
class Store:
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    statements: list[str] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    _counting: bool = False

    @classmethod
    async def create(cls, path: Path) -> Store:
        """A fresh workspace at `path`: a copy of one migrated once per test process (the
        migrations themselves are tested in test_migrations.py; running all of them for
        each of hundreds of tests cost the suite most of a minute)."""
        await _copy_migrated(path)
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        store = cls(engine, sessionmaker(engine))
        event.listen(engine.sync_engine, "before_cursor_execute", store._seen)
        async with store.transaction() as s:
            await settings.put(s, "operator", OPERATOR)
        return store

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if self._counting:
            self.statements.append(statement)
            self.calls.append((statement, parameters))

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The statements run inside the block."""
        self.statements = []
        self.calls = []
        self._counting = True
        try:
            yield self.statements
        finally:
            self._counting = False

    async def plan(self, statement: str, parameters: Any) -> str:
        """SQLite's plan for a statement seen while counting, one line per step."""
        async with self.engine.connect() as conn:
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[3]) for row in rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.factory() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()


async def add_contact(s: AsyncSession, n: int, now: datetime, **extra: Any) -> Contact:
    company = Company(
        domain=f"company{n}.example",
        name=f"Company {n}",
        industry="fintech",
        size=200,
        tier="B",
        created_at=now,
        updated_at=now,
    )
    s.add(company)
    await s.flush()
    fields: dict[str, Any] = {"lifecycle_stage": "opportunity", "starred": False, **extra}
    contact = Contact(
        email=f"person{n}@company{n}.example",
        name=f"Person {n}",
        title="VP Finance",
        company_id=company.id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    s.add(contact)
    await s.flush()
    return contact


async def add_thread(
    s: AsyncSession,
    key: str,
    contact: Contact | None,
    mails: list[tuple[str, datetime]],
    *,
    internal: bool = False,
    labels: list[str] | None = None,
    draft_last: bool = False,
) -> Thread:
    """A thread of (direction, sent_at) messages; `labels` go on the last one."""
    thread = Thread(
        thread_key=key,
        subject=f"Subject {key}",
        is_internal=internal,
        last_message_at=max(at for _, at in mails),
    )
    s.add(thread)
    await s.flush()
    other = contact.email if contact else "robin@northwind.example"
    for i, (direction, at) in enumerate(mails):
        last = i == len(mails) - 1
        outbound = direction == "outbound"
        s.add(
            Message(
                thread_id=thread.id,
                message_id=f"<{key}-{i}@mail.example>",
                from_addr=OPERATOR["emails"][0] if outbound else other,
                to_addrs=[other] if outbound else OPERATOR["emails"],
                cc_addrs=[],
                subject=thread.subject,
                body=f"Message {i} of {key}",
                sent_at=at,
                direction=direction,
                labels=(labels or []) if last else [],
                is_draft=draft_last and last,
                contact_id=contact.id if contact else None,
            )
        )
    await s.flush()
    return thread


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
