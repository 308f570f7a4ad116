"""Signals that come from the passing of time rather than from a connector.

Run on every pipeline pass; each signal's dedup key makes repeated runs idempotent. Every
detector finds its candidates with one or two set queries and checks them against existing
signals with one more (or, where the key can be spelled in SQL, inside the same one), so a
pass costs the same few queries however many candidates there are.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from agents.base import words
from agents.follow_up_due import wait_days
from connectors.base import AUTO_REPLY
from connectors.files._common import FREE_MAIL_DOMAINS, is_free_mail
from daemon.domain import knobs, reports, settings
from daemon.domain.facts import CLOSED_STAGES, snippet
from daemon.domain.ingest import TASK_CLOSED
from daemon.domain.queue import chunks
from daemon.store.models import (
    Company,
    Contact,
    CrmTask,
    Deal,
    DealContact,
    Meeting,
    MeetingAttendee,
    Message,
    Move,
    Signal,
    Thread,
)
from daemon.timeparse import add_business_days, end_of_day, end_of_next_working_day

NO_REPLY_WINDOW = timedelta(days=30)
# Checks that run once per local day or ISO week leave a mark among their candidates, not a
# signal: `add` keeps the period each check last ran in the workspace setting DONE (a dict,
# check -> period), so a check reads its tables only while its mark for now is missing, and
# finding that out costs no query (a pass preloads the settings).
DONE = "detectors.done"
MARK = "detectors.mark"
ENDED_WINDOW = timedelta(days=3)
# A business day is at least a calendar day; DST can move a local clock time by an hour.
DST_SLACK = timedelta(hours=2)


def _signal(
    now: datetime,
    kind: str,
    key: str,
    at: datetime,
    payload: dict[str, object],
    **refs: int | None,
) -> dict[str, Any]:
    """A signal row; the columns a detector leaves out are NULL."""
    row: dict[str, Any] = dict.fromkeys(
        ("contact_id", "company_id", "deal_id", "thread_id", "meeting_id", "processed_at")
    )
    row.update(
        kind=kind,
        source="clock",
        occurred_at=at,
        dedup_key=key,
        payload=payload,
        created_at=now,
        **refs,
    )
    return row


async def unseen(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """The dedup keys no signal has yet: one query per IN_CHUNK keys."""
    wanted = set(keys)
    for chunk in chunks(sorted(wanted)):
        wanted.difference_update(
            await session.scalars(select(Signal.dedup_key).where(Signal.dedup_key.in_(chunk)))
        )
    return wanted


async def _add_new(session: AsyncSession, candidates: Iterable[dict[str, Any]]) -> int:
    """Add the candidates whose dedup key no signal has yet, in order; returns how many."""
    rows = list(candidates)
    fresh = await unseen(session, (s["dedup_key"] for s in rows))
    new = []
    for sig in rows:
        if sig["dedup_key"] in fresh:
            fresh.discard(sig["dedup_key"])
            new.append(sig)
    # After a long time away there can be thousands: insert them in slices and let the
    # event loop serve clients in between.
    for part in chunks(new):
        await session.execute(insert(Signal), list(part))
        await asyncio.sleep(0)
    return len(new)


async def no_reply(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Our message is the last word in an external thread and N business days went by.

    An automatic answer (out of office) is no word: the clock runs on through it. N is
    follow_up_due's wait for the contact's lifecycle stage; nothing while it is disabled."""
    tuned = await knobs.agent_values(session, "follow_up_due")
    if tuned is None:
        return []
    shortest = min(
        [wait_days(tuned, None), *(int(d) for d in tuned["business_days_by_stage"].values())]
    )
    last = aliased(Message)
    latest = (
        select(last.id)
        .where(
            last.thread_id == Thread.id,
            last.is_draft.is_(False),
            ~cast(last.labels, String).contains(f'"{AUTO_REPLY}"'),
        )
        .order_by(last.sent_at.desc(), last.id.desc())
        .limit(1)
        .correlate(Thread)
        .scalar_subquery()
    )
    key = literal("email.no_reply:") + Message.message_id
    rows = await session.execute(
        select(
            Thread.id,
            Message.message_id,
            Message.subject,
            Message.sent_at,
            Message.to_addrs,
            Message.body,
            Message.labels,
            Message.contact_id,
            Contact.lifecycle_stage,
        )
        .select_from(Thread)
        .join(Message, Message.id == latest)
        .outerjoin(Contact, Contact.id == Message.contact_id)
        .where(
            Thread.is_internal.is_(False),
            Thread.last_message_at >= now - NO_REPLY_WINDOW,
            Message.direction == "outbound",
            # Only a bound here; the exact due time is worked out below in the local zone.
            Message.sent_at <= now - timedelta(days=shortest) + DST_SLACK,
            ~exists().where(Signal.dedup_key == key),
            # Never chase an address that bounced since (the bounce often threads apart).
            ~exists().where(
                Signal.contact_id == Message.contact_id,
                Signal.kind == "email.bounced",
                Signal.occurred_at >= Message.sent_at,
                ~func.coalesce(Signal.payload["status"].as_string(), "").like("4.%"),
            ),
        )
        .order_by(Thread.id)
    )
    found = []
    for thread_id, message_id, subject, sent_at, to_addrs, body, labels, contact_id, stage in rows:
        if "automated" in (labels or []):
            continue
        days = wait_days(tuned, stage)
        due = add_business_days(sent_at, days, tz)
        if due > now:
            continue
        found.append(
            _signal(
                now,
                "email.no_reply",
                f"email.no_reply:{message_id}",
                due,
                {
                    "message_id": message_id,
                    "subject": subject,
                    "sent_at": sent_at.isoformat(),
                    "to": to_addrs,
                    "snippet": snippet(body),
                    "business_days": days,
                },
                contact_id=contact_id,
                thread_id=thread_id,
            )
        )
    return found


