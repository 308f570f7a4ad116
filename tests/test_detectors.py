"""Time-based signals: which situations make one, and that finding them costs the same few
queries whatever the size of the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from daemon.domain import detectors, settings
from daemon.store.models import CrmTask, Deal, Meeting, MeetingAttendee, Signal
from daemon.timeparse import add_business_days
from tests.store_fixtures import Store, add_contact, add_thread, hours

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)  # Wednesday 10:00 in New York
NY = ZoneInfo("America/New_York")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def signals(store: Store) -> dict[str, Signal]:
    async with store.transaction() as s:
        return {sig.dedup_key: sig for sig in (await s.scalars(select(Signal))).all()}


async def test_no_reply_only_when_our_mail_is_the_last_word_for_long_enough(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        old = NOW - timedelta(days=8)  # Tue 17 Nov: 6 business days ago
        await add_thread(s, "waiting", dana, [("inbound", old - hours(5)), ("outbound", old)])
        await add_thread(s, "answered", dana, [("outbound", old), ("inbound", NOW - hours(3))])
        await add_thread(s, "recent", dana, [("outbound", NOW - timedelta(days=2))])
        await add_thread(s, "internal", None, [("outbound", old)], internal=True)
        await add_thread(s, "bot", dana, [("outbound", old)], labels=["automated"])
        await add_thread(s, "ancient", dana, [("outbound", NOW - timedelta(days=40))])
        # A draft after our mail is not an answer, and not our last word either.
        await add_thread(
            s, "drafted", dana, [("outbound", old), ("outbound", NOW - hours(1))], draft_last=True
        )
        added = await detectors.detect(s, NOW, NY)
    found = await signals(store)
    assert sorted(found) == [
        "email.no_reply:<drafted-0@mail.example>",
        "email.no_reply:<waiting-1@mail.example>",
    ]
    assert added == 2
    sig = found["email.no_reply:<waiting-1@mail.example>"]
    assert sig.kind == "email.no_reply" and sig.source == "clock"
    assert sig.occurred_at == add_business_days(NOW - timedelta(days=8), 3, NY)
    assert sig.payload["business_days"] == 3 and sig.payload["to"] == [dana.email]
    assert sig.contact_id == dana.id and sig.thread_id is not None

    async with store.transaction() as s:
        assert await detectors.detect(s, NOW, NY) == 0, "a second pass adds nothing"


async def test_no_reply_counts_business_days_across_a_weekend(store: Store) -> None:
    friday = datetime(2026, 11, 20, 21, tzinfo=UTC)  # Friday 16:00 in New York
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        await add_thread(s, "friday", dana, [("outbound", friday)])
    for now, expected in (
        (datetime(2026, 11, 25, 20, tzinfo=UTC), 0),  # Wednesday 15:00: not three days yet
        (datetime(2026, 11, 25, 21, tzinfo=UTC), 1),  # Wednesday 16:00: due
    ):
        async with store.transaction() as s:
            assert len(await detectors.no_reply(s, now, NY)) == expected


async def test_no_reply_waits_per_lifecycle_stage_and_not_while_disabled(store: Store) -> None:
    """follow_up_due's knobs set the wait: one stage's own days, the rest `business_days`."""
    sent = NOW - timedelta(days=2)  # Monday 23 Nov: two business days ago
    async with store.transaction() as s:
        champion = await add_contact(s, 1, NOW)  # an opportunity
        lead = await add_contact(s, 2, NOW, lifecycle_stage="lead")
        await add_thread(s, "champion", champion, [("outbound", sent)])
        await add_thread(s, "lead", lead, [("outbound", sent)])
        await settings.put(
            s, "agents.follow_up_due", {"business_days_by_stage": {"opportunity": 2}}
        )
        found = await detectors.no_reply(s, NOW, NY)
    assert [sig["contact_id"] for sig in found] == [champion.id]
    assert found[0]["payload"]["business_days"] == 2
    assert found[0]["occurred_at"] == add_business_days(sent, 2, NY)

    async with store.transaction() as s:
        await settings.put(s, "agents.follow_up_due", {"business_days": 1})
        assert len(await detectors.no_reply(s, NOW, NY)) == 2
        await settings.put(s, "agents.disabled", ["follow_up_due"])
        assert await detectors.no_reply(s, NOW, NY) == [], "nothing for a disabled agent"


async def test_meetings_tasks_and_deals(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_contact(s, 1, NOW)
        for uid, start, status, known in (
            ("soon", NOW + hours(5), "confirmed", True),
            ("far", NOW + timedelta(days=6), "confirmed", True),
            ("cancelled", NOW + hours(5), "cancelled", True),
            ("strangers", NOW + hours(5), "confirmed", False),
            ("done", NOW - hours(3), "confirmed", True),
        ):
            meeting = Meeting(
                uid=uid,
                title=uid,
                start_at=start,
                end_at=start + hours(1),
                status=status,
            )
            s.add(meeting)
            await s.flush()
            s.add(
                MeetingAttendee(
                    meeting_id=meeting.id,
                    email="someone@else.example",
                    response_status="accepted",
                    contact_id=None,
                )
            )
            if known:
                s.add(
                    MeetingAttendee(
                        meeting_id=meeting.id,
                        email=dana.email,
                        response_status="accepted",
                        contact_id=dana.id,
                    )
                )
        for title, due, status in (
            ("overdue", NOW - timedelta(days=2), "NOT_STARTED"),
            ("later today", NOW + hours(3), "IN_PROGRESS"),
            ("tomorrow", NOW + timedelta(days=1), "NOT_STARTED"),
            ("finished", NOW - timedelta(days=2), "COMPLETED"),
        ):
            s.add(
                CrmTask(
                    title=title,
                    status=status,
                    due_at=due,
                    contact_id=dana.id,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        for name, stage, entered, close in (
            ("stalled", "contractsent", NOW - timedelta(days=20), None),
            ("fresh", "contractsent", NOW - timedelta(days=3), date(2026, 11, 20)),
            ("won", "closedwon", NOW - timedelta(days=90), date(2026, 10, 1)),
        ):
            s.add(
                Deal(
                    name=name,
                    pipeline="default",
                    stage=stage,
                    amount=10000,
                    currency="USD",
                    close_date=close,
                    stage_entered_at=entered,
                    created_at=NOW - timedelta(days=100),
                    updated_at=NOW,
                )
            )
        await s.flush()
        await detectors.detect(s, NOW, NY)
    found = await signals(store)
    kinds = sorted(
        (sig.kind, sig.payload.get("title") or sig.payload.get("deal")) for sig in found.values()
    )
    assert kinds == [
        ("deal.close_date_passed", "fresh"),
        ("deal.stalled", "stalled"),
        ("meeting.ended", "done"),
        ("meeting.upcoming", "soon"),
        ("report.weekly", None),  # open deals, and it is past Monday morning
        ("task.due", "later today"),
        ("task.overdue", "overdue"),
    ]
    by_kind = {sig.kind: sig for sig in found.values()}
    assert by_kind["meeting.upcoming"].contact_id == dana.id, "the first attendee we know"
    assert by_kind["task.due"].occurred_at == NOW
    assert by_kind["deal.stalled"].occurred_at == NOW - timedelta(days=6)


async def test_an_idle_pass_costs_the_same_few_queries_for_any_number_of_candidates(
    store: Store,
) -> None:
    async def grow(start: int, n: int) -> None:
        async with store.transaction() as s:
            for i in range(start, start + n):
                contact = await add_contact(s, i, NOW)
                await add_thread(s, f"t{i}", contact, [("outbound", NOW - timedelta(days=8))])
                s.add(
                    CrmTask(
                        title=f"task {i}",
                        status="NOT_STARTED",
                        due_at=NOW - hours(i),
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )

    # The once-a-day sweeps over contacts run on the day's first pass; this is about the rest.
    async with store.transaction() as s:
        await detectors.detect(s, NOW, NY)
    counts = []
    for start, n in ((1, 5), (6, 40)):
        await grow(start, n)
        async with store.transaction() as s:
            # As a pass does: the settings read once. The day's data checks and the week's
            # report ran in the first round: both rounds count them.
            await settings.preload(s)
            await settings.put(s, detectors.DONE, {})
            with store.counting() as statements:
                added = await detectors.detect(s, NOW, NY)
            assert added == 2 * n
            selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
            counts.append(len(selects))
            # As a pass reads them: every setting at once, before the detectors run.
            await settings.preload(s)
            with store.counting() as idle:
                assert await detectors.detect(s, NOW, NY) == 0
            assert len(idle) <= 10, idle
    assert counts[0] == counts[1], "finding 80 candidates costs what finding 10 does"
