"""A large, realistic workspace for `daemon_load.py --profile 100k`, written straight to SQLite.

Not a benchmark itself. Rows are built here from the documented formats (score inputs,
signal payloads, dedup keys) rather than through the daemon's importers, so a bug in the code
under test cannot shape the data it is measured on. Everything is dated relative to `now`.

What it holds, besides the operator setting:

- companies and contacts, with titles, tiers and lifecycle stages;
- external and internal mail threads over the last six weeks, each message with the signal
  an import makes of it (`email.received`, `email.replied`, `email.sent`); signals of the
  last two days are left unprocessed, the rest are marked processed, as after earlier passes;
- meetings over the coming week and the past few days with their attendees;
- deals in every stage (some stalled, some past their close date) and their contacts;
- CRM tasks, open and completed, due over two months around `now`;
- `moves` rows in every status, with score inputs of every urgency basis and no
  `rescore_at`, like rows written before migration 0005.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

OPERATOR_EMAIL = "casey@northwind.example"
COLLEAGUES = ["robin@northwind.example", "alex@northwind.example", "sasha@northwind.example"]
STAGES = [
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
]
STAGE_WEIGHTS = [18, 18, 15, 12, 12, 15, 10]
TITLES = [
    "CEO",
    "VP Sales",
    "Head of RevOps",
    "Director of IT",
    "Account Executive",
    "Procurement Lead",
    "CFO",
    "Engineering Manager",
    "Founder",
    "",
]
INDUSTRIES = ["fintech", "logistics", "healthcare", "retail", "saas", "manufacturing"]
LIFECYCLE = ["lead", "salesqualifiedlead", "opportunity", "customer", "evangelist", None]
SUBJECTS = [
    "Renewal pricing",
    "Proposal for the pilot",
    "Security questionnaire",
    "Next steps",
    "Intro",
    "Contract redlines",
    "Quick question",
    "Onboarding plan",
]
# (move_type, agent, shelf life or None, urgency basis)
MOVE_KINDS = [
    ("reply", "reply_needed", timedelta(days=14), "reply"),
    ("follow_up", "follow_up_due", timedelta(days=14), "follow_up"),
    ("meeting_prep", "meeting_prep", timedelta(days=2), "meeting"),
    ("deal_review", "deal_health", timedelta(days=21), "stage"),
    ("task", "crm_tasks", None, "due"),
    ("task", "manual", None, "due"),
]
MOVE_KIND_WEIGHTS = [30, 25, 8, 10, 17, 10]
MOVE_STATUSES = ["pending", "snoozed", "accepted", "done", "dismissed", "expired", "resolved"]
MOVE_STATUS_WEIGHTS = [62, 6, 4, 10, 6, 4, 8]


@dataclass
class World:
    """Rows per table, in insertion order, and a few figures for the report."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    external_threads: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)

    def count(self, table: str) -> int:
        return len(self.tables.get(table, []))


def _contact_scoring(contact: dict[str, Any], company: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": contact["title"],
        "company_size": company["size"],
        "industry": company["industry"],
        "tier": company["tier"],
        "lifecycle_stage": contact["lifecycle_stage"],
        "starred": contact["starred"],
    }


def build(
    rng: random.Random,
    now: datetime,
    *,
    moves: int,
    companies: int = 2_000,
    contacts: int = 10_000,
    threads: int = 15_000,
    meetings: int = 600,
    deals: int = 3_000,
    tasks: int = 4_000,
) -> World:
    w = World()
    for i in range(1, companies + 1):
        created = now - timedelta(days=rng.uniform(60, 700))
        w.add(
            "companies",
            {
                "id": i,
                "domain": f"company{i}.example",
                "name": f"Company {i} Ltd",
                "industry": rng.choice(INDUSTRIES),
                "size": rng.choice([12, 40, 150, 800, 5000]),
                "tier": rng.choice(["A", "B", "C", None]),
                "created_at": created,
                "updated_at": created,
            },
        )
    company_rows = w.tables["companies"]
    for i in range(1, contacts + 1):
        created = now - timedelta(days=rng.uniform(30, 600))
        company_id = (i % companies) + 1
        w.add(
            "contacts",
            {
                "id": i,
                "email": f"person{i}@company{company_id}.example",
                "name": f"Person {i}",
                "title": rng.choice(TITLES),
                "company_id": company_id,
                "phone": None,
                "lifecycle_stage": rng.choice(LIFECYCLE),
                "owner": None,
                "starred": rng.random() < 0.03,
                "last_inbound_at": None,
                "last_outbound_at": None,
                "last_meeting_at": None,
                "created_at": created,
                "updated_at": created,
            },
        )
    contact_rows = w.tables["contacts"]
    _mail(w, rng, now, threads, contact_rows)
    _meetings(w, rng, now, meetings, contact_rows)
    _deals(w, rng, now, deals, company_rows, contact_rows)
    _tasks(w, rng, now, tasks, contact_rows)
    _moves(w, rng, now, moves, company_rows, contact_rows)
    return w


