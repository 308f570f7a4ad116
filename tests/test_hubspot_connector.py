"""The live HubSpot connector against the fake HubSpot, over real HTTP (no daemon)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.base import OperatorIdentity, SyncBatch
from connectors.http import Api, ApiError, CircuitBreaker, RetryPolicy, StaticToken
from connectors.hubspot import SPEC, HubSpotClient, HubSpotConnector, RatePacer
from connectors.hubspot import cursor as cursor_module
from connectors.live import Endpoints, LiveContext
from tests.fakes import hubspot as fake_module
from tests.fakes.hubspot import OWN_DOMAIN, FakeHubSpot, generate_world, iso, ms_of

TOKEN = "hs-token"
OPERATOR = OperatorIdentity(
    name="Casey Operator", emails=(f"casey@{OWN_DOMAIN}",), internal_domains=(OWN_DOMAIN,)
)
STREAMS = ("companies", "contacts", "deals", "tasks", "notes", "emails", "meetings")
T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


class SwapToken:
    """A token source whose refresh swaps in the next token, counting refreshes."""

    def __init__(self, token: str, after_refresh: str = TOKEN):
        self.token = token
        self.after_refresh = after_refresh
        self.refreshes = 0

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def refresh(self) -> None:
        self.refreshes += 1
        self.token = self.after_refresh


@pytest.fixture
def fake() -> Iterator[FakeHubSpot]:
    server = FakeHubSpot()
    with server:
        yield server


def make(
    fake: FakeHubSpot,
    *,
    tokens: Any = None,
    page_size: int = 100,
    chunk_size: int = 500,
    pacer: RatePacer | None = None,
    now: datetime | None = None,
    sweep_every_ms: int | None = None,
) -> HubSpotConnector:
    api = Api(
        "hubspot",
        fake.url,
        auth=tokens or StaticToken("hubspot", TOKEN),
        policy=RetryPolicy(base=0.01),
        pace=pacer,
    )
    client = HubSpotClient(api, pacer)
    return HubSpotConnector(
        client,
        OPERATOR,
        page_size=page_size,
        chunk_size=chunk_size,
        now=now,
        sweep_every_ms=sweep_every_ms,
    )


async def collect(conn: HubSpotConnector, stream: str, cursor: str | None) -> list[SyncBatch]:
    return [batch async for batch in conn.sync(stream, cursor)]


async def sync_all(
    conn: HubSpotConnector, cursors: dict[str, str | None] | None = None
) -> tuple[SyncBatch, dict[str, str | None], dict[str, list[SyncBatch]]]:
    """Every stream in order from `cursors`; everything merged, the new cursors, the batches."""
    cursors = dict(cursors or {})
    merged = SyncBatch(source="hubspot")
    by_stream: dict[str, list[SyncBatch]] = {}
    try:
        for stream in conn.streams():
            batches = await collect(conn, stream, cursors.get(stream))
            by_stream[stream] = batches
            for batch in batches:
                merged.extend(batch)
            cursors[stream] = batches[-1].cursor
    finally:
        await conn.aclose()
    return merged, cursors, by_stream


def small_world(fake: FakeHubSpot) -> dict[str, str]:
    """A hand-made CRM whose every value the mapping test checks."""
    ids: dict[str, str] = {}
    casey = fake.add_owner("Casey", "Operator", f"casey@{OWN_DOMAIN}")
    robin = fake.add_owner("Robin", "Seller", f"robin@{OWN_DOMAIN}")
    fake.add_pipeline(
        "default",
        "Sales Pipeline",
        [
            ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
            ("contractsent", "Contract Sent", 0.9, False),
            ("closedwon", "Closed Won", 1.0, True),
            ("closedlost", "Closed Lost", 0.0, True),
        ],
    )
    fake.add_pipeline(
        "7654321",
        "Renewals",
        [("1001001", "Renewal Due", 0.5, False), ("1001002", "Signed again", 1.0, True)],
    )
    ids["acme"] = fake.add(
        "companies",
        {
            "name": "Acme Robotics",
            "domain": "www.Acme.example",
            "industry": "COMPUTER_SOFTWARE",
            "numberofemployees": "1,200",
            "hs_ideal_customer_profile": "tier_1",
        },
    )
    ids["nodomain"] = fake.add("companies", {"name": "Mystery Co"})
    ids["dana"] = fake.add(
        "contacts",
        {
            "email": "Dana@Acme.example",
            "firstname": "Dana",
            "lastname": "Reyes",
            "jobtitle": "VP Sales",
            "lifecyclestage": "salesqualifiedlead",
            "hubspot_owner_id": casey,
        },
    )
    ids["lee"] = fake.add(
        "contacts", {"email": "lee@gmail.com", "firstname": "Lee", "hubspot_owner_id": robin}
    )
    ids["noemail"] = fake.add("contacts", {"firstname": "Nobody"})
    fake.associate("contacts", ids["dana"], "companies", ids["acme"], primary=True)
    ids["deal"] = fake.add(
        "deals",
        {
            "dealname": "Acme - Expansion",
            "pipeline": "default",
            "dealstage": "contractsent",
            "amount": "48000",
            "deal_currency_code": "EUR",
            "closedate": "2026-12-15T00:00:00.000Z",
            "hubspot_owner_id": casey,
            "hs_date_entered_contractsent": iso(ms_of(T0)),
            "notes_last_updated": iso(ms_of(T0 + timedelta(hours=2))),
        },
    )
    fake.associate("deals", ids["deal"], "contacts", ids["dana"])
    fake.associate("deals", ids["deal"], "contacts", ids["lee"])
    fake.associate("deals", ids["deal"], "companies", ids["acme"], primary=True)
    ids["renewal"] = fake.add(
        "deals", {"dealname": "Lee renewal", "pipeline": "7654321", "dealstage": "1001002"}
    )
    fake.associate("deals", ids["renewal"], "contacts", ids["lee"])
    ids["task"] = fake.add(
        "tasks",
        {
            "hs_task_subject": "Send  the\n contract",
            "hs_task_body": "<p>Call <b>Dana</b> first</p>",
            "hs_task_status": "IN_PROGRESS",
            "hs_task_priority": "HIGH",
            "hs_timestamp": iso(ms_of(T0 + timedelta(days=2))),
            "hubspot_owner_id": robin,
        },
    )
    for other, oid in (("contacts", ids["dana"]), ("companies", ids["acme"])):
        fake.associate("tasks", ids["task"], other, oid)
    fake.associate("tasks", ids["task"], "deals", ids["deal"])
    ids["note"] = fake.add(
        "notes", {"hs_note_body": "<div>Budget approved</div>", "hs_timestamp": iso(ms_of(T0))}
    )
    fake.associate("notes", ids["note"], "contacts", ids["lee"])
    ids["empty_note"] = fake.add("notes", {"hs_note_body": ""})
    ids["in"] = fake.add(
        "emails",
        {
            "hs_email_subject": "Re: pricing",
            "hs_email_text": "Looks good",
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_status": "SENT",
            "hs_email_from_email": "dana@acme.example",
            "hs_email_from_firstname": "Dana",
            "hs_email_to_email": f"casey@{OWN_DOMAIN}",
            "hs_email_thread_id": "77",
            "hs_timestamp": iso(ms_of(T0)),
        },
    )
    fake.associate("emails", ids["in"], "contacts", ids["dana"])
    ids["out"] = fake.add(
        "emails",
        {
            "hs_email_subject": "Pricing",
            "hs_email_html": "<p>Here is the <i>quote</i></p>",
            "hs_email_direction": "EMAIL",
            "hs_timestamp": iso(ms_of(T0 - timedelta(hours=1))),
            "hubspot_owner_id": casey,
        },
    )
    fake.associate("emails", ids["out"], "contacts", ids["dana"])
    ids["meeting"] = fake.add(
        "meetings",
        {
            "hs_meeting_title": "Acme demo",
            "hs_meeting_start_time": iso(ms_of(T0 + timedelta(days=1))),
            "hs_meeting_end_time": iso(ms_of(T0 + timedelta(days=1, minutes=45))),
            "hs_meeting_location": "Zoom",
            "hs_meeting_outcome": "SCHEDULED",
            "hubspot_owner_id": casey,
        },
    )
    fake.associate("meetings", ids["meeting"], "contacts", ids["dana"])
    fake.associate("meetings", ids["meeting"], "deals", ids["deal"])
    return ids


async def test_full_sync_maps_everything(fake: FakeHubSpot) -> None:
    ids = small_world(fake)
    got, cursors, by_stream = await sync_all(make(fake))

    assert [c.domain for c in got.companies] == ["acme.example"]
    acme = got.companies[0]
    assert (acme.name, acme.industry, acme.size, acme.tier) == (
        "Acme Robotics",
        "Computer Software",
        1200,
        "A",
    )
    assert acme.external_ids == {"hubspot": ids["acme"]}
    assert any(ids["nodomain"] in w for w in got.warnings)

    contacts = {c.email: c for c in got.contacts}
    assert set(contacts) == {"dana@acme.example", "lee@gmail.com"}
    dana = contacts["dana@acme.example"]
    assert (dana.name, dana.title, dana.company_domain, dana.company_name) == (
        "Dana Reyes",
        "VP Sales",
        "acme.example",
        "Acme Robotics",
    )
    assert (dana.lifecycle_stage, dana.owner) == ("salesqualifiedlead", "Casey Operator")
    assert dana.external_ids == {"hubspot": ids["dana"]}
    assert contacts["lee@gmail.com"].company_domain is None  # free mail names no company
    assert any(ids["noemail"] in w for w in got.warnings)

    deals = {d.external_id: d for d in got.deals}
    deal = deals[ids["deal"]]
    assert (deal.name, deal.stage, deal.pipeline, deal.amount, deal.currency) == (
        "Acme - Expansion",
        "contractsent",
        "default",
        48000.0,
        "EUR",
    )
    assert deal.close_date == date(2026, 12, 15)
    assert deal.company_domain == "acme.example"
    assert sorted(deal.contact_emails) == ["dana@acme.example", "lee@gmail.com"]
    assert deal.stage_entered_at == T0
    assert deal.last_activity_at == T0 + timedelta(hours=2)
    renewal = deals[ids["renewal"]]
    # A closed custom stage reads as won or lost, by its probability; the pipeline by label.
    assert (renewal.stage, renewal.pipeline) == ("closedwon", "Renewals")
    created = {s.deal_external_id: s for s in got.signals if s.kind == "deal.created"}
    assert created[ids["renewal"]].payload["stage_label"] == "Signed again"
    assert created[ids["deal"]].payload["owner"] == "Casey Operator"

    (task,) = got.tasks
    assert (task.external_id, task.title, task.status, task.priority) == (
        ids["task"],
        "Send the contract",
        "IN_PROGRESS",
        "HIGH",
    )
    assert task.body == "Call Dana first"
    assert task.due_at == T0 + timedelta(days=2)
    assert (task.owner, task.contact_emails, task.company_domain, task.deal_external_id) == (
        "Robin Seller",
        ["dana@acme.example"],
        "acme.example",
        ids["deal"],
    )
    (note,) = got.notes  # the empty one is left out
    assert (note.external_id, note.body, note.created_at) == (ids["note"], "Budget approved", T0)
    assert note.contact_emails == ["lee@gmail.com"]

    messages = {m.message_id: m for m in got.messages}
    incoming = messages[f"hubspot-email-{ids['in']}@hubspot.generated"]
    assert (incoming.direction, incoming.from_addr, incoming.to) == (
        "inbound",
        "dana@acme.example",
        [f"casey@{OWN_DOMAIN}"],
    )
    assert (incoming.thread_key, incoming.thread_from_source) == ("hubspot-thread-77", True)
    outgoing = messages[f"hubspot-email-{ids['out']}@hubspot.generated"]
    assert (outgoing.direction, outgoing.from_addr, outgoing.to) == (
        "outbound",
        f"casey@{OWN_DOMAIN}",
        ["dana@acme.example"],
    )
    assert outgoing.body == "Here is the quote"
    kinds = sorted(s.kind for s in got.signals if s.kind.startswith("email."))
    assert kinds == ["email.received", "email.sent"]

    (meeting,) = got.meetings
    assert meeting.uid == f"hubspot-meeting-{ids['meeting']}"
    assert (meeting.start_at, meeting.end_at) == (
        T0 + timedelta(days=1),
        T0 + timedelta(days=1, minutes=45),
    )
    assert [a.email for a in meeting.attendees] == [f"casey@{OWN_DOMAIN}", "dana@acme.example"]
    assert meeting.organizer == f"casey@{OWN_DOMAIN}"
    assert [s.kind for s in got.signals if s.meeting_uid == meeting.uid] == ["meeting.booked"]

    for stream in STREAMS:
        last = by_stream[stream][-1]
        assert last.total == last.done
        state = json.loads(cursors[stream] or "")
        assert state["since"] == max(fake.modified(stream, i) for i in fake_ids(fake, stream))
    # Owners and pipelines are read once for the whole sync.
    assert fake.count("GET", "/crm/v3/owners") == 1
    assert fake.count("GET", "/crm/v3/pipelines/deals") == 1


def fake_ids(fake: FakeHubSpot, stream: str) -> list[str]:
    return [str(i) for i in fake.objects[stream].records]


async def test_a_page_costs_a_handful_of_requests_not_one_per_record(fake: FakeHubSpot) -> None:
    generate_world(fake, contacts=200, companies=20, deals=50, activities=100)
    got, _, _ = await sync_all(make(fake))
    assert (len(got.contacts), len(got.deals), len(got.tasks)) == (200, 50, 100)
    # Contacts: 2 pages, each a search, an association read and (first page) a company read.
    searches = fake.count("POST", r"/contacts/search")
    assert searches == 2
    assert fake.count("POST", r"/crm/v4/associations/contacts/companies") == 2
    # Every record's links resolved.
    assert all(c.company_domain for c in got.contacts)
    assert all(d.contact_emails and d.company_domain for d in got.deals)
    assert len(fake.requests) < 60


async def test_incremental_sync_returns_only_what_changed(fake: FakeHubSpot) -> None:
    ids = small_world(fake)
    _, cursors, _ = await sync_all(make(fake))

    fake.update("contacts", ids["lee"], {"jobtitle": "Founder"})
    fake.update(
        "deals",
        ids["deal"],
        {"dealstage": "closedwon", "hs_date_entered_closedwon": iso(ms_of(T0 + timedelta(days=3)))},
    )
    new_task = fake.add("tasks", {"hs_task_subject": "Kickoff", "hs_task_status": "NOT_STARTED"})
    got, cursors, by_stream = await sync_all(make(fake), cursors)

    assert [(c.email, c.title) for c in got.contacts] == [("lee@gmail.com", "Founder")]
    assert [(d.external_id, d.stage, d.stage_entered_at) for d in got.deals] == [
        (ids["deal"], "closedwon", T0 + timedelta(days=3))
    ]
    assert [t.external_id for t in got.tasks] == [new_task]
    assert not (got.companies or got.notes or got.messages or got.meetings)
    assert by_stream["companies"][0].total == 0


async def test_a_sync_with_no_change_is_one_search_per_stream(fake: FakeHubSpot) -> None:
    small_world(fake)
    _, cursors, _ = await sync_all(make(fake))
    before = len(fake.requests)
    got, again, by_stream = await sync_all(make(fake), cursors)
    sent = fake.requests[before:]
    assert [r.path for r in sent] == [f"/crm/v3/objects/{s}/search" for s in STREAMS]
    assert got.size() == 0
    for stream in STREAMS:
        (batch,) = by_stream[stream]
        assert (batch.size(), batch.done, batch.total) == (0, 0, 0)
    assert again == cursors


async def test_a_change_the_search_index_shows_late_is_still_synced(fake: FakeHubSpot) -> None:
    """HubSpot's search shows a change some moments after it is made: a contact edited just
    before a sync, missing from its search while a later edit is found, comes with the
    next sync, and what was sent is not sent again."""
    small_world(fake)
    first = fake.clock + 3_600_000
    _, cursors, _ = await sync_all(make(fake, now=datetime.fromtimestamp(first / 1000, UTC)))
    assert "settled" not in json.loads(cursors["contacts"] or "{}")  # a quiet CRM: plain cursor

    late = fake.add("contacts", {"email": "late@acme.example"}, at=first + 60_000, lagging=True)
    fake.add("contacts", {"email": "early@acme.example"}, at=first + 90_000)
    now = datetime.fromtimestamp((first + 100_000) / 1000, UTC)
    got, cursors, _ = await sync_all(make(fake, now=now), cursors)
    assert [c.email for c in got.contacts] == ["early@acme.example"]

    fake.index_catches_up()
    later = now + timedelta(minutes=15)
    got, cursors, _ = await sync_all(make(fake, now=later), cursors)
    assert [c.email for c in got.contacts] == ["late@acme.example"]
    assert fake.objects["contacts"].records[int(late)]["email"] == "late@acme.example"

    # Once the lag has passed, the cursor is plain again and a sync is one cheap search.
    got, cursors, _ = await sync_all(make(fake, now=later + timedelta(minutes=15)), cursors)
    assert got.size() == 0
    assert "sent" not in json.loads(cursors["contacts"] or "{}")


async def test_archived_records_come_as_gone_when_a_sweep_is_due(fake: FakeHubSpot) -> None:
    ids = small_world(fake)
    start = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    hourly = 3_600_000
    _, cursors, by_stream = await sync_all(make(fake, now=start, sweep_every_ms=hourly))
    assert not any(b.gone for batches in by_stream.values() for b in batches)  # none archived

    fake.archive("deals", ids["deal"])
    fake.archive("contacts", ids["lee"])
    # Within the hour nothing is listed: the archived list is read only when a sweep is due.
    before = len(fake.requests)
    got, cursors, _ = await sync_all(
        make(fake, now=start + timedelta(minutes=30), sweep_every_ms=hourly), cursors
    )
    assert not got.gone and all(r.path.endswith("/search") for r in fake.requests[before:])

    got, cursors, by_stream = await sync_all(
        make(fake, now=start + timedelta(hours=2), sweep_every_ms=hourly), cursors
    )
    assert sorted((g.entity, g.system, g.external_id) for g in got.gone) == [
        ("contact", "hubspot", ids["lee"]),
        ("deal", "hubspot", ids["deal"]),
    ]
    archived_reads = [r for r in fake.requests if r.query.get("archived") == ["true"]]
    assert {r.path for r in archived_reads} == {
        f"/crm/v3/objects/{t}" for t in ("companies", "contacts", "deals", "tasks", "notes")
    }


async def test_a_long_archived_list_is_paged_and_chunked(fake: FakeHubSpot) -> None:
    made = [
        fake.add("notes", {"hs_note_body": f"n{i}", "hs_timestamp": iso(fake.clock)})
        for i in range(250)
    ]
    for oid in made:
        fake.archive("notes", oid)
    conn = make(fake, sweep_every_ms=0, chunk_size=100)
    try:
        batches = await collect(conn, "notes", None)
    finally:
        await conn.aclose()
    assert [len(b.gone) for b in batches] == [100, 100, 50]
    assert sorted(g.external_id for b in batches for g in b.gone) == sorted(made)
    # Only the last batch says the sweep is done: one cut short is swept again.
    assert "swept" not in json.loads(batches[0].cursor or "{}")
    assert "swept" in json.loads(batches[-1].cursor or "{}")


def test_the_ids_kept_for_a_late_index_are_bounded() -> None:
    from connectors.hubspot.cursor import INDEX_LAG_MS, MAX_SENT, Watermark

    mark = Watermark.load(None)
    now = 1_700_000_000_000
    mark.begin(now)
    for n in range(MAX_SENT + 500):
        mark.advance(str(n), now - INDEX_LAG_MS + n)
    data = json.loads(mark.dump())
    assert len(data["sent"]) == MAX_SENT
    # The oldest fell out, and the look-back starts at the oldest still listed.
    assert data["settled"] == now - INDEX_LAG_MS + 500
    again = Watermark.load(mark.dump())
    again.begin(now + 1000)
    assert again.since == data["settled"]
    assert not again.fresh("600", now - INDEX_LAG_MS + 600)
    assert again.fresh("new", now - INDEX_LAG_MS + 600)


async def test_the_search_cap_is_never_reached(fake: FakeHubSpot) -> None:
    fake.search_cap = 300
    generate_world(fake, contacts=700, companies=10, deals=1, activities=1)
    got, _, _ = await sync_all(make(fake, page_size=100))
    assert sorted(c.email for c in got.contacts) == sorted(
        str(fake.objects["contacts"].records[int(i)]["email"]) for i in fake_ids(fake, "contacts")
    )
    assert len(got.contacts) == 700
    # The fake does refuse to page one query past its cap, as HubSpot does past 10,000.
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        deep = await http.post(
            f"{fake.url}/crm/v3/objects/contacts/search", json={"limit": 100, "after": "250"}
        )
        assert deep.status_code == 400
        assert "300" in deep.json()["message"]


async def test_ties_at_the_watermark_are_neither_lost_nor_repeated(fake: FakeHubSpot) -> None:
    """Records sharing one modified millisecond, cut across pages and batches."""
    same = T0
    first = [fake.add("contacts", {"email": f"a{n}@x.example"}, at=same) for n in range(5)]
    _, cursors, _ = await sync_all(make(fake, page_size=2, chunk_size=1))
    # More arrive at the very same millisecond, and after it.
    later = [fake.add("contacts", {"email": f"b{n}@x.example"}, at=same) for n in range(3)]
    later.append(fake.add("contacts", {"email": "c@x.example"}, at=same + timedelta(seconds=1)))
    got, _, _ = await sync_all(make(fake, page_size=2, chunk_size=1), cursors)
    assert sorted(c.external_ids["hubspot"] for c in got.contacts) == sorted(later)
    assert len(first) == 5


async def test_more_ties_than_a_filter_can_list_are_walked_by_id(
    fake: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor_module, "MAX_SEEN", 3)
    monkeypatch.setattr(fake_module, "IN_VALUES_MAX", 3)
    before = fake.add("contacts", {"email": "early@x.example"}, at=T0 - timedelta(seconds=1))
    tied = [fake.add("contacts", {"email": f"t{n}@x.example"}, at=T0) for n in range(9)]
    after = fake.add("contacts", {"email": "late@x.example"}, at=T0 + timedelta(seconds=1))
    conn = make(fake, page_size=2, chunk_size=1)
    batches = await collect(conn, "contacts", None)
    await conn.aclose()
    sent = [c.external_ids["hubspot"] for b in batches for c in b.contacts]
    assert sorted(sent) == sorted([before, *tied, after])
    assert len(sent) == len(set(sent))
    # Every batch's cursor resumes to exactly what had not been sent, give or take the
    # few ties sent before the walk by id began.
    for n, batch in enumerate(batches):
        rest = {c.external_ids["hubspot"] for b in batches[n + 1 :] for c in b.contacts}
        conn = make(fake, page_size=2, chunk_size=1)
        resumed = await collect(conn, "contacts", batch.cursor)
        await conn.aclose()
        got = {c.external_ids["hubspot"] for b in resumed for c in b.contacts}
        assert rest <= got
        assert got - rest <= set(tied)


async def test_resuming_from_each_batch_cursor_yields_exactly_the_rest(fake: FakeHubSpot) -> None:
    generate_world(fake, contacts=23, companies=4, deals=6, activities=5)
    conn = make(fake, page_size=5, chunk_size=1)
    batches = await collect(conn, "contacts", None)
    await conn.aclose()
    assert len(batches) == 5
    assert [b.done for b in batches] == [5, 10, 15, 20, 23]
    assert all(b.total == 23 for b in batches)
    for n, batch in enumerate(batches):
        rest = [c.email for b in batches[n + 1 :] for c in b.contacts]
        conn = make(fake, page_size=5, chunk_size=1)
        resumed = await collect(conn, "contacts", batch.cursor)
        await conn.aclose()
        assert [c.email for b in resumed for c in b.contacts] == rest


async def test_edits_during_a_sync_lose_nothing(fake: FakeHubSpot) -> None:
    """A record edited while the sync pages moves to the end; nothing slides past a page."""
    made = generate_world(fake, contacts=30, companies=3, deals=1, activities=1)["contacts"]
    conn = make(fake, page_size=5, chunk_size=1)
    seen: list[str] = []
    async for batch in conn.sync("contacts", None):
        seen += [c.external_ids["hubspot"] for c in batch.contacts]
        if len(seen) == 10:
            fake.update("contacts", made[0], {"jobtitle": "Edited"})
            fake.update("contacts", made[3], {"jobtitle": "Edited"})
    await conn.aclose()
    assert set(seen) == set(made)
    assert seen[-2:] == [made[0], made[3]]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "headers": {"Retry-After": "0"}},
        {"status": 500},
        {"garbage": True},
        {"drop": True},
    ],
    ids=["429", "500", "garbage", "dropped"],
)
async def test_trouble_once_then_success(fake: FakeHubSpot, fault: dict[str, Any]) -> None:
    small_world(fake)
    fake.fail(path=r"/contacts/search$", method="POST", **fault)
    conn = make(fake)
    batches = await collect(conn, "contacts", None)
    await conn.aclose()
    assert len([c for b in batches for c in b.contacts]) == 2
    assert fake.count("POST", r"/contacts/search$") == 2


async def test_retry_after_is_honoured(fake: FakeHubSpot) -> None:
    small_world(fake)
    fake.fail(path=r"/companies/search$", status=429, headers={"Retry-After": "1"})
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    api = Api("hubspot", fake.url, auth=StaticToken("hubspot", TOKEN), sleep=sleep)
    conn = HubSpotConnector(HubSpotClient(api), OPERATOR)
    batches = await collect(conn, "companies", None)
    await conn.aclose()
    assert waits == [1.0]
    assert [c.domain for b in batches for c in b.companies] == ["acme.example"]


async def test_a_refused_token_is_refreshed_once(fake: FakeHubSpot) -> None:
    small_world(fake)
    tokens = SwapToken("expired")
    got, _, _ = await sync_all(make(fake, tokens=tokens))
    assert tokens.refreshes == 1
    assert len(got.contacts) == 2
    assert all(r.token in (None, "expired", TOKEN) for r in fake.requests)
    assert not any("expired" in json.dumps(r.headers) for r in fake.requests)


async def test_a_token_refused_after_refresh_needs_login(fake: FakeHubSpot) -> None:
    small_world(fake)
    conn = make(fake, tokens=SwapToken("expired", after_refresh="still-wrong"))
    with pytest.raises(ApiError, match="auth login hubspot"):
        await collect(conn, "companies", None)
    await conn.aclose()


async def test_pacing_waits_before_the_rate_limit_is_hit() -> None:
    server = FakeHubSpot(rate_max=6, rate_interval_ms=150, enforce_rate=True)
    with server:
        small_world(server)
        pacer = RatePacer(reserve=2)
        got, _, _ = await sync_all(make(server, pacer=pacer))
    assert len(got.contacts) == 2
    assert pacer.pauses and all(p == 0.15 for p in pacer.pauses)
    # Never refused: the connector slowed down instead.
    assert server.refused == 0
    assert len(got.deals) == 2


async def test_a_used_up_day_stops_the_sync(fake: FakeHubSpot) -> None:
    small_world(fake)
    fake.daily_max = 1
    conn = make(fake, pacer=RatePacer())
    with pytest.raises(ApiError, match="daily"):
        await sync_all(conn)
    assert len(fake.requests) == 1


async def test_the_spec_builds_a_working_connector(fake: FakeHubSpot) -> None:
    small_world(fake)
    ctx = LiveContext(
        operator=OPERATOR,
        endpoints=Endpoints(hubspot=fake.url),
        tokens=StaticToken("hubspot", TOKEN),
        breaker=CircuitBreaker(),
        now=T0,
        settings={"search_per_second": 0},
    )
    conn = SPEC.build(ctx)
    assert (SPEC.name, SPEC.service, SPEC.every) == ("hubspot", "hubspot", 900)
    assert list(conn.streams()) == list(STREAMS)
    assert (conn.auth, conn.read_ahead) == ("hubspot", True)
    assert (await conn.health()).ok
    assert isinstance(conn, HubSpotConnector)
    got, _, _ = await sync_all(conn)
    assert len(got.deals) == 2


async def test_a_cursor_from_elsewhere_asks_for_a_full_sync(fake: FakeHubSpot) -> None:
    conn = make(fake)
    with pytest.raises(Exception, match="full sync"):
        await collect(conn, "contacts", '{"v": 99}')
    await conn.aclose()


async def test_the_fake_pages_lists_and_refuses_what_hubspot_refuses(fake: FakeHubSpot) -> None:
    made = generate_world(fake, contacts=12, companies=2, deals=1, activities=1)["contacts"]
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        listed: list[str] = []
        params: dict[str, str] = {"limit": "5", "properties": "email", "archived": "false"}
        while True:
            page = (await http.get(f"{fake.url}/crm/v3/objects/contacts", params=params)).json()
            listed += [r["id"] for r in page["results"]]
            assert all(r["properties"]["email"] for r in page["results"])
            after = page.get("paging", {}).get("next", {}).get("after")
            if not after:
                break
            params["after"] = after
        assert listed == made
        big = await http.post(f"{fake.url}/crm/v3/objects/contacts/search", json={"limit": 201})
        assert big.status_code == 400
        partial = await http.post(
            f"{fake.url}/crm/v3/objects/contacts/batch/read",
            json={"inputs": [{"id": made[0]}, {"id": "999999"}], "properties": ["email"]},
        )
        assert partial.status_code == 207
        assert partial.json()["errors"][0]["context"]["ids"] == ["999999"]
        assert "X-HubSpot-RateLimit-Remaining" in partial.headers
        refused = await http.get(
            f"{fake.url}/crm/v3/owners", headers={"Authorization": "Bearer nope"}
        )
        assert refused.status_code == 401


def test_stages_read_as_the_csv_import_reads_them() -> None:
    from connectors.hubspot.mapping import Lookups

    lookups = Lookups()
    lookups.add_pipelines(
        [
            {
                "id": "default",
                "label": "Sales Pipeline",
                "stages": [
                    {"id": "qualifiedtobuy", "label": "Qualified To Buy", "metadata": {}},
                    {
                        "id": "closedlost",
                        "label": "Closed Lost",
                        "metadata": {"isClosed": "true", "probability": "0.0"},
                    },
                ],
            },
            {
                "id": "88",
                "label": "Enterprise",
                "stages": [
                    {"id": "881", "label": "Security Review", "metadata": {"isClosed": "false"}},
                    {
                        "id": "882",
                        "label": "Won - signed",
                        "metadata": {"isClosed": "true", "probability": "1.0"},
                    },
                ],
            },
        ]
    )
    got = {sid: (s.key, s.pipeline) for sid, s in lookups.stages.items()}
    assert got == {
        "qualifiedtobuy": ("qualifiedtobuy", "default"),
        "closedlost": ("closedlost", "default"),
        "881": ("securityreview", "Enterprise"),
        "882": ("closedwon", "Enterprise"),
    }


def test_the_cursor_is_small_json() -> None:
    from connectors.hubspot.cursor import Watermark

    mark = Watermark.load(None)
    mark.advance("12", 1_700_000_000_000)
    mark.advance("9", 1_700_000_000_000)
    assert json.loads(mark.dump()) == {"v": 1, "since": 1_700_000_000_000, "seen": ["9", "12"]}
    groups, sorts = Watermark.load(mark.dump()).query("lastmodifieddate")
    at = "1700000000000"
    assert groups == [
        {"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": at}]},
        {
            "filters": [
                {"propertyName": "lastmodifieddate", "operator": "EQ", "value": at},
                {"propertyName": "hs_object_id", "operator": "NOT_IN", "values": ["9", "12"]},
            ]
        },
    ]
    assert sorts == [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
