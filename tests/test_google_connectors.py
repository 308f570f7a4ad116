"""The live Gmail, Calendar and Drive connectors against a fake Google over real HTTP:
first and later syncs, expired history and sync tokens, no-change syncs, trouble on the
wire, resuming from every batch's cursor, and Gmail mail read exactly as the mbox import
reads it."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from connectors.base import SyncBatch
from connectors.files import mbox
from connectors.files.ics import parse_ics
from connectors.google.gmail import GmailConnector, parse_gmail
from connectors.http import ApiError, CircuitBreaker, NeedsReauth, StaticToken
from connectors.live import Endpoints, LiveContext
from tests.fakes.google import NOW, OPERATOR, TOKEN, FakeGoogle, compose, generate, parse_stamp
from tests.google_helpers import ME, api, calendar, drive, gmail, merged, run


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    server = FakeGoogle()
    generate(server, messages=60, meetings=10, files=20, seed=3)
    server.start()
    yield server
    server.stop()


def ids(batches: list[SyncBatch]) -> list[str]:
    return [m.message_id for b in batches for m in b.messages]


def new_mail(fake: FakeGoogle, n: int, **kw: object) -> str:
    raw = compose(
        sender=f"buyer{n}@acme.example",
        to=[OPERATOR],
        subject=f"New question {n}",
        body="Can we talk?\n",
        at=NOW - timedelta(minutes=n),
        message_id=f"new{n}@acme.example",
    )
    return fake.add_message(raw, at=NOW - timedelta(minutes=n), **kw)  # type: ignore[arg-type]


# == Gmail ==================================================================================


async def test_gmail_first_sync_reads_the_window_then_only_new_mail(fake: FakeGoogle) -> None:
    old = compose(
        sender="ancient@acme.example",
        to=[OPERATOR],
        subject="Long ago",
        body="x\n",
        at=NOW - timedelta(days=200),
        message_id="ancient@acme.example",
    )
    fake.add_message(old, at=NOW - timedelta(days=200))
    first = await run(gmail(fake), "messages")
    got = ids(first)
    assert len(got) == len(set(got)) == 60  # the 200-day-old message is outside the window
    assert "ancient@acme.example" not in got
    assert [b.done for b in first] == sorted(b.done for b in first)
    cursor = json.loads(first[-1].cursor or "")
    assert cursor == {"phase": "history", "history": str(fake.history_id)}
    by_thread: dict[str, set[str]] = {}
    for b in first:
        for m in b.messages:
            assert m.thread_from_source
            by_thread.setdefault(m.thread_key, set()).add(m.message_id.split(".")[0])
    # Gmail's threadId decides the thread: each generated thread is one key.
    assert all(len(topics) == 1 for topics in by_thread.values())
    assert len(by_thread) == len({m.split(".")[0] for m in got})
    signals = merged(first).signals
    assert {s.kind for s in signals} == {"email.received", "email.sent"}

    new_mail(fake, 1)
    new_mail(fake, 2)
    before = len(fake.requests)
    later = await run(gmail(fake), "messages", first[-1].cursor)
    assert sorted(ids(later)) == ["new1@acme.example", "new2@acme.example"]
    assert fake.count("GET", r"/history$") == 1
    assert len(fake.requests) - before == 3  # history.list and two messages.get
    assert json.loads(later[-1].cursor or "")["history"] == str(fake.history_id)


async def test_gmail_no_change_sync_is_one_request_and_no_records(fake: FakeGoogle) -> None:
    first = await run(gmail(fake), "messages")
    fake.relabel(next(iter(fake.messages)), add=["STARRED"])  # history moves, no mail added
    before = len(fake.requests)
    again = await run(gmail(fake), "messages", first[-1].cursor)
    assert len(fake.requests) - before == 1
    assert len(again) == 1 and again[0].size() == 0
    assert json.loads(again[0].cursor or "")["history"] == str(fake.history_id)


async def test_gmail_expired_history_reads_the_window_again(fake: FakeGoogle) -> None:
    first = await run(gmail(fake), "messages")
    new_mail(fake, 1)
    fake.forget_history()
    again = await run(gmail(fake), "messages", first[-1].cursor)
    assert len(set(ids(again))) == 61
    assert any("no longer keeps" in r for b in again for r in b.remarks)
    assert json.loads(again[-1].cursor or "")["phase"] == "history"
    # And from there, history works again.
    new_mail(fake, 2)
    last = await run(gmail(fake), "messages", again[-1].cursor)
    assert ids(last) == ["new2@acme.example"]


async def test_gmail_mail_arriving_during_the_first_sync_comes_next_time(
    fake: FakeGoogle,
) -> None:
    connector = gmail(fake)
    source = connector.sync("messages", None)
    batches = [await anext(source)]
    new_mail(fake, 9)  # lands after the listing began
    batches += [b async for b in source]
    await connector.aclose()
    later = await run(gmail(fake), "messages", batches[-1].cursor)
    assert "new9@acme.example" in ids(later)
    assert len(set(ids(batches)) | set(ids(later))) == 61


async def test_gmail_resumes_from_every_batch_with_exactly_the_rest(fake: FakeGoogle) -> None:
    first = await run(gmail(fake), "messages")
    assert len(first) >= 4
    for i, batch in enumerate(first[:-1]):
        rest = await run(gmail(fake), "messages", batch.cursor)
        assert ids(rest) == ids(first[i + 1 :]), f"after batch {i}"
    # Later syncs too: several history pages and chunks.
    for n in range(30):
        new_mail(fake, n)
    later = await run(gmail(fake, chunk_size=7), "messages", first[-1].cursor)
    assert len(later) > 2 and len(ids(later)) == 30
    for i, batch in enumerate(later[:-1]):
        rest = await run(gmail(fake, chunk_size=7), "messages", batch.cursor)
        assert ids(rest) == ids(later[i + 1 :]), f"after batch {i}"


@pytest.mark.parametrize(
    "trouble",
    [
        {"status": 429, "headers": {"Retry-After": "0"}, "times": 2},
        {"status": 500, "times": 2},
        {"status": 503, "times": 1},
        {"garbage": True, "times": 2},
        {"drop": True, "times": 2},
    ],
    ids=["429", "500", "503", "garbage", "dropped"],
)
async def test_gmail_recovers_from_trouble_on_the_wire(
    fake: FakeGoogle, trouble: dict[str, object]
) -> None:
    fake.fail(path=r"/messages/[^/]+$", **trouble)  # type: ignore[arg-type]
    fake.fail(path=r"/messages$", **trouble)  # type: ignore[arg-type]
    first = await run(gmail(fake), "messages")
    assert len(set(ids(first))) == 60
    new_mail(fake, 1)
    fake.fail(path=r"/history$", **trouble)  # type: ignore[arg-type]
    later = await run(gmail(fake), "messages", first[-1].cursor)
    assert ids(later) == ["new1@acme.example"]


async def test_gmail_a_refused_token_asks_to_sign_in_again(fake: FakeGoogle) -> None:
    connector = GmailConnector(api(fake, "wrong"), ME, NOW)
    with pytest.raises(NeedsReauth):
        await run(connector, "messages")
    body = fake.requests[-1]
    assert body.token == "wrong"


async def test_gmail_a_fetch_that_fails_for_good_stops_the_sync_at_the_last_batch(
    fake: FakeGoogle,
) -> None:
    whole = await run(gmail(fake), "messages")
    fake.fail(path=r"/messages/[^/]+$", status=500, times=1000)
    connector = gmail(fake)
    source = connector.sync("messages", None)
    with pytest.raises(ApiError) as caught:
        await anext(source)
    await connector.aclose()
    # Given up (or the breaker opened on the many failures): an ApiError, never a group.
    assert "gave up" in str(caught.value) or "paused after" in str(caught.value)
    fake.faults.clear()
    # Forbidden (a client error) is named as such, not wrapped in a task group's error.
    # (Every fetch is refused: requests the first sync had in flight may still land here.)
    fake.fail(path=r"/messages/[^/]+$", status=403, times=1000)
    got: list[SyncBatch] = []
    connector = gmail(fake)
    with pytest.raises(ApiError) as forbidden:
        async for batch in connector.sync("messages", whole[0].cursor):
            got.append(batch)
    await connector.aclose()
    assert forbidden.value.status == 403 and got == []
    fake.faults.clear()
    rest = await run(gmail(fake), "messages", whole[0].cursor)
    assert ids(rest) == ids(whole[1:])


async def test_gmail_skips_spam_trash_and_deleted_mail(fake: FakeGoogle) -> None:
    first = await run(gmail(fake), "messages")
    new_mail(fake, 1, labels=["SPAM"])
    gone = new_mail(fake, 2)
    fake.delete_message(gone)
    new_mail(fake, 3)
    later = await run(gmail(fake), "messages", first[-1].cursor)
    assert ids(later) == ["new3@acme.example"]


def _as_mbox(raw: bytes, thread_id: str, labels: list[str]) -> bytes:
    """The message as Google Takeout writes it into an mbox."""
    head = f"X-GM-THRID: {int(thread_id, 16)}\r\nX-Gmail-Labels: {','.join(labels)}\r\n"
    return b"From 1234@xxx Sat Nov 28 10:00:00 +0000 2026\n" + head.encode() + raw


@pytest.mark.parametrize("kind", ["reply", "newsletter", "bounce", "outbound"])
def test_gmail_reads_mail_exactly_as_the_mbox_import(kind: str) -> None:
    extra: dict[str, str] = {}
    sender, to = "dana@acme.example", [OPERATOR]
    body = "Sounds good.\n\nOn Mon, Dana wrote:\n> Shall we meet?\n> Thanks\n"
    if kind == "newsletter":
        extra = {"List-Unsubscribe": "<mailto:u@acme.example>", "Precedence": "bulk"}
    elif kind == "bounce":
        sender = "mailer-daemon@googlemail.com"
        body = "Delivery to the following recipient failed: lost@acme.example\n"
    elif kind == "outbound":
        sender, to = OPERATOR, ["dana@acme.example", "colleague@caseyos.example"]
    raw = compose(
        sender=sender,
        to=to,
        subject="Re: Pricing",
        body=body,
        at=NOW,
        message_id=f"{kind}@mail.example",
        reply_to="root@acme.example",
        extra=extra,
    )
    labels = ["INBOX", "IMPORTANT"]
    answer = {
        "id": "18c0ffee",
        "threadId": "18c0ffe0",
        "labelIds": labels,
        "raw": base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    live = parse_gmail(answer, ME)
    from_file = mbox._parse_message(_as_mbox(raw, "18c0ffe0", labels), ME, 0)
    assert live.message == from_file.message
    assert live.signals == from_file.signals
    assert live.message is not None
    assert live.message.thread_key == "18c0ffe0" and live.message.thread_from_source
    assert "Shall we meet" not in live.message.body
    if kind == "bounce":
        assert [s.kind for s in live.signals] == ["email.bounced"]
    if kind == "newsletter":
        assert "automated" in live.message.labels


# == Calendar ===============================================================================


def uids(batches: list[SyncBatch]) -> list[str]:
    return [m.uid for b in batches for m in b.meetings]


async def test_calendar_first_sync_expands_series_within_the_window(fake: FakeGoogle) -> None:
    first = await run(calendar(fake), "primary")
    got = uids(first)
    assert len(got) == len(set(got))
    series = [u for u in got if "#" in u]
    assert series and all(u.split("#")[0].endswith("@google.com") for u in series)
    window_end = NOW + timedelta(days=60)
    assert all(m.start_at < window_end for b in first for m in b.meetings)
    assert len(first) > 1  # paged
    assert "sync" in json.loads(first[-1].cursor or "")
    booked = [s for b in first for s in b.signals if s.kind == "meeting.booked"]
    assert {s.meeting_uid for s in booked} == set(got)  # every generated meeting has a guest
    meeting = first[0].meetings[0]
    assert meeting.organizer == OPERATOR
    assert {a.email for a in meeting.attendees} >= {OPERATOR}


async def test_calendar_later_syncs_bring_only_changes_and_cancellations(
    fake: FakeGoogle,
) -> None:
    first = await run(calendar(fake), "primary")
    single = next(e for e in fake.events.values() if "recurrence" not in e.resource)
    weekly = next(e for e in fake.events.values() if "recurrence" in e.resource)
    fake.update_event(single.resource["id"], summary="Moved call")
    second_start = parse_stamp(weekly.resource["start"]["dateTime"]) + timedelta(weeks=1)
    fake.cancel_instance(weekly.resource["id"], second_start)
    doomed = next(
        e for e in fake.events.values() if "recurrence" not in e.resource and e is not single
    )
    fake.delete_event(doomed.resource["id"])
    added = fake.add_event(
        "Fresh intro",
        NOW + timedelta(days=2),
        attendees=[{"email": "new@hooli.example", "responseStatus": "needsAction"}],
    )
    later = await run(calendar(fake), "primary", first[-1].cursor)
    got = {m.uid: m for b in later for m in b.meetings}
    ical = weekly.resource["iCalUID"]
    assert set(got) == {
        single.resource["iCalUID"],
        f"{ical}#{second_start.isoformat()}",
        doomed.resource["iCalUID"],
        f"{added}@google.com",
    }
    assert got[single.resource["iCalUID"]].title == "Moved call"
    cancelled = got[f"{ical}#{second_start.isoformat()}"]
    assert cancelled.status == "cancelled" and cancelled.title == weekly.resource["summary"]
    assert got[doomed.resource["iCalUID"]].status == "cancelled"
    # The bare cancellations were read whole, one events.get each.
    assert fake.count("GET", r"/events/[^/]+$") == 2
    signals = [s for b in later for s in b.signals]
    assert all(s.meeting_uid not in {cancelled.uid, doomed.resource["iCalUID"]} for s in signals)


async def test_calendar_no_change_and_expired_token(fake: FakeGoogle) -> None:
    first = await run(calendar(fake), "primary")
    before = len(fake.requests)
    again = await run(calendar(fake), "primary", first[-1].cursor)
    assert len(fake.requests) - before == 1
    assert len(again) == 1 and again[0].size() == 0
    assert fake.requests[-1].arg("syncToken") and not fake.requests[-1].arg("timeMin")
    fake.expire_sync_tokens()
    full = await run(calendar(fake), "primary", again[-1].cursor)
    assert sorted(uids(full)) == sorted(uids(first))
    assert any("no longer keeps" in r for r in full[0].remarks)
    assert any(r.arg("syncToken") for r in fake.requests[before + 1 :])
    assert "sync" in json.loads(full[-1].cursor or "")


async def test_calendar_resumes_from_every_batch_and_rides_out_trouble(
    fake: FakeGoogle,
) -> None:
    first = await run(calendar(fake), "primary")
    for i, batch in enumerate(first[:-1]):
        rest = await run(calendar(fake), "primary", batch.cursor)
        assert uids(rest) == uids(first[i + 1 :]), f"after batch {i}"
    for trouble in ({"status": 500}, {"garbage": True}, {"drop": True}, {"status": 429}):
        fake.fail(path=r"/events$", times=2, **trouble)  # type: ignore[arg-type]
        again = await run(calendar(fake), "primary")
        assert uids(again) == uids(first)


async def test_calendar_follows_each_calendar_of_the_knob_as_its_own_stream(
    fake: FakeGoogle,
) -> None:
    team = "team.sales@group.calendar.example"
    fake.add_event("Team pipeline review", NOW + timedelta(days=1), calendar=team)
    connector = calendar(fake, calendars=["primary", team])
    assert connector.streams() == ("primary", team)
    await connector.aclose()
    theirs = await run(calendar(fake, calendars=["primary", team]), team)
    assert [m.title for b in theirs for m in b.meetings] == ["Team pipeline review"]
    mine = await run(calendar(fake), "primary")
    assert "Team pipeline review" not in {m.title for b in mine for m in b.meetings}
    assert fake.requests[-1].path.startswith("/calendar/v3/calendars/primary/events")


def test_calendar_keys_meetings_as_the_ics_import(tmp_path: Path) -> None:
    """The same repeating event from an export and from the API is the same meetings."""
    fake = FakeGoogle()
    start = (NOW - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    eid = fake.add_event("Weekly sync", start, weekly=4, attendees=[{"email": "a@b.example"}])
    one = fake.add_event("One-off", start + timedelta(hours=2))
    with fake:
        live = {m.uid for m in merged(_sync(fake)).meetings}
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        f"BEGIN:VEVENT\r\nUID:{eid}@google.com\r\nDTSTART:{stamp}\r\nDURATION:PT30M\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Weekly sync\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:{one}@google.com\r\n"
        f"DTSTART:{(start + timedelta(hours=2)).strftime('%Y%m%dT%H%M%SZ')}\r\n"
        "DURATION:PT30M\r\nSUMMARY:One-off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    path = tmp_path / "cal.ics"
    path.write_text(ics)
    imported = {m.uid for m in parse_ics(path, ME, now=NOW).meetings}
    assert live == imported and len(live) == 5


def _sync(fake: FakeGoogle) -> list[SyncBatch]:
    return asyncio.run(run(calendar(fake), "primary"))


# == Drive ==================================================================================


def drive_ids(batches: list[SyncBatch]) -> list[str]:
    return [d.drive_id for b in batches for d in b.documents]


async def test_drive_lists_files_then_follows_changes(fake: FakeGoogle) -> None:
    first = await run(drive(fake), "files")
    assert sorted(drive_ids(first)) == sorted(fake.files)
    assert len(first) == 3
    doc = first[0].documents[0]
    assert doc.owners and doc.link and doc.modified_at and doc.mime_type
    assert json.loads(first[-1].cursor or "") == {"changes": str(len(fake.changes) + 1)}
    for i, batch in enumerate(first[:-1]):
        rest = await run(drive(fake), "files", batch.cursor)
        assert drive_ids(rest) == drive_ids(first[i + 1 :])

    files = list(fake.files)
    fake.update_file(files[0], name="Renamed")
    fake.update_file(files[1], trashed=True)
    fake.remove_file(files[2])
    new = fake.add_file("Proposal", owners=["ola@acme.example"])
    later = await run(drive(fake), "files", first[-1].cursor)
    docs = {d.drive_id: d for b in later for d in b.documents}
    assert set(docs) == {files[0], files[1], files[2], new}
    assert docs[files[0]].name == "Renamed"
    assert docs[files[1]].trashed and not docs[files[1]].removed
    assert docs[files[2]].removed and docs[files[2]].trashed
    assert docs[new].owners == ["ola@acme.example"]

    before = len(fake.requests)
    again = await run(drive(fake), "files", later[-1].cursor)
    assert len(fake.requests) - before == 1
    assert len(again) == 1 and again[0].size() == 0


async def test_drive_sees_the_shared_drives_too(fake: FakeGoogle) -> None:
    """A proposal in the team's shared drive is found, listed first and changed later."""
    team = fake.add_file("Acme proposal (team drive)", shared_drive="0ATeamDrive")
    first = await run(drive(fake), "files")
    assert team in drive_ids(first)
    fake.update_file(team, name="Acme proposal v2")
    later = await run(drive(fake), "files", first[-1].cursor)
    assert [(d.drive_id, d.name) for b in later for d in b.documents] == [
        (team, "Acme proposal v2")
    ]


