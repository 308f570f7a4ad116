"""One email or meeting from two sources: HubSpot's logged ones are Gmail's and Calendar's.

HubSpot gives no Message-ID for a logged email and no iCalUID for a logged meeting, so its
records carry stand-in ids ("hubspot-email-<id>@hubspot.generated", "hubspot-meeting-<id>")
and their HubSpot id in `external_ids`. The rule that says they are a stored record:

* a logged email is the stored message with the same sender address, the same subject
  (whitespace runs as one space, case ignored) and a sent time at most `WINDOW` apart
  (the nearest, if several);
* a logged meeting is the stored meeting with the same start time and the same title
  (normalised the same way).

Either may come first. A HubSpot record that matches a stored Gmail/Calendar one joins it:
no new row, its HubSpot id is linked to the row (later syncs find it by that), its source
recorded, and its signals take the row's keys, so they are the ones already there. A Gmail
message or Calendar event that matches a stored stand-in takes the row over: its real id
replaces the stand-in (the row id, thread, moves and signals stay), the stored signals'
keys follow the new id, so the arriving ones are the same signals, and its fields win.

Set-based: one indexed lookup per chunk for candidates (messages by sender and time range,
meetings by start time), matched here in Python; a chunk of real mail only looks when the
workspace holds any HubSpot email at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import MeetingRecord, MessageRecord, SignalRecord
from daemon.domain.ingest import threads
from daemon.domain.ingest.writer import Ingest, chunks
from daemon.store.models import ExternalId, Meeting, Message, Signal, Thread

WINDOW = timedelta(minutes=2)
# The systems whose records carry stand-in ids (and which keep them in `external_ids`).
STAND_IN_SYSTEMS = ("hubspot",)
MAIL_KINDS = ("email.received", "email.sent", "email.replied")
MEETING_KINDS = ("meeting.booked", "meeting.upcoming", "meeting.ended")

MESSAGES: Table = Message.__table__  # type: ignore[assignment]
MEETINGS: Table = Meeting.__table__  # type: ignore[assignment]
THREADS: Table = Thread.__table__  # type: ignore[assignment]
SIGNALS: Table = Signal.__table__  # type: ignore[assignment]


def title_key(text: str | None) -> str:
    """A subject or title as the rule compares it: whitespace runs as one space, no case."""
    return " ".join((text or "").split()).casefold()


def is_stand_in(key: str) -> bool:
    """A Message-ID or meeting uid a connector made up (see the module docstring)."""
    return key.endswith("@hubspot.generated") or key.startswith("hubspot-meeting-")


@dataclass
class Joined:
    """What a chunk's HubSpot records joined: row ids to link, with their external ids."""

    messages: dict[int, dict[str, str]] = field(default_factory=dict)
    meetings: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass
class _Row:
    id: int
    key: str  # message_id or uid
    who: str  # sender (messages)
    title: str
    at: datetime
    thread_id: int | None = None


def _nearest(rows: Sequence[_Row], at: datetime, window: timedelta) -> _Row | None:
    best: _Row | None = None
    for row in rows:
        gap = abs(row.at - at)
        if gap <= window and (best is None or gap < abs(best.at - at)):
            best = row
    return best


async def _any_stand_ins(job: Ingest, s: AsyncSession, entity: str) -> bool:
    """Whether the workspace holds any stand-in record of this kind (an indexed probe)."""
    if entity in job.stand_ins:
        return True
    found = await s.scalar(
        select(ExternalId.id)
        .where(ExternalId.connector.in_(STAND_IN_SYSTEMS), ExternalId.entity == entity)
        .limit(1)
    )
    if found is not None:
        job.stand_ins.add(entity)
    return found is not None


