"""Calendar: meetings and their attendees, and contacts' last meeting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import MeetingRecord
from daemon.domain.ingest.writer import Ingest, chunks, later
from daemon.store.models import Meeting, MeetingAttendee

MEETINGS: Table = Meeting.__table__  # type: ignore[assignment]
ATTENDEES: Table = MeetingAttendee.__table__  # type: ignore[assignment]
FIELDS = ("title", "start_at", "end_at", "organizer", "location", "description", "status")


async def meetings(job: Ingest, s: AsyncSession, batch: Sequence[MeetingRecord]) -> dict[str, int]:
    """Upsert meetings by uid with their attendees; returns their row ids by uid."""
    if not batch:
        return {}
    recs = {r.uid: r for r in batch}
    people: dict[str, str | None] = {}
    met: dict[str, datetime] = {}
    for rec in recs.values():
        for att in rec.attendees:
            email = att.email.lower()
            people[email] = people.get(email) or att.name
            if rec.status != "cancelled" and rec.end_at <= job.now:
                met[email] = later(met.get(email), rec.end_at) or rec.end_at
    await job.correspondents(s, people)
    await job.touch_contacts(
        s,
        "last_meeting_at",
        {job.contacts[e].id: at for e, at in met.items() if e in job.contacts},
    )

    ids = await job.meeting_ids(s, recs)
    values = {uid: {f: getattr(rec, f) for f in FIELDS} for uid, rec in recs.items()}
    new = [uid for uid in recs if uid not in ids]
    if new:
        await s.execute(insert(MEETINGS), [{"uid": uid, **values[uid]} for uid in new])
        job.report.counts["meetings"] += len(new)
        ids.update(await job.meeting_ids(s, new))
    old = [uid for uid in recs if uid not in new]
    if old:
        await s.execute(
            update(MEETINGS)
            .where(MEETINGS.c.id == bindparam("b_id"))
            .values({f: bindparam(f"b_{f}", type_=MEETINGS.c[f].type) for f in FIELDS}),
            [{"b_id": ids[uid], **{f"b_{f}": values[uid][f] for f in FIELDS}} for uid in old],
        )

    existing: dict[tuple[int, str], int] = {}
    for part in chunks(sorted(ids[uid] for uid in old)):
        result = await s.execute(
            select(MeetingAttendee.meeting_id, MeetingAttendee.email, MeetingAttendee.id).where(
                MeetingAttendee.meeting_id.in_(part)
            )
        )
        existing.update({(m, e): aid for m, e, aid in result.all()})
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for uid, rec in recs.items():
        seen: set[str] = set()
        for att in rec.attendees:
            email = att.email.lower()
            if email in seen:
                continue
            seen.add(email)
            contact = job.contacts.get(email)
            row = {
                "name": att.name,
                "response_status": att.response_status,
                "contact_id": contact.id if contact else None,
            }
            aid = existing.get((ids[uid], email))
            if aid is None:
                inserts.append({"meeting_id": ids[uid], "email": email, **row})
            else:
                updates.append({"b_id": aid, **{f"b_{k}": v for k, v in row.items()}})
    if inserts:
        await s.execute(insert(ATTENDEES), inserts)
    job.saw("meeting", ids.values())
    if updates:
        await s.execute(
            update(ATTENDEES)
            .where(ATTENDEES.c.id == bindparam("b_id"))
            .values(
                {
                    c: bindparam(f"b_{c}", type_=ATTENDEES.c[c].type)
                    for c in ("name", "response_status", "contact_id")
                }
            ),
            updates,
        )
    return ids