async def test_drive_rides_out_trouble_and_pages_changes(fake: FakeGoogle) -> None:
    first = await run(drive(fake), "files")
    for n in range(20):
        fake.add_file(f"Doc {n}")
    fake.fail(path=r"/changes$", status=500, times=2)
    fake.fail(path=r"/changes$", garbage=True)
    later = await run(drive(fake), "files", first[-1].cursor)
    assert len(later) == 3 and len(drive_ids(later)) == 20
    for i, batch in enumerate(later[:-1]):
        rest = await run(drive(fake), "files", batch.cursor)
        assert drive_ids(rest) == drive_ids(later[i + 1 :])


# == the specs ==============================================================================


async def test_specs_build_connectors_from_the_context_and_its_knobs(fake: FakeGoogle) -> None:
    from connectors.google import calendar as calendar_module
    from connectors.google import drive as drive_module
    from connectors.google import gmail as gmail_module

    specs = [gmail_module.SPEC, calendar_module.SPEC, drive_module.SPEC]
    assert [(s.name, s.service, s.every) for s in specs] == [
        ("gmail", "google", 300.0),
        ("calendar", "google", 900.0),
        ("drive", "google", 3600.0),
    ]
    assert gmail_module.SPEC.defaults == {"window_days": 90}
    assert calendar_module.SPEC.defaults["calendars"] == ["primary"]

    def context(**settings: object) -> LiveContext:
        return LiveContext(
            operator=ME,
            endpoints=Endpoints(google=fake.url),
            tokens=StaticToken("google", TOKEN),
            breaker=CircuitBreaker(),
            now=NOW,
            settings=settings,
        )

    whole = await run(gmail_module.SPEC.build(context()), "messages")
    recent = await run(gmail_module.SPEC.build(context(window_days=20)), "messages")
    cutoff = NOW - timedelta(days=20)
    assert 0 < len(ids(recent)) < len(ids(whole))
    assert all(m.sent_at > cutoff for b in recent for m in b.messages)
    narrow = calendar_module.SPEC.build(context(past_days=0, future_days=7))
    assert narrow.streams() == ("primary",)
    await narrow.aclose()
    week = NOW + timedelta(days=7)
    fake.add_event("Tomorrow", NOW + timedelta(days=1))
    fake.add_event("Next month", NOW + timedelta(days=30))
    soon = await run(calendar_module.SPEC.build(context(past_days=0, future_days=7)), "primary")
    titles = {m.title for b in soon for m in b.meetings}
    assert "Tomorrow" in titles and "Next month" not in titles
    assert all(m.end_at > NOW and m.start_at < week for b in soon for m in b.meetings)
    docs = await run(drive_module.SPEC.build(context()), "files")
    assert len(drive_ids(docs)) == len(fake.files)
    for connector in [gmail_module.SPEC.build(context()), drive_module.SPEC.build(context())]:
        assert (await connector.health()).ok
        await connector.aclose()  # type: ignore[attr-defined]