def _rekey(
    signals: list[SignalRecord], kinds: Sequence[str], old: str, new: str, **extra: Any
) -> None:
    """Give the signals about `old` the keys they have about `new` (in place)."""
    keys = {f"{k}:{old}": f"{k}:{new}" for k in kinds}
    for i, sig in enumerate(signals):
        if sig.dedup_key in keys:
            payload = dict(sig.payload)
            if "message_id" in payload:
                payload["message_id"] = new
            signals[i] = dataclasses.replace(
                sig, dedup_key=keys[sig.dedup_key], payload=payload, **extra
            )


async def _rekey_stored(
    s: AsyncSession, kinds: Sequence[str], renamed: dict[str, str], uid: bool
) -> None:
    """Stored signals keyed by a stand-in id take the real id's keys."""
    keys = {f"{k}:{old}": (k, new) for old, new in renamed.items() for k in kinds}
    found: list[Any] = []
    for part in chunks(sorted(keys)):
        found += (
            await s.execute(
                select(Signal.id, Signal.dedup_key, Signal.payload).where(
                    Signal.dedup_key.in_(part)
                )
            )
        ).all()
    rows = []
    for sid, key, payload in found:
        kind, new = keys[key]
        payload = dict(payload or {})
        if not uid and "message_id" in payload:
            payload["message_id"] = new
        rows.append({"b_id": sid, "b_key": f"{kind}:{new}", "b_payload": payload})
    if rows:
        await s.execute(
            update(SIGNALS)
            .where(SIGNALS.c.id == bindparam("b_id"))
            .values(
                dedup_key=bindparam("b_key"),
                payload=bindparam("b_payload", type_=SIGNALS.c.payload.type),
            ),
            rows,
        )


async def messages(
    job: Ingest,
    s: AsyncSession,
    batch: Sequence[MessageRecord],
    signals: list[SignalRecord],
    joined: Joined,
) -> list[MessageRecord]:
    """The chunk's messages to write, once each is matched to the row it is (if stored).

    `signals` is rewritten in place for records that joined a stored message; `joined`
    gains the rows HubSpot records joined.
    """
    stand = [m for m in batch if m.external_ids and is_stand_in(m.message_id)]
    real = [m for m in batch if not is_stand_in(m.message_id)]
    if not stand and not (real and await _any_stand_ins(job, s, "message")):
        return list(batch)

    # HubSpot emails synced before: the row their id is linked to.
    by_ext, linked = await _linked(job, s, "message", stand)
    rows: dict[int, _Row] = {}
    for part in chunks(sorted(set(linked.values()))):
        for rid, mid, who, subject, at, tid in await s.execute(
            select(
                Message.id,
                Message.message_id,
                Message.from_addr,
                Message.subject,
                Message.sent_at,
                Message.thread_id,
            ).where(Message.id.in_(part))
        ):
            rows[rid] = _Row(rid, mid, who, subject or "", at, tid)

    # The rest: candidates by sender and time, one lookup.
    unlinked = [m for k, m in by_ext.items() if k not in linked]
    looking = [*unlinked, *real]
    candidates: dict[tuple[str, str], list[_Row]] = {}
    if looking:
        lo = min(m.sent_at for m in looking) - WINDOW
        hi = max(m.sent_at for m in looking) + WINDOW
        senders = sorted({m.from_addr.lower() for m in looking})
        for part in chunks(senders):
            hits = await s.execute(
                select(
                    Message.id,
                    Message.message_id,
                    Message.from_addr,
                    Message.subject,
                    Message.sent_at,
                    Message.thread_id,
                ).where(Message.from_addr.in_(part), Message.sent_at.between(lo, hi))
            )
            for rid, mid, who, subject, at, tid in hits:
                seen = rows.setdefault(rid, _Row(rid, mid, who, subject or "", at, tid))
                candidates.setdefault((who, title_key(subject)), []).append(seen)

    def match(m: MessageRecord, want_stand_in: bool) -> _Row | None:
        pool = candidates.get((m.from_addr.lower(), title_key(m.subject)), [])
        if any(r.key == m.message_id for r in pool):
            return None  # stored under its own id
        pool = [r for r in pool if is_stand_in(r.key) == want_stand_in and r.id not in taken]
        return _nearest(pool, m.sent_at, WINDOW)

    taken: set[int] = set()
    # A stand-in that names no external id cannot be matched: written as it is.
    out = [m for m in batch if is_stand_in(m.message_id) and not m.external_ids]
    thread_keys: dict[int, str] = {}
    joins: list[tuple[MessageRecord, _Row]] = []
    takeovers: list[tuple[MessageRecord, _Row]] = []
    for key, m in by_ext.items():
        row = rows.get(linked[key]) if key in linked else match(m, want_stand_in=False)
        if row is None or row.key == m.message_id:
            out.append(m)
            if row is not None:
                joined.messages[row.id] = dict(m.external_ids)
            continue
        taken.add(row.id)
        joins.append((m, row))
    for m in real:
        row = match(m, want_stand_in=True)
        if row is not None:
            taken.add(row.id)
            takeovers.append((m, row))
        out.append(m)

    if joins:
        tids = sorted({r.thread_id for _, r in joins if r.thread_id is not None})
        for part in chunks(tids):
            for tid, thread_key in await s.execute(
                select(Thread.id, Thread.thread_key).where(Thread.id.in_(part))
            ):
                thread_keys[tid] = thread_key
    for m, hit in joins:
        # The HubSpot record is the stored message: its signals are the stored ones.
        joined.messages[hit.id] = dict(m.external_ids)
        tkey: str | None = thread_keys.get(hit.thread_id or 0)
        if tkey is not None:
            job.thread_ids[tkey] = hit.thread_id or 0
        _rekey(signals, MAIL_KINDS, m.message_id, hit.key, thread_key=tkey or m.thread_key)
    if takeovers:
        await _take_over_messages(job, s, takeovers, signals)
    return out


