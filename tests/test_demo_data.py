"""The demo workspace: built at fixed `now` values, read back through the real importers.

Every situation is computed from the parsed records, the way the daemon sees them, never from
the generator's internals.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.base import (
    MeetingRecord,
    MessageRecord,
    NoteRecord,
    OperatorIdentity,
    SyncBatch,
    TaskRecord,
)
from connectors.demo import DEMO_FILE_NAMES, DemoWorkspace, build_demo
from connectors.files import detect_kind, parse_file

NY = ZoneInfo("America/New_York")

NOWS = {
    "monday-morning": datetime(2026, 11, 23, 9, 15, tzinfo=NY),
    "friday-evening": datetime(2026, 11, 20, 18, 45, tzinfo=NY),
    "saturday": datetime(2026, 11, 21, 13, 0, tzinfo=NY),
    "sunday-night": datetime(2026, 11, 22, 21, 30, tzinfo=NY),
    "midnight": datetime(2026, 11, 25, 0, 0, tzinfo=NY),
    "dst-start": datetime(2026, 3, 8, 12, 0, tzinfo=NY),
    "dst-end": datetime(2026, 11, 1, 10, 0, tzinfo=NY),
    # Given in UTC; in New York it is still Tuesday evening.
    "utc-late": datetime(2026, 7, 1, 2, 30, tzinfo=UTC),
    "wednesday-morning": datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
}


@dataclass
class Parsed:
    ws: DemoWorkspace
    now: datetime
    batches: dict[str, SyncBatch]

    @property
    def op(self) -> OperatorIdentity:
        return self.ws.operator

    def all(self, attr: str) -> list[Any]:
        return [item for b in self.batches.values() for item in getattr(b, attr)]


_CACHE: dict[str, Parsed] = {}


@pytest.fixture(params=list(NOWS), scope="module")
def parsed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Parsed:
    key = request.param
    if key not in _CACHE:
        now = NOWS[key]
        ws = build_demo(tmp_path_factory.mktemp(f"demo-{key}"), now)
        batches = {f.name: parse_file(f, ws.operator, now=now) for f in ws.files}
        _CACHE[key] = Parsed(ws, now.astimezone(UTC), batches)
    return _CACHE[key]


# -- how the daemon reads the data ----------------------------------------------------------


def business_days(start: datetime, end: datetime, tz: ZoneInfo) -> int:
    """Mon-Fri local days after the day of `start`, up to and including the day of `end`."""
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    count = 0
    while day < last:
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count


def end_of_next_working_day(now: datetime, tz: ZoneInfo) -> datetime:
    day = now.astimezone(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def end_of_today(now: datetime, tz: ZoneInfo) -> datetime:
    """The next local midnight: the daemon's horizon for tasks that are due today."""
    day = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def working_days_overdue(due: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Mon-Fri local days from the day of `due` up to, not including, today."""
    day, today = due.astimezone(tz).date(), now.astimezone(tz).date()
    count = 0
    while day < today:
        count += day.weekday() < 5
        day += timedelta(days=1)
    return count


def next_working_day(now: datetime, tz: ZoneInfo) -> date:
    day = now.astimezone(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


TASK_CLOSED = {"COMPLETED", "DEFERRED"}


def task_situations(p: Parsed) -> dict[str, list[TaskRecord]]:
    """Open tasks by when they are due, as the daemon's task detector sees them, and closed ones."""
    horizon = end_of_today(p.now, ZoneInfo(p.op.timezone))
    tasks: list[TaskRecord] = p.all("tasks")
    open_ = [t for t in tasks if t.status not in TASK_CLOSED and t.due_at is not None]
    return {
        "overdue": [t for t in open_ if t.due_at is not None and t.due_at <= p.now],
        "due_today": [t for t in open_ if t.due_at is not None and p.now < t.due_at < horizon],
        "later": [t for t in open_ if t.due_at is not None and t.due_at >= horizon],
        "closed": [t for t in tasks if t.status in TASK_CLOSED],
    }


def threads(p: Parsed) -> dict[str, list[MessageRecord]]:
    grouped: dict[str, list[MessageRecord]] = defaultdict(list)
    for m in p.all("messages"):
        grouped[m.thread_key].append(m)
    return {k: sorted(v, key=lambda m: m.sent_at) for k, v in grouped.items()}


def last_sent(messages: list[MessageRecord]) -> MessageRecord:
    return [m for m in messages if not m.is_draft][-1]


def is_external(p: Parsed, messages: list[MessageRecord]) -> bool:
    addresses = {a for m in messages for a in (m.from_addr, *m.to, *m.cc)}
    return any(not p.op.is_internal(a) for a in addresses)


def reply_needed(p: Parsed, max_age: timedelta = timedelta(days=4)) -> set[str]:
    found = set()
    for key, msgs in threads(p).items():
        last = last_sent(msgs)
        age = p.now - last.sent_at
        if (
            is_external(p, msgs)
            and last.direction == "inbound"
            and "automated" not in last.labels
            and timedelta(hours=1) <= age <= max_age
        ):
            found.add(key)
    return found


def follow_up_due(p: Parsed, low: int = 4, high: int = 10) -> set[str]:
    tz = ZoneInfo(p.op.timezone)
    found = set()
    for key, msgs in threads(p).items():
        last = last_sent(msgs)
        if not is_external(p, msgs) or last.direction != "outbound":
            continue
        if p.now - last.sent_at <= timedelta(days=30) and (
            low <= business_days(last.sent_at, p.now, tz) <= high
        ):
            found.add(key)
    return found


def external_meetings(p: Parsed) -> list[MeetingRecord]:
    return [
        m
        for m in p.all("meetings")
        if m.status == "confirmed" and any(not p.op.is_internal(a.email) for a in m.attendees)
    ]


def meeting_prep(p: Parsed) -> list[MeetingRecord]:
    horizon = end_of_next_working_day(p.now, ZoneInfo(p.op.timezone))
    return [m for m in external_meetings(p) if p.now <= m.start_at < horizon]


# -- the situations ------------------------------------------------------------------------


def test_moves_exist_at_any_time(parsed: Parsed) -> None:
    assert len(reply_needed(parsed)) >= 5
    assert len(follow_up_due(parsed)) >= 4
    assert len(meeting_prep(parsed)) >= 3
    situations = task_situations(parsed)
    assert len(situations["overdue"]) + len(situations["due_today"]) >= 2


def test_crm_tasks(parsed: Parsed) -> None:
    p = parsed
    tz = ZoneInfo(p.op.timezone)
    local_now = p.now.astimezone(tz)
    tasks: list[TaskRecord] = p.batches["hubspot-tasks.csv"].tasks
    assert len(tasks) == 8
    assert p.batches["hubspot-tasks.csv"].signals == []
    assert len({t.title for t in tasks}) == len(tasks)  # one move per task, told apart by title
    assert len({t.external_id for t in tasks}) == len(tasks)
    assert all(t.owner == p.op.name for t in tasks)
    assert {t.status for t in tasks} <= {
        "NOT_STARTED",
        "IN_PROGRESS",
        "WAITING",
        "COMPLETED",
        "DEFERRED",
    }
    assert {"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED"} <= {t.status for t in tasks}
    assert {t.priority for t in tasks} == {"HIGH", "MEDIUM", "LOW", None}
    assert all(t.body for t in tasks)

    s = task_situations(p)
    # Overdue by one and by three working days, whatever day it is.
    assert sorted(working_days_overdue(t.due_at, p.now, tz) for t in s["overdue"] if t.due_at) == [
        1,
        3,
    ]
    working_hours_left = local_now.weekday() < 5 and local_now.time() < time(17, 0)
    if working_hours_left:
        assert len(s["due_today"]) == 2
        # Later today, at a time someone works.
        for t in s["due_today"]:
            assert t.due_at is not None
            assert time(10, 0) <= t.due_at.astimezone(tz).time() <= time(17, 0)
        today_ish = local_now.date()
    else:
        assert s["due_today"] == []
        today_ish = next_working_day(p.now, tz)
    due_on = [t.due_at.astimezone(tz).date() for t in s["due_today"] + s["later"] if t.due_at]
    assert due_on.count(today_ish) == 2
    coming = [d for d in due_on if d > today_ish]
    assert len(coming) == 2
    assert all(d <= local_now.date() + timedelta(days=7) for d in coming)

    assert len(s["closed"]) == 2
    for t in s["closed"]:
        assert t.status == "COMPLETED"
        assert t.completed_at is not None and t.due_at is not None
        assert t.created_at is not None and t.created_at <= t.completed_at <= p.now
        assert t.due_at < p.now

    contacts = {c.email for c in p.all("contacts")}
    deals = {d.external_id for d in p.all("deals")}
    domains = {c.domain for c in p.all("companies")}
    for t in tasks:
        # Every task is about someone, so its move has a contact to show and score.
        assert t.contact_emails and set(t.contact_emails) <= contacts
        assert t.deal_external_id in deals
        assert t.company_domain in domains
        assert t.created_at is not None and t.due_at is not None
        assert t.created_at <= min(p.now, t.due_at)


def test_crm_notes(parsed: Parsed) -> None:
    p = parsed
    notes: list[NoteRecord] = p.batches["hubspot-notes.csv"].notes
    assert 5 <= len(notes) <= 8
    assert p.batches["hubspot-notes.csv"].signals == []
    contacts = {c.email for c in p.all("contacts")}
    deals = {d.external_id: d for d in p.all("deals")}
    domains = {c.domain for c in p.all("companies")}
    assert len({n.body for n in notes}) == len(notes)
    for n in notes:
        # The export's HTML is gone; paragraphs survive as blank lines.
        assert n.body and "<" not in n.body and "&" not in n.body
        assert n.owner == p.op.name
        assert n.created_at <= p.now
        assert n.contact_emails and set(n.contact_emails) <= contacts
        assert n.company_domain in domains
        if n.deal_external_id is not None:
            deal = deals[n.deal_external_id]
            assert deal.created_at is not None and deal.created_at <= n.created_at
    assert sum(n.deal_external_id is not None for n in notes) >= 5
    assert any("\n\n" in n.body for n in notes)
    assert any(n.deal_external_id is None for n in notes)


def test_settled_threads_stay_settled_under_generous_thresholds(parsed: Parsed) -> None:
    # Answered threads must not turn into moves for a daemon that waits two weeks for a reply
    # or follows up after three business days.
    assert reply_needed(parsed, max_age=timedelta(days=14)) == reply_needed(parsed)
    assert follow_up_due(parsed, low=3, high=10_000) == follow_up_due(parsed)
    answered_by_us = answered_by_them = 0
    for msgs in threads(parsed).values():
        sent = [m for m in msgs if not m.is_draft]
        if not is_external(parsed, sent) or len(sent) < 2:
            continue
        directions = [m.direction for m in sent]
        if directions[-1] == "outbound" and "inbound" in directions:
            answered_by_us += 1
        if directions[-1] == "inbound" and directions[0] == "outbound":
            answered_by_them += 1
    assert answered_by_us >= 5
    assert answered_by_them >= 3


def test_internal_automated_and_bounce_are_not_replies(parsed: Parsed) -> None:
    moves = reply_needed(parsed)
    window_internal = window_automated = 0
    for key, msgs in threads(parsed).items():
        last = last_sent(msgs)
        recent = timedelta(hours=1) <= parsed.now - last.sent_at <= timedelta(days=4)
        if not recent or last.direction == "outbound":
            continue
        if last.direction == "internal" or not is_external(parsed, msgs):
            window_internal += 1
            assert key not in moves
        if "automated" in last.labels:
            window_automated += 1
            assert key not in moves
    # The demo really contains recent mail that must be filtered out, or this proves nothing.
    assert window_internal >= 2
    assert window_automated >= 3

    bounces = [s for s in parsed.all("signals") if s.kind == "email.bounced"]
    assert len(bounces) == 1
    (bounce,) = bounces
    contacts = {c.email for c in parsed.all("contacts")}
    assert bounce.contact_email in contacts
    assert bounce.payload["recipient"] == bounce.contact_email
    bounced_thread = threads(parsed)[bounce.thread_key or ""]
    assert [m.direction for m in bounced_thread] == ["outbound", "inbound"]
    assert {"automated", "bounce"} <= set(bounced_thread[-1].labels)
    assert bounce.contact_email in bounced_thread[0].to


def test_counts(parsed: Parsed) -> None:
    p = parsed
    contacts = p.batches["hubspot-contacts.csv"].contacts
    companies = p.batches["hubspot-companies.csv"].companies
    deals = p.batches["hubspot-deals.csv"].deals
    assert 30 <= len(contacts) <= 40
    assert 12 <= len(companies) <= 20
    assert len({c.industry for c in companies}) >= 8
    assert {c.tier for c in companies} == {"A", "B", "C", None}
    sizes = [c.size for c in companies if c.size]
    assert min(sizes) < 50 and max(sizes) > 1500
    assert len({c.title for c in contacts}) >= 20

    assert 6 <= len(deals) <= 10
    assert {d.stage for d in deals} == {
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    }
    amounts = [d.amount or 0 for d in deals]
    assert min(amounts) >= 5_000 and max(amounts) <= 120_000
    assert max(amounts) >= 100_000 and min(amounts) <= 10_000
    stalled = [
        d
        for d in deals
        if d.stage not in {"closedwon", "closedlost"}
        and d.stage_entered_at is not None
        and p.now - d.stage_entered_at >= timedelta(days=20)
    ]
    assert len(stalled) >= 2

    messages = p.all("messages")
    grouped = threads(p)
    assert 170 <= len(messages) <= 230
    assert 40 <= len(grouped) <= 60
    assert sum(m.is_draft for m in messages) >= 1
    assert sum("automated" in last_sent(t).labels for t in grouped.values()) >= 5
    # About four weeks of mail, and the odd older conversation: a customer and a warm lead
    # who have been quiet for seven or eight weeks.
    first = min(m.sent_at for m in messages)
    assert timedelta(days=50) <= p.now - first <= timedelta(days=62)
    recent = [m for m in messages if p.now - m.sent_at <= timedelta(days=31)]
    assert len(recent) >= 0.95 * len(messages)
    bodies = [m.body for m in messages if not m.is_draft]
    assert len(set(bodies)) >= 0.95 * len(bodies)
    assert all(m.body for m in messages)


def test_meetings_week(parsed: Parsed) -> None:
    p = parsed
    tz = ZoneInfo(p.op.timezone)
    meetings = p.all("meetings")
    external = external_meetings(p)
    horizon = end_of_next_working_day(p.now, tz)
    past = [m for m in external if p.now - timedelta(days=5) <= m.start_at < p.now]
    later = [m for m in external if horizon <= m.start_at <= p.now + timedelta(days=8)]
    assert len(past) >= 2
    assert len(later) >= 3
    cancelled = [m for m in meetings if m.status == "cancelled"]
    assert len(cancelled) >= 1
    assert any(not p.op.is_internal(a.email) for m in cancelled for a in m.attendees)
    internal_only = [
        m for m in meetings if m.attendees and all(p.op.is_internal(a.email) for a in m.attendees)
    ]
    assert len(internal_only) >= 3

    series: dict[str, list[datetime]] = defaultdict(list)
    for m in meetings:
        if "#" in m.uid:
            series[m.uid.split("#", 1)[0]].append(m.start_at)
    assert len(series) == 1
    (starts,) = series.values()
    starts.sort()
    local = [s.astimezone(tz) for s in starts]
    assert len(starts) >= 6
    assert {(d.weekday(), d.hour, d.minute) for d in local} == {(0, 9, 30)}
    gaps = [(b.date() - a.date()).days for a, b in itertools.pairwise(local)]
    # Weekly, with exactly one week skipped by EXDATE.
    assert sorted(gaps)[-1] == 14 and gaps.count(14) == 1 and set(gaps) == {7, 14}

    booked = {s.meeting_uid for s in p.all("signals") if s.kind == "meeting.booked"}
    assert {m.uid for m in external} == booked


def test_nothing_in_the_future_and_all_utc(parsed: Parsed) -> None:
    p = parsed
    for m in p.all("messages"):
        assert m.sent_at <= p.now, m.subject
        assert m.sent_at.utcoffset() == timedelta(0)
    for s in p.all("signals"):
        assert s.occurred_at <= p.now, s.dedup_key
    for c in p.all("contacts"):
        assert c.created_at is not None and c.created_at <= p.now
    for d in p.all("deals"):
        for value in (d.created_at, d.stage_entered_at, d.last_activity_at):
            assert value is not None and value <= p.now
            assert value.utcoffset() == timedelta(0)
    for t in p.all("tasks"):
        assert t.created_at is not None and t.created_at <= p.now
        assert t.completed_at is None or t.completed_at <= p.now
        assert t.due_at is not None and t.due_at.utcoffset() == timedelta(0)
    for n in p.all("notes"):
        assert n.created_at <= p.now and n.created_at.utcoffset() == timedelta(0)


def test_parses_cleanly_and_consistently(parsed: Parsed) -> None:
    p = parsed
    for name, batch in p.batches.items():
        assert batch.warnings == [], name
    contacts = {c.email for c in p.all("contacts")}
    domains = {c.domain for c in p.batches["hubspot-companies.csv"].companies}
    assert {c.company_domain for c in p.all("contacts")} <= domains
    for deal in p.all("deals"):
        assert deal.contact_emails and set(deal.contact_emails) <= contacts
        assert deal.company_domain in domains
        assert deal.created_at is not None and deal.stage_entered_at is not None
        assert deal.created_at <= deal.stage_entered_at
    # Every move is about someone the CRM knows.
    for key in reply_needed(p) | follow_up_due(p):
        msgs = threads(p)[key]
        assert {a for m in msgs for a in (m.from_addr, *m.to, *m.cc)} & contacts
    for m in external_meetings(p):
        assert all(a.email in contacts for a in m.attendees if not p.op.is_internal(a.email))
    # Everything fictional lives under the reserved .example TLD.
    addresses = {a for m in p.all("messages") for a in (m.from_addr, *m.to, *m.cc)}
    addresses |= {a.email for m in p.all("meetings") for a in m.attendees}
    addresses |= contacts | set(p.op.emails)
    assert all(a.endswith(".example") for a in addresses)
    assert all(d.endswith(".example") for d in domains)


def test_sent_mail_is_threaded_like_gmail(parsed: Parsed) -> None:
    p = parsed
    msgs = p.all("messages")
    outbound = [m for m in msgs if m.direction == "outbound" and not m.is_draft]
    assert outbound and all("Sent" in m.labels for m in outbound)
    assert all("Sent" not in m.labels for m in msgs if m.direction != "outbound")
    replies = [m for m in msgs if m.in_reply_to]
    assert len(replies) >= 100
    by_id = {m.message_id: m for m in msgs}
    for m in replies:
        assert by_id[m.in_reply_to].thread_key == m.thread_key
    # Quoted history was stripped: no stored body repeats an earlier message's attribution.
    assert not any(" wrote:" in m.body or "\n>" in m.body for m in msgs)


# -- the API and determinism --------------------------------------------------------------


def test_build_demo_api(tmp_path: Path) -> None:
    now = NOWS["monday-morning"]
    ws = build_demo(tmp_path / "nested" / "demo", now)
    assert [detect_kind(f) for f in ws.files] == [
        "companies_csv",
        "contacts_csv",
        "deals_csv",
        "tasks_csv",
        "notes_csv",
        "mbox",
        "ics",
    ]
    assert [f.name for f in ws.files] == list(DEMO_FILE_NAMES)
    assert all(f.parent == tmp_path / "nested" / "demo" for f in ws.files)
    assert ws.operator.timezone == "America/New_York"
    assert ws.operator.is_operator(ws.operator.emails[0])
    assert ws.operator.internal_domains and all(
        d.endswith(".example") for d in ws.operator.internal_domains
    )
    assert ws.settings["typical_deal_size"] == 25000
    icp = ws.settings["icp"]
    assert isinstance(icp, dict)
    assert icp["titles"] and icp["industries"]
    assert icp["min_employees"] < icp["max_employees"]
    with pytest.raises(ValueError, match="timezone-aware"):
        build_demo(tmp_path / "naive", datetime(2026, 11, 23, 9, 0))


def test_same_now_same_bytes(tmp_path: Path) -> None:
    now = NOWS["friday-evening"]
    first = build_demo(tmp_path / "a", now)
    # The same instant written in another zone is the same `now`.
    second = build_demo(tmp_path / "b", now.astimezone(UTC))
    for a, b in zip(first.files, second.files, strict=True):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), a.name
    later = build_demo(tmp_path / "c", now + timedelta(days=1))
    for a, c in zip(first.files, later.files, strict=True):
        assert a.read_bytes() != c.read_bytes(), a.name