async def _external_meetings(
    session: AsyncSession, start: datetime, end: datetime, column: str
) -> list[tuple[Any, int]]:
    """Confirmed meetings with `column` in [start, end] and the first attendee we know."""
    col = getattr(Meeting, column)
    first_contact = (
        select(MeetingAttendee.contact_id)
        .where(MeetingAttendee.meeting_id == Meeting.id, MeetingAttendee.contact_id.is_not(None))
        .order_by(MeetingAttendee.id)
        .limit(1)
        .correlate(Meeting)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Meeting.id, Meeting.uid, Meeting.title, Meeting.start_at, Meeting.end_at)
        .add_columns(first_contact.label("contact_id"))
        .where(Meeting.status == "confirmed", col >= start, col <= end)
        .order_by(Meeting.id)
    )
    return [(row, row.contact_id) for row in rows if row.contact_id is not None]


async def meetings(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    # meeting_prep's horizon: the end of today, then of each working day after it.
    horizon = end_of_day(now, tz)
    for _ in range(int(await knobs.agent_value(session, "meeting_prep", "horizon_working_days"))):
        horizon = end_of_next_working_day(horizon - timedelta(seconds=1), tz)
    found = [
        _signal(
            now,
            "meeting.upcoming",
            f"meeting.upcoming:{m.uid}",
            now,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
        for m, contact_id in await _external_meetings(session, now, horizon, "start_at")
    ]
    found += [
        _signal(
            now,
            "meeting.ended",
            f"meeting.ended:{m.uid}",
            m.end_at,
            {"title": m.title, "start_at": m.start_at.isoformat()},
            meeting_id=m.id,
            contact_id=contact_id,
        )
        for m, contact_id in await _external_meetings(session, now - ENDED_WINDOW, now, "end_at")
    ]
    return found


async def deals(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    stalled_days = int(await knobs.agent_value(session, "deal_health", "stalled_days"))
    stalled = timedelta(days=stalled_days)
    today = now.astimezone(tz).date()
    entered_col = func.coalesce(Deal.stage_entered_at, Deal.created_at)
    deal_id = cast(Deal.id, String)
    stalled_key = literal("deal.stalled:") + deal_id + ":" + Deal.stage
    late_key = literal("deal.close_date_passed:") + deal_id + ":" + cast(Deal.close_date, String)
    rows = await session.execute(
        select(
            Deal.id,
            Deal.name,
            Deal.stage,
            Deal.amount,
            Deal.company_id,
            Deal.close_date,
            entered_col.label("entered"),
        )
        .where(
            func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)),
            # Only deals with a signal still to make; an idle pass finds none.
            or_(
                and_(
                    entered_col <= now - stalled, ~exists().where(Signal.dedup_key == stalled_key)
                ),
                and_(Deal.close_date < today, ~exists().where(Signal.dedup_key == late_key)),
            ),
        )
        .order_by(Deal.id)
    )
    found = []
    for deal in rows:
        if deal.stage.lower() in CLOSED_STAGES:
            continue
        # Stalled = no stage change for N days. Emails alone do not move a deal forward, so
        # activity does not reset the clock; the move's why-now shows the last activity.
        entered = deal.entered
        if now - entered >= stalled:
            found.append(
                _signal(
                    now,
                    "deal.stalled",
                    f"deal.stalled:{deal.id}:{deal.stage}",
                    entered + stalled,
                    {
                        "deal": deal.name,
                        "stage": deal.stage,
                        "amount": deal.amount,
                        "stage_entered_at": entered.isoformat(),
                        "stalled_days": stalled_days,
                    },
                    deal_id=deal.id,
                    company_id=deal.company_id,
                )
            )
        if deal.close_date and deal.close_date < today:
            found.append(
                _signal(
                    now,
                    "deal.close_date_passed",
                    f"deal.close_date_passed:{deal.id}:{deal.close_date.isoformat()}",
                    now,
                    {"deal": deal.name, "close_date": deal.close_date.isoformat()},
                    deal_id=deal.id,
                    company_id=deal.company_id,
                )
            )
    return found


async def proposal_stage(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """An open deal is in a stage the `proposal` agent counts as the proposal stage: one
    `deal.proposal_stage` per deal and stage (a set query over deals; a pass with nothing
    new finds nothing)."""
    tuned = await knobs.agent_values(session, "proposal")
    stages = words(tuned["stages"]) if tuned else []
    if not stages:
        return []
    key = literal("deal.proposal_stage:") + cast(Deal.id, String) + ":" + Deal.stage
    entered_col = func.coalesce(Deal.stage_entered_at, Deal.created_at)
    rows = await session.execute(
        select(Deal.id, Deal.name, Deal.stage, Deal.company_id, entered_col.label("entered"))
        .where(func.lower(Deal.stage).in_(stages), ~exists().where(Signal.dedup_key == key))
        .order_by(Deal.id)
    )
    return [
        _signal(
            now,
            "deal.proposal_stage",
            f"deal.proposal_stage:{deal.id}:{deal.stage}",
            min(deal.entered, now),
            {"deal": deal.name, "stage": deal.stage, "stage_entered_at": deal.entered.isoformat()},
            deal_id=deal.id,
            company_id=deal.company_id,
        )
        for deal in rows
    ]


async def renewals(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """An open renewal deal (its pipeline or name holds one of the `renewal_watch` agent's
    `markers`) closes within its `window_days`: one `deal.renewal_due` per deal and close
    date. The CRM import brings no renewal date on companies; a renewal is a deal."""
    tuned = await knobs.agent_values(session, "renewal_watch")
    if tuned is None:
        return []
    window = int(tuned["window_days"])
    markers = words(tuned["markers"])
    if not markers:
        return []
    today = now.astimezone(tz).date()
    key = literal("deal.renewal_due:") + cast(Deal.id, String) + ":" + cast(Deal.close_date, String)
    named = [
        col.contains(m, autoescape=True)
        for m in markers
        for col in (func.lower(Deal.pipeline), func.lower(Deal.name))
    ]
    rows = await session.execute(
        select(Deal.id, Deal.name, Deal.stage, Deal.amount, Deal.company_id, Deal.close_date)
        .where(
            Deal.close_date >= today,
            Deal.close_date <= today + timedelta(days=window),
            func.lower(Deal.stage).not_in(sorted(CLOSED_STAGES)),
            or_(*named),
            ~exists().where(Signal.dedup_key == key),
        )
        .order_by(Deal.id)
    )
    return [
        _signal(
            now,
            "deal.renewal_due",
            f"deal.renewal_due:{deal.id}:{deal.close_date.isoformat()}",
            now,
            {
                "deal": deal.name,
                "stage": deal.stage,
                "amount": deal.amount,
                "close_date": deal.close_date.isoformat(),
                "window_days": window,
            },
            deal_id=deal.id,
            company_id=deal.company_id,
        )
        for deal in rows
    ]


def _mark(check: str, period: str) -> dict[str, Any]:
    """The candidate that records `check` ran for `period` (a local day or an ISO week)."""
    return {"kind": MARK, "check": check, "period": period}


def _today(now: datetime, tz: ZoneInfo) -> str:
    return now.astimezone(tz).date().isoformat()


async def _ran(session: AsyncSession, mark: dict[str, Any]) -> bool:
    """Whether the check of `mark` already ran in its period."""
    done = await settings.get(session, DONE) or {}
    return bool(done.get(mark["check"]) == mark["period"])


async def customer_health(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Customers (lifecycle stage customer) who went quiet (no inbound mail for the
    `client_health` agent's `quiet_days`) or whose last mail waits for an answer longer than
    its `unanswered_days`: `customer.quiet` / `customer.unanswered`, one per customer and
    last inbound mail. Once a day: its thresholds are in days, so a day's delay is within
    them."""
    marker = _mark("customer_health", _today(now, tz))
    tuned = await knobs.agent_values(session, "client_health")
    if tuned is None or await _ran(session, marker):
        return []
    quiet = timedelta(days=int(tuned["quiet_days"]))
    unanswered = timedelta(days=int(tuned["unanswered_days"]))
    rows = await session.execute(
        select(Contact.id, Contact.company_id, Contact.last_inbound_at, Contact.last_outbound_at)
        .where(
            func.lower(Contact.lifecycle_stage) == "customer",
            Contact.last_inbound_at <= now - min(quiet, unanswered),
        )
        .order_by(Contact.id)
    )
    found = [marker]
    for cid, company_id, inbound, outbound in rows:
        if inbound is None:
            continue
        waiting = outbound is None or outbound < inbound
        if waiting and now - inbound >= unanswered:
            kind, at = "customer.unanswered", inbound + unanswered
        elif now - inbound >= quiet:
            kind, at = "customer.quiet", inbound + quiet
        else:
            continue
        found.append(
            _signal(
                now,
                kind,
                f"{kind}:{cid}:{inbound.isoformat()}",
                at,
                {"last_inbound_at": inbound.isoformat()},
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found


async def warm_untouched(
    session: AsyncSession, now: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Warm contacts (they wrote to us or met us) that nobody touched (no mail either way,
    no meeting) for the `nurture` agent's `untouched_days`, and not so long that they went
    cold (`max_days`); customers are `customer_health`'s. One `contact.untouched` per contact
    and last touch. Once a day."""
    marker = _mark("warm_untouched", _today(now, tz))
    tuned = await knobs.agent_values(session, "nurture")
    if tuned is None or await _ran(session, marker):
        return []
    cutoff = now - timedelta(days=int(tuned["untouched_days"]))
    oldest = now - timedelta(days=int(tuned["max_days"]))
    touches = (Contact.last_inbound_at, Contact.last_outbound_at, Contact.last_meeting_at)
    rows = await session.execute(
        select(Contact.id, Contact.company_id, *touches)
        .where(
            func.coalesce(func.lower(Contact.lifecycle_stage), "") != "customer",
            or_(Contact.last_inbound_at.is_not(None), Contact.last_meeting_at.is_not(None)),
            *(or_(col.is_(None), col <= cutoff) for col in touches),
        )
        .order_by(Contact.id)
    )
    found = [marker]
    for cid, company_id, *seen in rows:
        last = max(t for t in seen if t is not None)
        if last < oldest:
            continue
        found.append(
            _signal(
                now,
                "contact.untouched",
                f"contact.untouched:{cid}:{last.isoformat()}",
                last + (now - cutoff),
                {"last_touch_at": last.isoformat()},
                contact_id=cid,
                company_id=company_id,
            )
        )
    return found


async def tasks(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Open CRM tasks due later today (`task.due`) or already past due (`task.overdue`)."""
    horizon = end_of_day(now, tz)
    due = await session.execute(
        select(CrmTask.id, CrmTask.due_at)
        .where(
            CrmTask.status.not_in(TASK_CLOSED),
            CrmTask.due_at.is_not(None),
            CrmTask.due_at < horizon,
        )
        .order_by(CrmTask.id)
    )
    # Overdue tasks pile up in a CRM and were signalled long ago: only their keys are worked
    # out on every pass, and only the new ones are read in full.
    keys = {
        task_id: f"{_task_kind(at, now)}:{task_id}:{at.isoformat()}"
        for task_id, at in due
        if at is not None
    }
    wanted = await unseen(session, keys.values())
    ids = [task_id for task_id, key in keys.items() if key in wanted]
    found = []
    for chunk in chunks(ids):
        rows = await session.execute(
            select(
                CrmTask.id,
                CrmTask.title,
                CrmTask.due_at,
                CrmTask.priority,
                CrmTask.contact_id,
                CrmTask.company_id,
                CrmTask.deal_id,
            )
            .where(CrmTask.id.in_(chunk))
            .order_by(CrmTask.id)
        )
        for task in rows:
            kind = _task_kind(task.due_at, now)
            found.append(
                _signal(
                    now,
                    kind,
                    keys[task.id],
                    min(now, task.due_at) if kind == "task.due" else task.due_at,
                    {
                        "task_id": task.id,
                        "title": task.title,
                        "due_at": task.due_at.isoformat(),
                        "priority": task.priority,
                    },
                    contact_id=task.contact_id,
                    company_id=task.company_id,
                    deal_id=task.deal_id,
                )
            )
    return found


def _task_kind(due_at: datetime, now: datetime) -> str:
    return "task.overdue" if due_at <= now else "task.due"


async def find(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Every signal the clock calls for now that no signal stands for yet. Reads only, so a
    pass runs it outside the write transaction; `add` checks again as it writes."""
    found = await no_reply(session, now, tz)
    found += await tasks(session, now, tz)
    found += await meetings(session, now, tz)
    found += await deals(session, now, tz)
    found += await data_checks(session, now, tz)
    found += await weekly_report(session, now, tz)
    found += await proposal_stage(session, now, tz)
    found += await renewals(session, now, tz)
    found += await customer_health(session, now, tz)
    found += await warm_untouched(session, now, tz)
    return found


async def add(session: AsyncSession, candidates: list[dict[str, Any]]) -> int:
    """Write the candidates no signal stands for yet (another writer may have added some
    since `find`); returns how many were new."""
    marks = {c["check"]: c["period"] for c in candidates if c["kind"] == MARK}
    total = await _add_new(session, (c for c in candidates if c["kind"] != MARK))
    if marks:
        done = dict(await settings.get(session, DONE) or {})
        await settings.put(session, DONE, {**done, **marks})
    await session.flush()
    return total


async def detect(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """`find` and `add` in one session."""
    return await add(session, await find(session, now, tz))


# The weekly pipeline review is due from this local hour on Monday (and all week after).
REVIEW_HOUR = 7


async def weekly_report(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[Any]:
    """`report.weekly`, once per ISO week from Monday morning, keeping the pipeline's totals
    then (next week's report compares against them); none while no deal is open."""
    local = now.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=REVIEW_HOUR, minute=0, second=0, microsecond=0
    )
    if local < monday:
        return []
    week = reports.week_of(now, tz)
    done = _mark("weekly_report", week)
    if await _ran(session, done):
        return []
    totals = await reports.snapshot(session, now)
    if not totals["open_count"]:
        return [done]  # no pipeline to review
    key = f"report.weekly:{week}"
    return [_signal(now, "report.weekly", key, monday, {"week": week, **totals}), done]


# -- data checks: once a day, over indexed columns --------------------------------------------

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
                _signal(
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
            _signal(
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
            _signal(
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
    return _signal(
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
        _signal(now, "data.fixed", f"data.fixed:{key}:{day}", now, {"issue": key})
        for key in keys
        if key not in issues and not key.endswith(":bounced")
    ]


async def data_checks(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The checks of the records themselves, at most once a local day."""
    day = _today(now, tz)
    done = _mark("data_checks", day)
    if await _ran(session, done):
        return []
    found = await contact_checks(session, now)
    found += await duplicates(session, now)
    found += await decay(session, now)
    issues = {str(s["payload"]["issue"]) for s in found}
    found += await _fixed(session, now, day, issues)
    found.append(done)
    return found
