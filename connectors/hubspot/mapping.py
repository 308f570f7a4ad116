"""HubSpot CRM objects (API JSON) as CaseyOS records, the way the CSV import reads them.

The values mean what `connectors.files.hubspot` makes of an export: deal stages are
HubSpot's internal ids for the default pipeline ("closedwon") and the label's slug for
others, with any stage HubSpot marks closed read as "closedwon" or "closedlost" by its
win probability, so the rest of CaseyOS (which knows those two) sees it closed; pipelines
are "default" or their label; lifecycle stages, tiers, industries and task statuses go
through the same helpers. Owners are named from the owners list. Functions here are pure:
the connector fetches associations and lookups and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.addresses import email_domain, is_free_mail, name_from_domain, normalize_domain
from connectors.base import (
    AttendeeRecord,
    CompanyRecord,
    ContactRecord,
    DealRecord,
    MeetingRecord,
    MessageRecord,
    NoteRecord,
    OperatorIdentity,
    SignalRecord,
    TaskRecord,
)
from connectors.files._common import mail_signals, slug
from connectors.files.hubspot import values
from connectors.hubspot.cursor import millis

SOURCE = "hubspot"
# A logged meeting without an end time lasts this long (HubSpot's default booking slot).
DEFAULT_MEETING = timedelta(minutes=30)
_CANCELLED = {"CANCELED", "CANCELLED"}


@dataclass(frozen=True)
class Stage:
    key: str  # what CaseyOS stores as the deal's stage
    label: str
    pipeline: str  # what CaseyOS stores as the deal's pipeline


@dataclass
class Lookups:
    """What ids mean, for one sync: owners, deal stages, and associated records."""

    owners: dict[str, str] = field(default_factory=dict)
    owner_emails: dict[str, str] = field(default_factory=dict)
    stages: dict[str, Stage] = field(default_factory=dict)
    pipelines: dict[str, str] = field(default_factory=dict)
    # Company id -> (domain, name); contact id -> email (None when it has none).
    companies: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    contacts: dict[str, str | None] = field(default_factory=dict)

    def owner(self, owner_id: Any) -> str | None:
        if not owner_id:
            return None
        return self.owners.get(str(owner_id)) or f"HubSpot owner {owner_id}"

    def add_owners(self, owners: list[dict[str, Any]]) -> None:
        for o in owners:
            oid = str(o.get("id"))
            name = " ".join(p for p in (o.get("firstName"), o.get("lastName")) if p).strip()
            email = (o.get("email") or "").strip().lower()
            self.owners[oid] = name or email or f"HubSpot owner {oid}"
            if email:
                self.owner_emails[oid] = email

    def add_pipelines(self, pipelines: list[dict[str, Any]]) -> None:
        for p in pipelines:
            pid = str(p.get("id"))
            label = str(p.get("label") or pid)
            ours = "default" if pid == "default" or slug(label) == "salespipeline" else label
            self.pipelines[pid] = ours
            for s in p.get("stages") or []:
                sid = str(s.get("id"))
                self.stages[sid] = Stage(stage_key(s), str(s.get("label") or sid), ours)


def stage_key(stage: dict[str, Any]) -> str:
    """The stage as CaseyOS names it (see the module docstring)."""
    sid = str(stage.get("id"))
    meta = stage.get("metadata") or {}
    if str(meta.get("isClosed", "")).lower() == "true":
        try:
            won = float(meta.get("probability", 0)) >= 1.0
        except (TypeError, ValueError):
            won = False
        return "closedwon" if won else "closedlost"
    if sid in values.DEFAULT_STAGES:
        return values.DEFAULT_STAGES[sid]
    return slug(str(stage.get("label") or "")) or sid


@dataclass
class Links:
    """An object's associations, resolved: contact emails, its company, its first deal."""

    contact_emails: list[str] = field(default_factory=list)
    company: tuple[str | None, str | None] | None = None
    deal_id: str | None = None

    @property
    def domain(self) -> str | None:
        if self.company and self.company[0]:
            return self.company[0]
        return next((email_domain(c) for c in self.contact_emails if not is_free_mail(c)), None)


