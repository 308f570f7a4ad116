"""Mail: messages (their threads: `threads`), contacts' last inbound/outbound, `email.replied`,
and `contact.opted_out` for a contact asking not to be contacted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import MessageRecord, SignalRecord
from daemon.domain.ingest import threads
from daemon.domain.ingest.writer import CONTACTS, Ingest, is_automated, later
from daemon.domain.mail_intent import opt_out_reason
from daemon.store.models import Message, Signal

MESSAGES: Table = Message.__table__  # type: ignore[assignment]


async def messages(
    job: Ingest, s: AsyncSession, batch: Sequence[MessageRecord]
) -> tuple[set[int], dict[str, int]]:
    """Write the messages not stored yet; returns the ids of the threads they touched, and
    the row id of every message in the batch by Message-ID."""
    unique: dict[str, MessageRecord] = {}
    for msg in batch:
        unique.setdefault(msg.message_id, msg)
    if not unique:
        return set(), {}
    placed = await threads.place(job, s, list(unique.values()))
    msgs = sorted(
        (m for m in unique.values() if m.message_id not in placed.stored), key=lambda m: m.sent_at
    )

    # Who each message concerns: the sender of inbound mail, the external recipients of ours.
    people: dict[str, str | None] = {}
    inbound_at: dict[str, datetime] = {}
    outbound_at: dict[str, datetime] = {}
    for msg in msgs:
        if is_automated(msg.labels) or msg.is_draft:
            continue
        if msg.direction == "inbound":
            addr = msg.from_addr.lower()
            if not job.op.is_internal(addr):
                people[addr] = people.get(addr) or msg.from_name
                inbound_at[addr] = later(inbound_at.get(addr), msg.sent_at) or msg.sent_at
        elif msg.direction == "outbound":
            for addr in [*msg.to, *msg.cc]:
                addr = addr.lower()
                if job.op.is_internal(addr):
                    continue
                people.setdefault(addr, None)
                outbound_at[addr] = later(outbound_at.get(addr), msg.sent_at) or msg.sent_at
    await job.correspondents(s, people)
    await job.touch_contacts(
        s, "last_inbound_at", {job.contacts[a].id: at for a, at in inbound_at.items()}
    )
    await job.touch_contacts(
        s, "last_outbound_at", {job.contacts[a].id: at for a, at in outbound_at.items()}
    )

    rows: list[dict[str, Any]] = []
    for msg in msgs:
        contact_id = None
        if not is_automated(msg.labels) and not msg.is_draft:
            if msg.direction == "inbound":
                ref = job.contacts.get(msg.from_addr.lower())
                contact_id = ref.id if ref else None
            elif msg.direction == "outbound":
                first = next(
                    (a.lower() for a in [*msg.to, *msg.cc] if not job.op.is_internal(a)), None
                )
                ref = job.contacts.get(first) if first else None
                contact_id = ref.id if ref else None
        rows.append(
            {
                "thread_id": placed.thread_of[msg.message_id],
                "message_id": msg.message_id,
                "from_addr": msg.from_addr.lower(),
                "from_name": msg.from_name,
                "to_addrs": [a.lower() for a in msg.to],
                "cc_addrs": [a.lower() for a in msg.cc],
                "subject": msg.subject,
                "body": msg.body,
                "sent_at": msg.sent_at,
                "direction": msg.direction,
                "labels": list(msg.labels),
                "is_draft": msg.is_draft,
                "contact_id": contact_id,
            }
        )
    ids = dict(placed.stored)
    if rows:
        inserted = await s.execute(
            insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True), rows
        )
        ids.update(zip((r["message_id"] for r in rows), inserted.scalars().all(), strict=True))
    job.report.counts["messages"] += len(rows)
    await opted_out(job, s, msgs)
    job.saw("message", ids.values())
    await threads.summarize(s, placed.grown)
    return placed.touched, ids


async def opted_out(job: Ingest, s: AsyncSession, msgs: Sequence[MessageRecord]) -> None:
    """A contact's own mail asking not to be contacted (unsubscribe, "remove me", "not
    interested") marks the contact from the first such message on, and makes a
    `contact.opted_out` signal, which closes what was open with them. The signals are
    written before the chunk's mail signals, so for the same message the request is what
    closes a follow-up ("they asked not to be contacted", not "they answered")."""
    first: dict[int, tuple[datetime, str]] = {}
    records: list[SignalRecord] = []
    for msg in msgs:
        if msg.direction != "inbound" or msg.is_draft or is_automated(msg.labels):
            continue
        ref = job.contacts.get(msg.from_addr.lower())
        reason = opt_out_reason(msg.subject, msg.body) if ref else None
        if ref is None or reason is None:
            continue
        records.append(
            SignalRecord(
                kind="contact.opted_out",
                occurred_at=msg.sent_at,
                dedup_key=f"contact.opted_out:{msg.message_id}",
                payload={"reason": reason, "message_id": msg.message_id},
                contact_email=msg.from_addr.lower(),
                thread_key=msg.thread_key,
            )
        )
        if ref.id not in first or msg.sent_at < first[ref.id][0]:
            first[ref.id] = (msg.sent_at, reason)
    await job.signals(s, records)
    if first:
        await s.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id == bindparam("b_id"), CONTACTS.c.do_not_contact_at.is_(None))
            .values(
                do_not_contact_at=bindparam("b_at", type_=CONTACTS.c.do_not_contact_at.type),
                do_not_contact_reason=bindparam("b_reason"),
            ),
            [{"b_id": cid, "b_at": at, "b_reason": why} for cid, (at, why) in first.items()],
        )


async def derive_replied(job: Ingest, s: AsyncSession, thread_ids: set[int]) -> None:
    """A contact answering a thread we wrote in is `email.replied`, not just received (an
    out-of-office reply is neither: it stays `email.received`, marked automated).

    Worked out per thread after the chunk's messages are stored, so the answer is found
    whichever of the two messages an import or sync brought in first.
    """
    if not thread_ids:
        return
    first_out: dict[int, datetime] = {}
    received: list[Any] = []
    for part in _parts(sorted(thread_ids)):
        rows = await s.execute(
            select(Message.thread_id, func.min(Message.sent_at))
            .where(
                Message.thread_id.in_(part),
                Message.direction == "outbound",
                Message.is_draft.is_(False),
            )
            .group_by(Message.thread_id)
        )
        first_out.update({tid: _aware(at) for tid, at in rows.all()})
        with_out = [t for t in part if t in first_out]
        if with_out:
            received += (
                await s.execute(
                    select(
                        Signal.thread_id,
                        Signal.occurred_at,
                        Signal.payload,
                        Signal.contact_id,
                        Signal.company_id,
                    ).where(Signal.kind == "email.received", Signal.thread_id.in_(with_out))
                )
            ).all()
    records = []
    refs: dict[str, dict[str, int | None]] = {}
    for thread_id, occurred_at, payload, contact_id, company_id in received:
        # An automatic answer (out of office, a mailing) is no one answering.
        if first_out[thread_id] >= occurred_at or payload.get("automated"):
            continue
        key = f"email.replied:{payload.get('message_id')}"
        records.append(
            SignalRecord(
                kind="email.replied", occurred_at=occurred_at, dedup_key=key, payload=dict(payload)
            )
        )
        refs[key] = {"thread_id": thread_id, "contact_id": contact_id, "company_id": company_id}
    await job.signals(s, records, refs=refs)


def _aware(value: datetime) -> datetime:
    # Aggregates may come back through the driver rather than the column type: naive UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parts(items: list[int], size: int = 500) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
