"""Which thread each message joins: the ids messages name, followed transitively.

A message names ids: its own Message-ID, those in its References and In-Reply-To, and its
connector's first guess at a key (for mail without ids, one of subject and participants).
A message joins the thread of any stored message it names, or that names it; the ids named
but not stored (a parent that has not arrived, or never will) are kept in `thread_refs`
with the thread that named them. When the ids one message names lead to two threads, those
are one conversation and merge. So a conversation ends as one thread whatever order its
messages arrive in: within a chunk the ids are joined first (union-find), then one indexed
lookup each on messages and `thread_refs` finds the threads already holding them. Nothing
is rescanned: a chunk reads the rows for the ids it names, and a merge touches the absorbed
threads' rows only.

Gmail's own thread id (X-GM-THRID) decides when a message carries one: its references are
not followed, and two threads keyed by Gmail ids never merge (Gmail keeps them apart for a
reason, a new subject say). Mail without it can still join a Gmail thread by naming one
of its messages.

A merge keeps the oldest thread and moves the others' messages, signals, refs and moves to
it (see `queue.rethread`); its summary is worked out again (subject of the first message,
time of the last, internal only while every part was), and its signals go back to the
agents, so they judge the whole conversation: one move, not a reply for one half and a
follow-up for the other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import MessageRecord
from daemon.domain import queue
from daemon.domain.ingest.writer import Ingest, chunks, keep_later, later
from daemon.store.fold import folded_sql
from daemon.store.models import Message, Signal, Thread, ThreadRef

THREADS: Table = Thread.__table__  # type: ignore[assignment]
REFS: Table = ThreadRef.__table__  # type: ignore[assignment]
MESSAGES: Table = Message.__table__  # type: ignore[assignment]
SIGNALS: Table = Signal.__table__  # type: ignore[assignment]


def names(msg: MessageRecord) -> list[str]:
    """The ids a message is known by or points at; Gmail's thread id stands alone."""
    if msg.thread_from_source:
        return [msg.message_id]
    return list(dict.fromkeys([msg.message_id, *msg.references, msg.thread_key]))


def is_internal(job: Ingest, msg: MessageRecord) -> bool:
    return all(job.op.is_internal(a) for a in [msg.from_addr, *msg.to, *msg.cc])