def _mail(
    w: World, rng: random.Random, now: datetime, n: int, contacts: list[dict[str, Any]]
) -> None:
    message_id = 0
    unprocessed_after = now - timedelta(days=2)
    for t in range(1, n + 1):
        internal = rng.random() < 0.1
        contact = None if internal else contacts[rng.randrange(len(contacts))]
        counterpart = rng.choice(COLLEAGUES) if contact is None else contact["email"]
        subject = f"{rng.choice(SUBJECTS)} #{t}"
        at = now - timedelta(days=rng.uniform(0.05, 42))
        outbound = rng.random() < 0.5
        had_outbound = False
        last = at
        for k in range(rng.choice([1, 1, 2, 2, 3, 4, 5])):
            if at >= now:
                break
            message_id += 1
            mid = f"<bench-{t}-{k}@{'northwind' if outbound else 'mail'}.example>"
            automated = not outbound and rng.random() < 0.04
            w.add(
                "messages",
                {
                    "id": message_id,
                    "thread_id": t,
                    "message_id": mid,
                    "from_addr": OPERATOR_EMAIL if outbound else counterpart,
                    "from_name": None,
                    "to_addrs": [counterpart] if outbound else [OPERATOR_EMAIL],
                    "cc_addrs": [],
                    "subject": subject if k == 0 else f"Re: {subject}",
                    "body": f"Message {k} in thread {t}: some words about {subject.lower()}.",
                    "sent_at": at,
                    "direction": "outbound" if outbound else "inbound",
                    "labels": ["Sent"] if outbound else (["automated"] if automated else ["Inbox"]),
                    "is_draft": False,
                    "contact_id": contact["id"] if contact else None,
                },
            )
            kinds = []
            if outbound and contact is not None:
                kinds = ["email.sent"]
            elif not outbound:
                kinds = ["email.received"] + (["email.replied"] if had_outbound else [])
            for kind in kinds:
                w.add(
                    "signals",
                    {
                        "kind": kind,
                        "source": "files",
                        "occurred_at": at,
                        "dedup_key": f"{kind}:{mid}",
                        "payload": {
                            "message_id": mid,
                            "subject": subject,
                            "snippet": f"Message {k} in thread {t}",
                            "automated": automated,
                        },
                        "contact_id": contact["id"] if contact else None,
                        "company_id": contact["company_id"] if contact else None,
                        "deal_id": None,
                        "thread_id": t,
                        "meeting_id": None,
                        "created_at": at,
                        "processed_at": None if at >= unprocessed_after else at,
                    },
                )
            had_outbound = had_outbound or outbound
            last = at
            at += timedelta(hours=rng.uniform(2, 96))
            outbound = not outbound if rng.random() < 0.8 else outbound
        row = {
            "id": t,
            "thread_key": f"bench-thread-{t}",
            "subject": subject,
            "is_internal": internal,
            "last_message_at": last,
        }
        w.add("threads", row)
        if not internal:
            w.external_threads.append({**row, "contact": contact})


def _meetings(
    w: World, rng: random.Random, now: datetime, n: int, contacts: list[dict[str, Any]]
) -> None:
    attendee_id = 0
    for i in range(1, n + 1):
        start = now + timedelta(hours=rng.uniform(-72, 7 * 24))
        start = start.replace(minute=rng.choice([0, 30]), second=0, microsecond=0)
        w.add(
            "meetings",
            {
                "id": i,
                "uid": f"bench-meeting-{i}@calendar.example",
                "title": f"Call #{i}",
                "start_at": start,
                "end_at": start + timedelta(minutes=rng.choice([30, 45, 60])),
                "organizer": OPERATOR_EMAIL,
                "location": None,
                "description": None,
                "status": "confirmed" if rng.random() < 0.92 else "cancelled",
            },
        )
        people = [None] + [contacts[rng.randrange(len(contacts))] for _ in range(rng.randint(0, 2))]
        seen = set()
        for person in people:
            email = OPERATOR_EMAIL if person is None else person["email"]
            if email in seen:
                continue
            seen.add(email)
            attendee_id += 1
            w.add(
                "meeting_attendees",
                {
                    "id": attendee_id,
                    "meeting_id": i,
                    "email": email,
                    "name": None if person is None else person["name"],
                    "response_status": rng.choice(["accepted", "accepted", "needs-action"]),
                    "contact_id": None if person is None else person["id"],
                },
            )