def _props(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("properties") or {}


def text(props: dict[str, Any], name: str) -> str:
    value = props.get(name)
    return str(value).strip() if value is not None else ""


def when(props: dict[str, Any], name: str) -> datetime | None:
    ms = millis(props.get(name))
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms is not None else None


def day(props: dict[str, Any], name: str) -> date | None:
    """A date property: HubSpot keeps it as midnight UTC of the day picked."""
    moment = when(props, name)
    return moment.date() if moment else None


def company_of(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    p = _props(obj)
    domain = normalize_domain(text(p, "domain")) or normalize_domain(text(p, "website"))
    return domain, text(p, "name") or None


def company(obj: dict[str, Any]) -> CompanyRecord | None:
    """None for a company without a domain (the domain is a company's key)."""
    p = _props(obj)
    domain, name = company_of(obj)
    if domain is None:
        return None
    size: int | None = None
    raw = text(p, "numberofemployees").replace(",", "")
    if raw:
        try:
            size = int(float(raw))
        except ValueError:
            size = None
    return CompanyRecord(
        domain=domain,
        name=name or name_from_domain(domain),
        industry=values.industry(text(p, "industry")),
        size=size,
        tier=values.tier(text(p, "hs_ideal_customer_profile")),
        external_ids={SOURCE: str(obj["id"])},
    )


def contact(
    obj: dict[str, Any], links: Links, lookups: Lookups
) -> tuple[ContactRecord, SignalRecord] | None:
    """None for a contact without a usable email (the email is a contact's key)."""
    p = _props(obj)
    email = values.single_email(text(p, "email"))
    if email is None:
        return None
    first, last = text(p, "firstname"), text(p, "lastname")
    name = " ".join(x for x in (first, last) if x) or None
    company_name = (links.company[1] if links.company else None) or text(p, "company") or None
    domain = links.company[0] if links.company else None
    domain = domain or normalize_domain(text(p, "website"))
    if domain is None and not is_free_mail(email):
        domain = email_domain(email)
    created = when(p, "createdate") or when(p, "lastmodifieddate") or _updated(obj)
    record = ContactRecord(
        email=email,
        name=name,
        title=text(p, "jobtitle") or None,
        company_domain=domain,
        company_name=company_name,
        phone=text(p, "phone") or None,
        lifecycle_stage=slug(text(p, "lifecyclestage")) or None,
        owner=lookups.owner(p.get("hubspot_owner_id")),
        created_at=created,
        external_ids={SOURCE: str(obj["id"])},
    )
    signal = SignalRecord(
        kind="contact.created",
        occurred_at=created,
        dedup_key=f"contact.created:{email}",
        payload={
            "name": name,
            "title": record.title,
            "company": company_name,
            "lifecycle_stage": record.lifecycle_stage,
            "source": SOURCE,
        },
        contact_email=email,
        company_domain=domain,
    )
    return record, signal


def deal(obj: dict[str, Any], links: Links, lookups: Lookups) -> tuple[DealRecord, SignalRecord]:
    p = _props(obj)
    deal_id = str(obj["id"])
    stage_id = text(p, "dealstage")
    known = lookups.stages.get(stage_id)
    stage = known.key if known else (values.DEFAULT_STAGES.get(stage_id) or slug(stage_id))
    pipeline_id = text(p, "pipeline")
    pipeline = lookups.pipelines.get(pipeline_id) or (
        "default" if pipeline_id in ("", "default") else pipeline_id
    )
    amount: float | None = None
    if text(p, "amount"):
        try:
            amount = values.amount(text(p, "amount"))
        except ValueError:
            amount = None
    created = when(p, "createdate") or _updated(obj)
    record = DealRecord(
        external_id=deal_id,
        name=text(p, "dealname") or f"Deal {deal_id}",
        stage=stage or "unknown",
        pipeline=pipeline,
        amount=amount,
        currency=values.currency_code(text(p, "deal_currency_code")),
        close_date=day(p, "closedate"),
        company_domain=links.domain,
        contact_emails=list(links.contact_emails),
        stage_entered_at=when(p, f"hs_date_entered_{stage_id}") if stage_id else None,
        last_activity_at=when(p, "notes_last_updated"),
        created_at=created,
    )
    signal = SignalRecord(
        kind="deal.created",
        occurred_at=created,
        dedup_key=f"deal.created:{deal_id}",
        payload={
            "name": record.name,
            "stage": record.stage,
            "stage_label": known.label if known else stage_id,
            "pipeline": pipeline,
            "amount": amount,
            "owner": lookups.owner(p.get("hubspot_owner_id")),
            "company_name": links.company[1] if links.company else None,
        },
        contact_email=links.contact_emails[0] if links.contact_emails else None,
        company_domain=record.company_domain,
        deal_external_id=deal_id,
    )
    return record, signal


def task(obj: dict[str, Any], links: Links, lookups: Lookups) -> TaskRecord:
    p = _props(obj)
    task_id = str(obj["id"])
    completed = when(p, "hs_task_completion_date")
    status = values.TASK_STATUSES.get(slug(text(p, "hs_task_status")))
    if status is None:
        status = "COMPLETED" if completed else "NOT_STARTED"
    return TaskRecord(
        external_id=task_id,
        title=" ".join(text(p, "hs_task_subject").split()) or f"Task {task_id}",
        due_at=when(p, "hs_timestamp"),
        status=status,
        priority=values.PRIORITIES.get(slug(text(p, "hs_task_priority"))),
        body=values.rich_text(text(p, "hs_task_body")) or None,
        owner=lookups.owner(p.get("hubspot_owner_id")),
        contact_emails=list(links.contact_emails),
        company_domain=links.domain,
        deal_external_id=links.deal_id,
        created_at=when(p, "hs_createdate") or _created(obj),
        completed_at=completed,
    )


def note(obj: dict[str, Any], links: Links, lookups: Lookups) -> NoteRecord | None:
    """None for a note with no text (one that only holds attachments)."""
    p = _props(obj)
    body = values.rich_text(text(p, "hs_note_body"))
    if not body:
        return None
    return NoteRecord(
        external_id=str(obj["id"]),
        body=body,
        created_at=when(p, "hs_timestamp") or when(p, "hs_createdate") or _updated(obj),
        owner=lookups.owner(p.get("hubspot_owner_id")),
        contact_emails=list(links.contact_emails),
        company_domain=links.domain,
        deal_external_id=links.deal_id,
    )


def email(
    obj: dict[str, Any], links: Links, lookups: Lookups, operator: OperatorIdentity
) -> tuple[MessageRecord, list[SignalRecord]] | None:
    """A logged email as a message in its own thread (or HubSpot's thread when logged
    with one). HubSpot does not give the mail's Message-ID, so the id is a stand-in made
    from the record id, and the daemon finds the message it is (one Gmail brought, say) by
    content (`daemon.domain.ingest.same`). None for an email with neither a sender nor a time."""
    p = _props(obj)
    email_id = str(obj["id"])
    sent_at = when(p, "hs_timestamp") or _created(obj)
    hs_direction = text(p, "hs_email_direction").upper()
    owner_email = lookups.owner_emails.get(text(p, "hubspot_owner_id"))
    from_addr = values.single_email(text(p, "hs_email_from_email"))
    if from_addr is None:
        # Sent from the CRM: the owner wrote it; otherwise the contact it was logged on.
        from_addr = owner_email if hs_direction == "EMAIL" else None
        from_addr = from_addr or (links.contact_emails[0] if links.contact_emails else None)
    if from_addr is None or sent_at is None:
        return None
    to = _addresses(text(p, "hs_email_to_email"))
    cc = _addresses(text(p, "hs_email_cc_email"))
    if not to:
        to = [c for c in links.contact_emails if c != from_addr] or (
            [owner_email] if owner_email and owner_email != from_addr else []
        )
    # As for mail read from a mailbox: a colleague's logged email is internal, not the
    # operator's own (it makes no email.sent that would say the operator followed up).
    direction = operator.direction_of(from_addr)
    message_id = f"hubspot-email-{email_id}@hubspot.generated"
    thread = text(p, "hs_email_thread_id")
    thread_key = f"hubspot-thread-{thread}" if thread else message_id
    subject = text(p, "hs_email_subject")
    body = text(p, "hs_email_text") or values.rich_text(text(p, "hs_email_html"))
    from_name = " ".join(
        x for x in (text(p, "hs_email_from_firstname"), text(p, "hs_email_from_lastname")) if x
    )
    status = text(p, "hs_email_status").upper()
    labels = ["hubspot"] + ([status.lower()] if status and status != "SENT" else [])
    record = MessageRecord(
        message_id=message_id,
        thread_key=thread_key,
        from_addr=from_addr,
        sent_at=sent_at,
        direction=direction,
        subject=subject,
        body=body,
        from_name=from_name or None,
        to=to,
        cc=cc,
        labels=labels,
        thread_from_source=bool(thread),
        external_ids={SOURCE: email_id},
    )
    signals = mail_signals(record, operator) if status in ("", "SENT") else []
    return record, signals


def meeting(
    obj: dict[str, Any], links: Links, lookups: Lookups, operator: OperatorIdentity
) -> tuple[MeetingRecord, list[SignalRecord]] | None:
    """A logged meeting; its attendees are the associated contacts (HubSpot keeps no
    answers), its organizer the owner. None for a meeting without a start time."""
    p = _props(obj)
    meeting_id = str(obj["id"])
    start = when(p, "hs_meeting_start_time") or when(p, "hs_timestamp")
    if start is None:
        return None
    end = when(p, "hs_meeting_end_time")
    if end is None or end < start:
        end = start + DEFAULT_MEETING
    uid = f"hubspot-meeting-{meeting_id}"
    organizer = lookups.owner_emails.get(text(p, "hubspot_owner_id"))
    attendees = [AttendeeRecord(email=e) for e in links.contact_emails]
    if organizer and organizer not in links.contact_emails:
        attendees.insert(0, AttendeeRecord(email=organizer, response_status="accepted"))
    status = "cancelled" if text(p, "hs_meeting_outcome").upper() in _CANCELLED else "confirmed"
    record = MeetingRecord(
        uid=uid,
        title=text(p, "hs_meeting_title") or "(no title)",
        start_at=start,
        end_at=end,
        organizer=organizer,
        attendees=attendees,
        location=text(p, "hs_meeting_location") or None,
        description=values.rich_text(text(p, "hs_meeting_body")) or None,
        status=status,
        external_ids={SOURCE: meeting_id},
    )
    external = [a for a in attendees if not operator.is_internal(a.email)]
    signals: list[SignalRecord] = []
    if status == "confirmed" and external:
        signals.append(
            SignalRecord(
                kind="meeting.booked",
                occurred_at=when(p, "hs_createdate") or _created(obj) or start,
                dedup_key=f"meeting.booked:{uid}",
                payload={
                    "title": record.title,
                    "start_at": start.isoformat(),
                    "attendees": [a.email for a in attendees],
                },
                contact_email=external[0].email,
                meeting_uid=uid,
            )
        )
    return record, signals


def _addresses(cell: str) -> list[str]:
    emails, _ = values.association_emails(cell)
    return emails


def _created(obj: dict[str, Any]) -> datetime | None:
    ms = millis(obj.get("createdAt"))
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms is not None else None


def _updated(obj: dict[str, Any]) -> datetime:
    ms = millis(obj.get("updatedAt")) or millis(obj.get("createdAt")) or 0
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