# == the fake itself ========================================================================


def test_the_fake_answers_formats_and_errors_as_google(fake: FakeGoogle) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    mid = next(iter(fake.messages))
    base = f"{fake.url}/gmail/v1/users/me/messages/{mid}"
    minimal = httpx.get(base, params={"format": "minimal"}, headers=auth).json()
    assert set(minimal) == {
        "id", "threadId", "labelIds", "snippet", "sizeEstimate", "historyId", "internalDate"
    }  # fmt: skip
    metadata = httpx.get(
        base, params=[("format", "metadata"), ("metadataHeaders", "Subject")], headers=auth
    ).json()
    assert [h["name"] for h in metadata["payload"]["headers"]] == ["Subject"]
    raw = httpx.get(base, params={"format": "raw"}, headers=auth).json()["raw"]
    assert base64.urlsafe_b64decode(raw) == fake.messages[mid].raw

    missing = httpx.get(f"{fake.url}/gmail/v1/users/me/messages/nope", headers=auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == "NOT_FOUND"
    refused = httpx.get(base, headers={"Authorization": "Bearer stolen"})
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "UNAUTHENTICATED"
    clash = httpx.get(
        f"{fake.url}/calendar/v3/calendars/primary/events",
        params={"syncToken": "e30=", "timeMin": "2026-01-01T00:00:00Z"},
        headers=auth,
    )
    assert clash.status_code == 400 and clash.json()["error"]["code"] == 400
