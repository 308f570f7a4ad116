"""Calendar: meetings and their attendees, and contacts' last meeting."""

from __future__ import annotations

from sqlalchemy import select

from connectors.base import SyncBatch
from daemon.domain.ingest.writer import Writer, latest
from daemon.store.models import Meeting, MeetingAttendee


async def meetings(job: Writer, batch: SyncBatch) -> None:
    for rec in batch.meetings:
        row = await job.s.scalar(select(Meeting).where(Meeting.uid == rec.uid))
        if row is None:
            row = Meeting(
                uid=rec.uid,
                title=rec.title,
                start_at=rec.start_at,
                end_at=rec.end_at,
                status=rec.status,
            )
            job.s.add(row)
            job.report.counts["meetings"] += 1
        row.title, row.start_at, row.end_at = rec.title, rec.start_at, rec.end_at
        row.organizer, row.location = rec.organizer, rec.location
        row.description, row.status = rec.description, rec.status
        await job.s.flush()
        existing = {
            a.email: a
            for a in (
                await job.s.scalars(
                    select(MeetingAttendee).where(MeetingAttendee.meeting_id == row.id)
                )
            ).all()
        }
        for att in rec.attendees:
            email = att.email.lower()
            contact = await job.correspondent(email, att.name)
            if contact and rec.status != "cancelled" and rec.end_at <= job.now:
                contact.last_meeting_at = latest(contact.last_meeting_at, rec.end_at)
            await job.s.flush()
            a = existing.get(email)
            if a is None:
                a = MeetingAttendee(meeting_id=row.id, email=email)
                job.s.add(a)
                existing[email] = a
            a.name, a.response_status = att.name, att.response_status
            a.contact_id = contact.id if contact else None