async def _take_over_messages(
    job: Ingest,
    s: AsyncSession,
    pairs: list[tuple[MessageRecord, _Row]],
    signals: list[SignalRecord],
) -> None:
    """Real mail replaces stand-ins: the row keeps its id, thread, moves and signals."""
    await s.execute(
        update(MESSAGES)
        .where(MESSAGES.c.id == bindparam("b_id"))
        .values(
            message_id=bindparam("b_mid"),
            from_name=bindparam("b_from_name"),
            to_addrs=bindparam("b_to", type_=MESSAGES.c.to_addrs.type),
            cc_addrs=bindparam("b_cc", type_=MESSAGES.c.cc_addrs.type),
            subject=bindparam("b_subject"),
            body=bindparam("b_body"),
            sent_at=bindparam("b_sent", type_=MESSAGES.c.sent_at.type),
            labels=bindparam("b_labels", type_=MESSAGES.c.labels.type),
        ),
        [
            {
                "b_id": row.id,
                "b_mid": m.message_id,
                "b_from_name": m.from_name,
                "b_to": [a.lower() for a in m.to],
                "b_cc": [a.lower() for a in m.cc],
                "b_subject": m.subject,
                "b_body": m.body,
                "b_sent": m.sent_at,
                "b_labels": list(m.labels),
            }
            for m, row in pairs
        ],
    )
    # A thread HubSpot keyed gives way to Gmail's own thread id (threads.place renames it).
    gives_way = sorted(
        {row.thread_id for m, row in pairs if m.thread_from_source and row.thread_id}
    )
    for part in chunks(gives_way):
        await s.execute(
            update(THREADS)
            .where(THREADS.c.id.in_(part), THREADS.c.thread_key.like("hubspot-thread-%"))
            .values(from_source=False)
        )
    await _rekey_stored(s, MAIL_KINDS, {row.key: m.message_id for m, row in pairs}, uid=False)
    # The subject may read differently now (first message, Gmail's words).
    changed = {row.thread_id for _, row in pairs if row.thread_id is not None}
    await threads.summarize(
        s, {tid: {"b_id": tid, "b_internal": True, "b_last": None} for tid in sorted(changed)}
    )


