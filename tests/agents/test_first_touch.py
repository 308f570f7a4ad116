"""first_touch: new contacts who fit the ideal customer profile and were never contacted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from daemon.domain import settings
from tests.agents.conftest import NOW, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours

DAY = timedelta(days=1)
ICP = {"titles": [], "industries": ["fintech"], "min_employees": 100, "max_employees": 1000}


async def created(store: Store, contact_id: int, email: str, at: Any = None) -> None:
    """The signal a CRM import makes for a new contact."""
    await add_signal(
        store,
        "contact.created",
        at or NOW - 2 * DAY,
        f"contact.created:{email}",
        contact_id=contact_id,
        payload={"source": "hubspot_csv"},
    )


async def people(store: Store) -> dict[str, int]:
    async with store.transaction() as s:
        made = [
            await add_person(s, "Dana Reyes", "Acme", size=200, lifecycle_stage="lead"),
            await add_person(s, "Erin Cho", "Globex", industry="retail", lifecycle_stage="lead"),
            await add_person(s, "Frank Ode", "Initech", size=20, lifecycle_stage="lead"),
            await add_person(s, "Hana Sato", "Hooli", size=300, last_outbound_at=NOW - DAY),
            await add_person(s, "Ivy Lund", "Umbrella", size=300, lifecycle_stage="lead"),
            await add_person(s, "Jon Berg", "Stark", size=300, lifecycle_stage="customer"),
        ]
        ids = {c.name.split()[0]: c.id for c in made if c.name}
        emails = {c.id: c.email for c in made}
    for name, cid in ids.items():
        # Ivy came into the CRM long ago: not new.
        await created(store, cid, emails[cid], NOW - 90 * DAY if name == "Ivy" else None)
    return ids


async def test_new_contacts_who_fit_and_were_never_contacted(store: Store) -> None:
    async with store.transaction() as s:
        await settings.put(s, "icp", ICP)
    ids = await people(store)
    await run_pass(store)
    found = await moves(store, "first_touch")
    assert [m.contact_id for m in found] == [ids["Dana"]]
    move = found[0]
    assert move.move_type == "first_touch"
    assert "fits your ideal customer profile (fintech, 200 employees)" in move.why_now
    action = move.prepared_action or {}
    assert action["to"] == ["dana@acme.example"] and action["subject"] == "Introduction: Acme"
    assert action["body"].startswith("Hi Dana,") and "fintech companies like Acme" in action["body"]

    await add_signal(
        store, "email.sent", NOW + hours(1), "email.sent:<intro@x>", contact_id=ids["Dana"]
    )
    await run_pass(store, NOW + hours(1))
    assert await moves(store, "first_touch") == []


async def test_no_profile_no_first_touch_and_the_knobs_narrow_it(store: Store) -> None:
    await people(store)
    await run_pass(store)
    assert await moves(store, "first_touch", status=None) == [], "no ICP: fit is unknown"

    async with store.transaction() as s:
        await settings.put(s, "agents.first_touch", {"industries": ["fintech"], "tiers": ["A"]})
        kim = await add_person(s, "Kim Park", "Wayne", tier="A", lifecycle_stage="lead")
        lee = await add_person(s, "Lee Moss", "Oscorp", tier="B", lifecycle_stage="lead")
        kim_id, lee_id = kim.id, lee.id
    await created(store, kim_id, "kim@wayne.example", NOW - DAY)
    await created(store, lee_id, "lee@oscorp.example", NOW - DAY)
    await run_pass(store, NOW + hours(1))
    assert [m.contact_id for m in await moves(store, "first_touch")] == [kim_id]