class _Groups:
    """Union-find over ids and thread ids; a group holds at most one Gmail thread id."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}
        self.source: dict[Hashable, str] = {}

    def find(self, item: Hashable) -> Hashable:
        parent = self.parent
        root = parent.setdefault(item, item)
        while parent[root] != root:
            parent[root] = parent[parent[root]]
            root = parent[root]
        parent[item] = root
        return root

    def tag(self, item: Hashable, source: str) -> None:
        """Put `item` in the group of this Gmail thread id (unless it is in another's)."""
        token = ("source", source)
        self.source.setdefault(self.find(token), source)
        self.join(token, item)

    def join(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        sa, sb = self.source.get(ra), self.source.get(rb)
        if sa is not None and sb is not None and sa != sb:
            return  # Gmail's grouping stands against the headers
        self.parent[rb] = ra
        if sa is None and sb is not None:
            self.source[ra] = sb


@dataclass
class _Known:
    """A thread already stored that the chunk's ids lead to."""

    id: int
    key: str
    from_source: bool


@dataclass
class _Group:
    fresh: list[MessageRecord] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)
    target: int | None = None


@dataclass
class Placement:
    """Where a chunk's messages go: thread ids by Message-ID, and what changed."""

    stored: dict[str, int]  # the chunk's messages that were stored before: their row ids
    thread_of: dict[str, int]  # the thread of each message to write
    # Threads that existed and gained messages or absorbed others: summaries to redo.
    grown: dict[int, dict[str, Any]]

    @property
    def touched(self) -> set[int]:
        return set(self.thread_of.values()) | set(self.grown)


async def place(job: Ingest, s: AsyncSession, msgs: Sequence[MessageRecord]) -> Placement:
    """Find or create the thread of every message in `msgs`, merging threads they link.

    Messages stored before are not written again (`Placement.stored`), but the ids they
    name still link threads, so importing a mailbox again joins what an older version of
    this code kept apart.
    """
    groups = _Groups()
    known: dict[int, _Known] = {}
    wanted = {n for m in msgs for n in names(m)}

    # The ids that are stored messages, then the ids only named so far.
    stored_ids: dict[str, int] = {}
    rows: dict[str, int] = {}
    for part in chunks(sorted(wanted)):
        hits = await s.execute(
            select(Message.message_id, Message.id, Thread.id, Thread.thread_key, Thread.from_source)
            .join(Thread, Thread.id == Message.thread_id)
            .where(Message.message_id.in_(part))
        )
        for message_id, row_id, tid, key, from_source in hits:
            stored_ids[message_id] = tid
            rows[message_id] = row_id
            known.setdefault(tid, _Known(tid, key, from_source))
    named: dict[str, int] = {}
    for part in chunks(sorted(wanted - set(stored_ids))):
        refs_found = await s.execute(
            select(ThreadRef.ref, Thread.id, Thread.thread_key, Thread.from_source)
            .join(Thread, Thread.id == ThreadRef.thread_id)
            .where(ThreadRef.ref.in_(part))
        )
        for ref, tid, key, from_source in refs_found:
            named[ref] = tid
            known.setdefault(tid, _Known(tid, key, from_source))

    # Gmail's thread ids first: what they group, headers cannot pull apart. A thread keyed by
    # one is never merged away, so its id can be remembered for the whole import.
    sources = {m.thread_key for m in msgs if m.thread_from_source}
    for msg in msgs:
        if msg.thread_from_source:
            groups.tag(msg.message_id, msg.thread_key)
    unflagged: set[int] = set()  # keyed by a Gmail id but not marked so (never, in practice)
    for key in sources & job.source_threads.keys():
        tid = job.source_threads[key]
        known[tid] = _Known(tid, key, True)
    for tid, key, flag in await job._select_in(
        s,
        [Thread.id, Thread.thread_key, Thread.from_source],
        Thread.thread_key,
        sources - job.source_threads.keys(),
    ):
        known[tid] = _Known(tid, key, True)
        if not flag:
            unflagged.add(tid)
    by_key = {t.key: t.id for t in known.values() if t.from_source}
    for key, tid in by_key.items():
        groups.tag(tid, key)
    for ref, tid in [*stored_ids.items(), *named.items()]:
        groups.join(tid, ref)
    for msg in msgs:
        for name in names(msg):
            groups.join(msg.message_id, name)

    fresh = [m for m in msgs if m.message_id not in stored_ids]
    parts: dict[Hashable, _Group] = defaultdict(_Group)
    for msg in fresh:
        parts[groups.find(msg.message_id)].fresh.append(msg)
    for tid in known:
        parts[groups.find(tid)].threads.add(tid)

    new: dict[Hashable, dict[str, Any]] = {}
    renamed: list[dict[str, Any]] = []
    merged: dict[int, int] = {}
    grown: dict[int, dict[str, Any]] = {}
    for root, group in parts.items():
        source = groups.source.get(root)
        if source is not None and source in by_key:
            group.target = by_key[source]
            if group.target in unflagged:
                renamed.append({"b_id": group.target, "b_key": source})
        elif group.threads:
            group.target = min(group.threads)
            if source is not None:
                # Mail that reached us without Gmail's id first: the thread takes Gmail's key.
                renamed.append({"b_id": group.target, "b_key": source})
        elif group.fresh:
            first = min(group.fresh, key=lambda m: m.sent_at)
            new[root] = {
                "thread_key": source or first.thread_key,
                "from_source": source is not None,
                "subject": first.subject or "(no subject)",
                "is_internal": all(is_internal(job, m) for m in group.fresh),
                "last_message_at": max(m.sent_at for m in group.fresh),
            }
            continue
        else:
            continue
        for tid in group.threads - {group.target}:
            merged[tid] = group.target
        if group.fresh or len(group.threads) > 1:
            grown[group.target] = {
                "b_id": group.target,
                "b_internal": all(is_internal(job, m) for m in group.fresh),
                "b_last": max((m.sent_at for m in group.fresh), default=None),
            }
        if source is not None:
            job.source_threads[source] = group.target

    if new:
        inserted = await s.execute(
            insert(THREADS).returning(THREADS.c.id, THREADS.c.thread_key), list(new.values())
        )
        ids = {key: tid for tid, key in inserted.all()}
        for root, row in new.items():
            parts[root].target = ids[row["thread_key"]]
            if row["from_source"]:
                job.source_threads[row["thread_key"]] = ids[row["thread_key"]]
    if renamed:
        await s.execute(
            update(THREADS)
            .where(THREADS.c.id == bindparam("b_id"))
            .values(thread_key=bindparam("b_key"), from_source=True),
            renamed,
        )
    if merged:
        await _merge(s, merged, grown)

    thread_of = {}
    for msg in fresh:
        target = parts[groups.find(msg.message_id)].target
        assert target is not None
        thread_of[msg.message_id] = target
    for msg in msgs:
        target = parts[groups.find(msg.message_id)].target
        if target is not None:
            job.thread_ids[msg.thread_key] = target
    if merged:
        for key, tid in job.thread_ids.items():
            if tid in merged:
                job.thread_ids[key] = merged[tid]

    # Ids only named so far: a message's own id is found among the messages.
    own = {m.message_id for m in msgs}
    refs = []
    for name in sorted(wanted - own - stored_ids.keys() - named.keys()):
        target = parts[groups.find(name)].target
        if target is not None:
            refs.append({"ref": name, "thread_id": target})
    if refs:
        await s.execute(insert(REFS), refs)
    return Placement({m: rows[m] for m in own if m in rows}, thread_of, grown)


async def _merge(s: AsyncSession, merged: dict[int, int], grown: dict[int, dict[str, Any]]) -> None:
    """Fold each absorbed thread into its target: rows that point at it, and its summary."""
    absorbed = sorted(merged)
    for part in chunks(absorbed):
        rows = await s.execute(
            select(Thread.id, Thread.is_internal, Thread.last_message_at).where(Thread.id.in_(part))
        )
        for tid, internal, last in rows:
            entry = grown[merged[tid]]
            entry["b_internal"] = entry["b_internal"] and internal
            entry["b_last"] = later(entry["b_last"], last)
    moves = [{"b_from": a, "b_to": merged[a]} for a in absorbed]
    for table in (MESSAGES, SIGNALS, REFS):
        await s.execute(
            update(table)
            .where(table.c.thread_id == bindparam("b_from"))
            .values(thread_id=bindparam("b_to")),
            moves,
        )
    await queue.rethread(s, merged)
    for part in chunks(absorbed):
        await s.execute(delete(THREADS).where(THREADS.c.id.in_(part)))
    # The agents judge each conversation again as a whole (resolutions only ever close
    # moves older than the signal at hand, and proposals are deduplicated by key).
    targets = sorted(set(merged.values()))
    for part in chunks(targets):
        await s.execute(
            update(SIGNALS).where(SIGNALS.c.thread_id.in_(part)).values(processed_at=None)
        )


async def summarize(s: AsyncSession, grown: dict[int, dict[str, Any]]) -> None:
    """Bring the summaries of threads that grew up to date, once their messages are stored.

    The subject is the first message's: mail can arrive before the message it answers.
    """
    if not grown:
        return
    first = (
        select(func.coalesce(func.nullif(MESSAGES.c.subject, ""), "(no subject)"))
        .where(MESSAGES.c.thread_id == THREADS.c.id)
        .order_by(MESSAGES.c.sent_at, MESSAGES.c.id)
        .limit(1)
        .scalar_subquery()
    )
    await s.execute(
        update(THREADS)
        .where(THREADS.c.id == bindparam("b_id"))
        .values(
            # A thread stays internal only while every message in it is.
            is_internal=THREADS.c.is_internal & bindparam("b_internal", type_=Boolean),
            last_message_at=keep_later(THREADS.c.last_message_at, "b_last"),
            subject=first,
            subject_key=folded_sql(s.get_bind().dialect.name, first),
        ),
        list(grown.values()),
    )