async def meetings(
    job: Ingest,
    s: AsyncSession,
    batch: Sequence[MeetingRecord],
    signals: list[SignalRecord],
    joined: Joined,
) -> list[MeetingRecord]:
    """The chunk's meetings to write, each matched to the row it is (as for messages)."""
    stand = [m for m in batch if m.external_ids and is_stand_in(m.uid)]
    real = [m for m in batch if not is_stand_in(m.uid)]
    if not stand and not (real and await _any_stand_ins(job, s, "meeting")):
        return list(batch)

    by_ext, linked = await _linked(job, s, "meeting", stand)
    rows: dict[int, _Row] = {}
    unlinked = [m for k, m in by_ext.items() if k not in linked]
    starts = sorted({m.start_at for m in [*unlinked, *real]})
    candidates: dict[tuple[datetime, str], list[_Row]] = {}
    for part in chunks(starts):
        for rid, uid, title, at in await s.execute(
            select(Meeting.id, Meeting.uid, Meeting.title, Meeting.start_at).where(
                Meeting.start_at.in_(part)
            )
        ):
            rows[rid] = _Row(rid, uid, "", title or "", at)
            candidates.setdefault((at, title_key(title)), []).append(rows[rid])
    for part in chunks(sorted(set(linked.values()) - set(rows))):
        for rid, uid, title, at in await s.execute(
            select(Meeting.id, Meeting.uid, Meeting.title, Meeting.start_at).where(
                Meeting.id.in_(part)
            )
        ):
            rows[rid] = _Row(rid, uid, "", title or "", at)

    taken: set[int] = set()

    def match(m: MeetingRecord, want_stand_in: bool) -> _Row | None:
        pool = candidates.get((m.start_at, title_key(m.title)), [])
        if any(r.key == m.uid for r in pool):
            return None
        pool = [r for r in pool if is_stand_in(r.key) == want_stand_in and r.id not in taken]
        return min(pool, key=lambda r: r.id, default=None)

    out = [m for m in batch if is_stand_in(m.uid) and not m.external_ids]
    renamed: dict[str, str] = {}
    moves: list[dict[str, Any]] = []
    for key, m in by_ext.items():
        row = rows.get(linked[key]) if key in linked else match(m, want_stand_in=False)
        if row is not None:
            joined.meetings[row.id] = dict(m.external_ids)
        if row is None or row.key == m.uid:
            out.append(m)
            continue
        taken.add(row.id)
        _rekey(signals, MEETING_KINDS, m.uid, row.key, meeting_uid=row.key)
    for m in real:
        row = match(m, want_stand_in=True)
        if row is not None:
            taken.add(row.id)
            renamed[row.key] = m.uid
            moves.append({"b_id": row.id, "b_uid": m.uid})
        out.append(m)
    if moves:
        # Calendar's iCalUID replaces the stand-in; calendar.meetings then writes its fields.
        await s.execute(
            update(MEETINGS)
            .where(MEETINGS.c.id == bindparam("b_id"))
            .values(uid=bindparam("b_uid")),
            moves,
        )
        await _rekey_stored(s, MEETING_KINDS, renamed, uid=True)
    return out


R = TypeVar("R", MessageRecord, MeetingRecord)


async def _linked(
    job: Ingest, s: AsyncSession, entity: str, stand: Sequence[R]
) -> tuple[dict[str, R], dict[str, int]]:
    """Stand-ins by "system:external id", and the stored row each of those ids is already
    linked to (records synced before)."""
    by_ext: dict[str, R] = {}
    for m in stand:
        system, ext = next(iter(m.external_ids.items()))
        by_ext[f"{system}:{ext}"] = m
    linked: dict[str, int] = {}
    for system in STAND_IN_SYSTEMS:
        exts = [k.split(":", 1)[1] for k in by_ext if k.startswith(f"{system}:")]
        found = await job.linked_ids(s, entity, exts, connector=system)
        linked.update({f"{system}:{e}": rid for e, rid in found.items()})
    return by_ext, linked