def _deals(
    w: World,
    rng: random.Random,
    now: datetime,
    n: int,
    companies: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
) -> None:
    for i in range(1, n + 1):
        company = companies[rng.randrange(len(companies))]
        created = now - timedelta(days=rng.uniform(10, 300))
        entered = created + (now - created) * rng.uniform(0.2, 1.0)
        close = (now + timedelta(days=rng.uniform(-40, 90))).date()
        w.add(
            "deals",
            {
                "id": i,
                "name": f"{company['name']} - Deal {i}",
                "pipeline": "default",
                "stage": rng.choices(STAGES, STAGE_WEIGHTS)[0],
                "amount": rng.choice([None, 8000.0, 25000.0, 60000.0, 120000.0]),
                "currency": "USD",
                "close_date": close,
                "company_id": company["id"],
                "stage_entered_at": entered,
                "last_activity_at": entered + (now - entered) * rng.random(),
                "created_at": created,
                "updated_at": entered,
            },
        )
        linked = {contacts[rng.randrange(len(contacts))]["id"] for _ in range(rng.randint(1, 2))}
        for cid in sorted(linked):
            w.add("deal_contacts", {"deal_id": i, "contact_id": cid})


def _tasks(
    w: World, rng: random.Random, now: datetime, n: int, contacts: list[dict[str, Any]]
) -> None:
    for i in range(1, n + 1):
        contact = contacts[rng.randrange(len(contacts))] if rng.random() < 0.7 else None
        due = (now + timedelta(days=rng.uniform(-30, 30))).replace(second=0, microsecond=0)
        done = rng.random() < 0.4
        created = due - timedelta(days=rng.uniform(1, 20))
        w.add(
            "crm_tasks",
            {
                "id": i,
                "title": f"Task {i}",
                "body": None,
                "status": "COMPLETED" if done else "NOT_STARTED",
                "priority": rng.choice(["HIGH", "MEDIUM", "LOW", None]),
                "owner": None,
                "due_at": due,
                "completed_at": due if done else None,
                "contact_id": contact["id"] if contact else None,
                "company_id": contact["company_id"] if contact else None,
                "deal_id": None,
                "created_at": created,
                "updated_at": created,
            },
        )


def _urgency(basis: str, rng: random.Random, now: datetime, due: datetime) -> dict[str, Any]:
    if basis == "reply":
        return {"basis": "reply", "since": (now - timedelta(hours=rng.uniform(1, 300))).isoformat()}
    if basis == "follow_up":
        since = now - timedelta(days=rng.uniform(3, 20))
        return {"basis": "follow_up", "since": since.isoformat(), "threshold": 3}
    if basis == "meeting":
        return {"basis": "meeting", "at": (now + timedelta(hours=rng.uniform(1, 48))).isoformat()}
    if basis == "stage":
        days = rng.randint(14, 60)
        since = now - timedelta(days=days, hours=rng.uniform(0, 23))
        return {
            "basis": "stage",
            "days_in_stage": days,
            "normal_days": 14,
            "since": since.isoformat(),
        }
    return {"basis": "due", "at": due.isoformat()}


def _moves(
    w: World,
    rng: random.Random,
    now: datetime,
    n: int,
    companies: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
) -> None:
    for i in range(1, n + 1):
        move_type, agent, life, basis = rng.choices(MOVE_KINDS, MOVE_KIND_WEIGHTS)[0]
        status = rng.choices(MOVE_STATUSES, MOVE_STATUS_WEIGHTS)[0]
        due = now + timedelta(seconds=rng.uniform(-30, 30) * 86400)
        created = min(due, now) - timedelta(hours=rng.uniform(1, 72))
        contact = contacts[rng.randrange(len(contacts))] if rng.random() < 0.85 else None
        company = companies[contact["company_id"] - 1] if contact else None
        snoozed_until = None
        if status == "snoozed":
            ahead = rng.uniform(-3, 7) if rng.random() < 0.25 else rng.uniform(0.05, 7)
            snoozed_until = now + timedelta(days=-abs(ahead) if ahead < 0 else ahead)
        expires = None
        if life is not None:
            past = status == "pending" and rng.random() < 0.03
            expires = (
                now - timedelta(hours=rng.uniform(1, 48))
                if past
                else now + timedelta(days=rng.uniform(1, 14))
            )
        aps = round(rng.uniform(0, 100), 1)
        amount = rng.choice([None, None, 8000, 25000, 60000, 120000])
        w.add(
            "moves",
            {
                "id": i,
                "title": f"{move_type.replace('_', ' ').capitalize()} #{i}",
                "why_now": f"Seeded by the benchmark; due {due:%a %d %b %H:%M} UTC.",
                "move_type": move_type,
                "agent": agent,
                "contact_id": contact["id"] if contact else None,
                "company_id": contact["company_id"] if contact else None,
                "deal_id": None,
                "thread_id": None,
                "meeting_id": None,
                "aps": aps,
                "aps_breakdown": {
                    "components": {},
                    "learned": {"points": 0, "reason": ""},
                    "total": aps,
                },
                "score_inputs": {
                    "move_type": move_type,
                    "fact_at": created.isoformat(),
                    "urgency": _urgency(basis, rng, now, due),
                    "contact": _contact_scoring(contact, company) if contact and company else None,
                    "deal": {"name": f"Deal {i}", "amount": amount} if amount else None,
                    "prepared": rng.random() < 0.2,
                },
                "due_at": due,
                "status": status,
                "snoozed_until": snoozed_until,
                "expires_at": expires,
                "dedup_key": f"bench:world:{i}",
                "prepared_action": None,
                "status_reason": None if status == "pending" else f"seeded as {status}",
                "created_at": created,
                "updated_at": created,
            },
        )


