"""The daily checks of the records themselves, over indexed columns: addresses that cannot
be right, active contacts missing a name or company, stale contacts, duplicate contacts and
companies, and `data.fixed` for the data agents' moves whose issue is gone."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.addresses import FREE_MAIL_DOMAINS, is_free_mail
from daemon.domain import knobs
from daemon.domain.detectors.marks import already_ran, local_day, mark
from daemon.domain.detectors.signals import signal_row
from daemon.domain.facts import CLOSED_STAGES
from daemon.store.models import Company, Contact, Deal, DealContact, Move

# Contacts who wrote or met within this window, or are on an open deal, are the active ones
# whose records are worth keeping right.
ACTIVE_WINDOW = timedelta(days=90)
# The agents whose data_fix moves the daily check closes when their cause is gone.
DATA_AGENTS = ("contact_validation", "duplicate_watcher", "data_decay")


# An address these patterns match cannot be delivered: no dot in the domain, two dots in a
# row, a dot at either end of a part, a one-letter top-level domain, a space.
_BAD_EMAIL_PATTERNS = ("%..%", ".%", "%.", "%._", "%.@%", "%@.%", "% %")
_DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_LOCAL_RE = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def valid_email(address: str) -> bool:
    """Whether an address is deliverable by its spelling alone (a TLD of two letters or more)."""
    local, at, domain = address.lower().rpartition("@")
    return (
        bool(at and local and _LOCAL_RE.match(local) and _DOMAIN_RE.match(domain))
        and len(domain.rsplit(".", 1)[-1]) >= 2
        and not domain.rsplit(".", 1)[-1].isdigit()
    )


def _open_deal_of(contact_id: Any) -> Any:
    return exists().where(
        DealContact.contact_id == contact_id,
        Deal.id == DealContact.deal_id,
        func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)),
    )


def _active(now: datetime) -> Any:
    since = now - ACTIVE_WINDOW
    # Mail we sent alone does not count: a first cold email makes no one a working contact.
    return or_(
        Contact.last_inbound_at >= since,
        Contact.last_meeting_at >= since,
        _open_deal_of(Contact.id),
    )


async def contact_checks(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Addresses that cannot be right (`contact.invalid_email`, any contact) and active
    contacts without a name or a company (`contact.incomplete`)."""
    found = []
    suspect = or_(
        ~Contact.email.like("%@%.%"), *(Contact.email.like(p) for p in _BAD_EMAIL_PATTERNS)
    )
    for cid, email, company_id in await session.execute(
        select(Contact.id, Contact.email, Contact.company_id).where(suspect).order_by(Contact.id)
    ):
        if not valid_email(email):
            found.append(
                signal_row(
                    now,
                    "contact.invalid_email",
                    f"contact.invalid_email:{cid}:{email}",
                    now,
                    {"email": email, "issue": f"data_fix:contact:{cid}:invalid_email"},
                    contact_id=cid,
                    company_id=company_id,
                )
            )
    nameless = or_(Contact.name.is_(None), func.trim(Contact.name) == "")
    # A company address names its company by its domain; only free mail leaves it unknown.
    domain = func.lower(func.substr(Contact.email, func.instr(Contact.email, "@") + 1))
    placeless = and_(Contact.company_id.is_(None), domain.in_(sorted(FREE_MAIL_DOMAINS)))
    rows = await session.execute(
        select(Contact.id, Contact.email, Contact.name, Contact.company_id)
        .where(or_(nameless, placeless), _active(now))
        .order_by(Contact.id)
    )
    for cid, email, name, company_id in rows:
        free = is_free_mail(email)
        gaps = (("name", not (name or "").strip()), ("company", not company_id and free))
        missing = [field for field, gap in gaps if gap]
        found.append(
            signal_row(
                now,
                "contact.incomplete",
                f"contact.incomplete:{cid}:{','.join(missing)}",
                now,
                {
                    "email": email,
                    "missing": missing,
                    "issue": f"data_fix:contact:{cid}:incomplete",
                },
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found


# Lifecycle stages of people nobody is working with; anyone else, or anyone on an open deal,
# is worth keeping current.
IDLE_STAGES = ("other", "unqualified")


async def decay(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """`contact.stale`: a contact someone should be working with (a lifecycle stage other
    than other/unqualified, or on an open deal) whose record and mail, meetings have not
    moved for the data_decay agent's `days` knob."""
    days = int(await knobs.agent_value(session, "data_decay", "days"))
    cutoff = now - timedelta(days=days)
    touches = (
        Contact.updated_at,
        Contact.last_inbound_at,
        Contact.last_outbound_at,
        Contact.last_meeting_at,
    )
    working = or_(
        func.lower(func.coalesce(Contact.lifecycle_stage, "other")).not_in(IDLE_STAGES),
        _open_deal_of(Contact.id),
    )
    rows = await session.execute(
        select(Contact.id, Contact.email, Contact.company_id, *touches)
        .where(*(or_(t.is_(None), t < cutoff) for t in touches), working)
        .order_by(Contact.id)
    )
    found = []
    for cid, email, company_id, *seen in rows:
        last = max(t for t in seen if t is not None)
        found.append(
            signal_row(
                now,
                "contact.stale",
                f"contact.stale:{cid}:{last.date().isoformat()}",
                now,
                {
                    "email": email,
                    "last_touch": last.isoformat(),
                    "days": days,
                    "issue": f"data_fix:contact:{cid}:stale",
                },
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found


def _duplicate(now: datetime, kind: str, entity: str, ids: list[int], **payload: Any) -> Any:
    """A `contact.duplicate` / `company.duplicate` signal about records to merge, the first
    of `ids` the one to keep."""
    key = ",".join(str(i) for i in sorted(ids))
    refs = {"contact_id": ids[0]} if entity == "contacts" else {"company_id": ids[0]}
    return signal_row(
        now,
        kind,
        f"{kind}:{key}",
        now,
        {"ids": ids, "issue": f"data_fix:{entity}:{key}:duplicate", **payload},
        **refs,
    )


async def duplicates(session: AsyncSession, now: datetime) -> list[dict[str, Any]]:
    """Contacts one person has twice (an address in two letter cases; one name at one
    company, or at a company and on free mail) and companies with one name under two
    domains. Each kind of duplicate is one GROUP BY over an indexed key; only the members of
    the groups found are read."""
    found = []
    lower_email = func.lower(Contact.email)
    twice = select(lower_email).group_by(lower_email).having(func.count() > 1)
    cased: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cid, email in await session.execute(
        select(Contact.id, Contact.email).where(lower_email.in_(twice)).order_by(Contact.id)
    ):
        cased[email.lower()].append((cid, email))
    for members in cased.values():
        found.append(
            _duplicate(
                now,
                "contact.duplicate",
                "contacts",
                [cid for cid, _ in members],
                basis="the same address in different letter case",
                emails=[e for _, e in members],
            )
        )
    named = and_(Contact.name.is_not(None), func.trim(Contact.name) != "")
    shared = (
        select(Contact.name_key).where(named).group_by(Contact.name_key).having(func.count() > 1)
    )
    people: dict[str, list[Any]] = defaultdict(list)
    for row in await session.execute(
        select(Contact.id, Contact.email, Contact.name, Contact.company_id, Contact.name_key)
        .where(named, Contact.name_key.in_(shared))
        .order_by(Contact.id)
    ):
        people[row.name_key].append(row)
    for rows in people.values():
        at: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            if row.company_id is not None:
                at[row.company_id].append(row)
        free = [r for r in rows if r.company_id is None and is_free_mail(r.email)]
        for company_rows in at.values():
            # One company among the namesakes: their free-mail twins are the same person.
            group = company_rows + (free if len(at) == 1 else [])
            if len(group) < 2 or len({r.email.lower() for r in group}) < 2:
                continue
            basis = (
                "the same name at the same company"
                if len(company_rows) > 1
                else "the same name at the company and on free mail"
            )
            found.append(
                _duplicate(
                    now,
                    "contact.duplicate",
                    "contacts",
                    [r.id for r in company_rows] + [r.id for r in group[len(company_rows) :]],
                    basis=basis,
                    emails=[r.email for r in group],
                    name=group[0].name,
                )
            )
    firms = select(Company.name_key).group_by(Company.name_key).having(func.count() > 1)
    people_at = (
        select(func.count())
        .where(Contact.company_id == Company.id)
        .correlate(Company)
        .scalar_subquery()
    )
    companies: dict[str, list[Any]] = defaultdict(list)
    for row in await session.execute(
        select(Company.id, Company.name, Company.domain, Company.name_key, people_at.label("n"))
        .where(Company.name_key.in_(firms))
        .order_by(Company.id)
    ):
        companies[row.name_key].append(row)
    for rows in companies.values():
        # The one with the most people is kept.
        rows.sort(key=lambda r: (-r.n, r.id))
        found.append(
            _duplicate(
                now,
                "company.duplicate",
                "companies",
                [r.id for r in rows],
                basis="the same name under different domains",
                name=rows[0].name,
                domains=[r.domain for r in rows],
            )
        )
    return found


async def _fixed(session: AsyncSession, now: datetime, day: str, issues: set[str]) -> list[Any]:
    """`data.fixed` for each pending data_fix move of the data agents whose issue the check
    no longer finds (bounces are not re-checked: a later message from the contact settles
    those)."""
    keys = await session.scalars(
        select(Move.dedup_key).where(
            Move.status == "pending",
            Move.agent.in_(DATA_AGENTS),
            Move.move_type == "data_fix",
        )
    )
    return [
        signal_row(now, "data.fixed", f"data.fixed:{key}:{day}", now, {"issue": key})
        for key in keys
        if key not in issues and not key.endswith(":bounced")
    ]


async def data_checks(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The checks of the records themselves, at most once a local day."""
    day = local_day(now, tz)
    done = mark("data_checks", day)
    if await already_ran(session, done):
        return []
    found = await contact_checks(session, now)
    found += await duplicates(session, now)
    found += await decay(session, now)
    issues = {str(s["payload"]["issue"]) for s in found}
    found += await _fixed(session, now, day, issues)
    found.append(done)
    return found