def test_dates_follow_now(tmp_path: Path) -> None:
    # The whole data set moves with `now`: a year later the same situations hold, a year on.
    now = datetime(2027, 11, 23, 9, 15, tzinfo=NY)
    ws = build_demo(tmp_path, now)
    batches = {f.name: parse_file(f, ws.operator, now=now) for f in ws.files}
    p = Parsed(ws, now.astimezone(UTC), batches)
    assert min(m.sent_at for m in p.all("messages")).date() >= date(2027, 9, 20)
    assert len(reply_needed(p)) >= 5 and len(follow_up_due(p)) >= 4 and len(meeting_prep(p)) >= 3
    situations = task_situations(p)
    assert len(situations["overdue"]) == 2 and len(situations["due_today"]) == 2
    assert min(t.created_at for t in p.all("tasks") if t.created_at).year == 2027


@pytest.mark.parametrize(
    ("local", "due_today"),
    [
        # Late in the working day both tasks are due at its end.
        (datetime(2026, 11, 24, 16, 30, tzinfo=NY), 2),
        (datetime(2026, 11, 24, 16, 59, 59, tzinfo=NY), 2),
        # From 17:00 they are due on the next working day, and only the overdue ones count.
        (datetime(2026, 11, 24, 17, 0, tzinfo=NY), 0),
        (datetime(2026, 11, 27, 23, 59, tzinfo=NY), 0),
        (datetime(2026, 11, 24, 7, 0, tzinfo=NY), 2),
    ],
)
def test_tasks_due_today_around_the_end_of_the_day(
    tmp_path: Path, local: datetime, due_today: int
) -> None:
    ws = build_demo(tmp_path, local)
    tasks_file = next(f for f in ws.files if f.name == "hubspot-tasks.csv")
    p = Parsed(ws, local.astimezone(UTC), {tasks_file.name: parse_file(tasks_file, ws.operator)})
    situations = task_situations(p)
    assert len(situations["due_today"]) == due_today
    assert len(situations["overdue"]) == 2
    for t in situations["due_today"]:
        assert t.due_at is not None and p.now < t.due_at
        assert t.due_at.astimezone(NY).time() <= time(17, 0)