def sync_batch(
    rng: random.Random, world: World, at: datetime, inbound: int, outbound: int
) -> dict[str, list[dict[str, Any]]]:
    """New mail as one sync would bring it: answers from contacts and the operator's replies.

    Each message lands on an existing external thread, a few minutes before `at`, with the
    signal an import makes of it; signals stay unprocessed for the next pass.
    """
    threads = rng.sample(world.external_threads, inbound + outbound)
    next_id = world.count("messages") + 1
    rows: dict[str, list[dict[str, Any]]] = {"messages": [], "signals": [], "threads": []}
    for n, thread in enumerate(threads):
        out = n >= inbound
        sent = at - timedelta(minutes=rng.uniform(1, 50))
        mid = f"<bench-sync-{n}@{'northwind' if out else 'mail'}.example>"
        contact = thread["contact"]
        rows["messages"].append(
            {
                "id": next_id + n,
                "thread_id": thread["id"],
                "message_id": mid,
                "from_addr": OPERATOR_EMAIL if out else contact["email"],
                "from_name": None,
                "to_addrs": [contact["email"]] if out else [OPERATOR_EMAIL],
                "cc_addrs": [],
                "subject": f"Re: {thread['subject']}",
                "body": f"A new message on {thread['subject']}.",
                "sent_at": sent,
                "direction": "outbound" if out else "inbound",
                "labels": ["Sent"] if out else ["Inbox"],
                "is_draft": False,
                "contact_id": contact["id"],
            }
        )
        for kind in ["email.sent"] if out else ["email.received", "email.replied"]:
            rows["signals"].append(
                {
                    "kind": kind,
                    "source": "files",
                    "occurred_at": sent,
                    "dedup_key": f"{kind}:{mid}",
                    "payload": {"message_id": mid, "subject": thread["subject"]},
                    "contact_id": contact["id"],
                    "company_id": contact["company_id"],
                    "deal_id": None,
                    "thread_id": thread["id"],
                    "meeting_id": None,
                    "created_at": at,
                    "processed_at": None,
                }
            )
        rows["threads"].append({"id": thread["id"], "last_message_at": sent})
    return rows


async def write(db: Path, world: World, operator: dict[str, Any]) -> None:
    """Migrate a new database and bulk-insert the world (Core executemany, in chunks)."""
    from sqlalchemy import insert

    from daemon.store.engine import make_engine, migrate
    from daemon.store.models import Base, Setting

    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(Setting.__table__), [{"key": "operator", "value": operator}])
            # Parents before children, whatever order the rows were built in.
            for table in Base.metadata.sorted_tables:
                rows = world.tables.get(table.name, [])
                for start in range(0, len(rows), 5000):
                    await conn.execute(insert(table), rows[start : start + 5000])
    finally:
        await engine.dispose()


async def apply_sync(db: Path, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Write a sync batch into a database a daemon has open (WAL; one short transaction)."""
    from sqlalchemy import bindparam, insert, update

    from daemon.store.engine import make_engine
    from daemon.store.models import Message, Signal, Thread

    engine = make_engine(f"sqlite+aiosqlite:///{db}", pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Message.__table__), rows["messages"])
            await conn.execute(insert(Signal.__table__), rows["signals"])
            threads = Thread.__table__
            await conn.execute(
                update(threads)
                .where(threads.c.id == bindparam("tid"))
                .values(last_message_at=bindparam("at")),
                [{"tid": r["id"], "at": r["last_message_at"]} for r in rows["threads"]],
            )
    finally:
        await engine.dispose()
