"""Mail: threads and messages, contacts' last inbound/outbound, and `email.replied`."""

from __future__ import annotations

from sqlalchemy import select

from connectors.base import MessageRecord, SignalRecord, SyncBatch
from daemon.domain.ingest.writer import Writer, is_automated, latest
from daemon.store.models import Message, Signal, Thread


def participants(msg: MessageRecord) -> list[str]:
    return [msg.from_addr, *msg.to, *msg.cc]


async def messages(job: Writer, batch: SyncBatch) -> None:
    if not batch.messages:
        return
    ids = [m.message_id for m in batch.messages]
    known: set[str] = set()
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        known.update(
            (
                await job.s.scalars(select(Message.message_id).where(Message.message_id.in_(chunk)))
            ).all()
        )
    for msg in sorted(batch.messages, key=lambda m: m.sent_at):
        if msg.message_id in known:
            continue
        known.add(msg.message_id)
        thread = job.threads.get(msg.thread_key)
        everyone_internal = all(job.op.is_internal(a) for a in participants(msg))
        if thread is None:
            thread = Thread(
                thread_key=msg.thread_key,
                subject=msg.subject or "(no subject)",
                is_internal=everyone_internal,
                last_message_at=msg.sent_at,
            )
            job.s.add(thread)
            job.threads[msg.thread_key] = thread
        else:
            thread.is_internal = thread.is_internal and everyone_internal
            thread.last_message_at = latest(thread.last_message_at, msg.sent_at)
        contact = None
        if not is_automated(msg.labels) and not msg.is_draft:
            if msg.direction == "inbound":
                contact = await job.correspondent(msg.from_addr, msg.from_name)
                if contact:
                    contact.last_inbound_at = latest(contact.last_inbound_at, msg.sent_at)
            elif msg.direction == "outbound":
                for addr in [*msg.to, *msg.cc]:
                    if job.op.is_internal(addr):
                        continue
                    c = await job.correspondent(addr, None)
                    if c:
                        c.last_outbound_at = latest(c.last_outbound_at, msg.sent_at)
                    contact = contact or c
        await job.s.flush()
        job.s.add(
            Message(
                thread_id=thread.id,
                message_id=msg.message_id,
                from_addr=msg.from_addr.lower(),
                from_name=msg.from_name,
                to_addrs=[a.lower() for a in msg.to],
                cc_addrs=[a.lower() for a in msg.cc],
                subject=msg.subject,
                body=msg.body,
                sent_at=msg.sent_at,
                direction=msg.direction,
                labels=list(msg.labels),
                is_draft=msg.is_draft,
                contact_id=contact.id if contact else None,
            )
        )
        job.report.counts["messages"] += 1


async def derive_replied(job: Writer, received: Signal, rec: SignalRecord) -> None:
    """A contact answering a thread we wrote in is `email.replied`, not just received."""
    if received.thread_id is None:
        return
    message_id = received.payload.get("message_id")
    earlier_outbound = await job.s.scalar(
        select(Message.id)
        .where(
            Message.thread_id == received.thread_id,
            Message.direction == "outbound",
            Message.is_draft.is_(False),
            Message.sent_at < received.occurred_at,
        )
        .limit(1)
    )
    if earlier_outbound is None:
        return
    await job.signal(
        SignalRecord(
            kind="email.replied",
            occurred_at=received.occurred_at,
            dedup_key=f"email.replied:{message_id}",
            payload=dict(received.payload),
            contact_email=rec.contact_email,
            thread_key=rec.thread_key,
        )
    )
