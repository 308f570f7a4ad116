"""nurture: warm contacts left untouched get a check-in; cold, fresh and customers do not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from daemon.domain import settings
from daemon.store.models import Signal
from tests.agents.conftest import NOW, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours

DAY = timedelta(days=1)


async def test_warm_contacts_untouched_for_too_long(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_person(
            s, "Dana Reyes", "Acme", last_inbound_at=NOW - 60 * DAY, last_outbound_at=NOW - 50 * DAY
        )
        erin = await add_person(s, "Erin Cho", "Globex", last_meeting_at=NOW - 50 * DAY)
        # Touched ten days ago.
        await add_person(
            s,
            "Frank Ode",
            "Initech",
            last_inbound_at=NOW - 60 * DAY,
            last_outbound_at=NOW - 10 * DAY,
        )
        # A customer: client_health's.
        await add_person(
            s, "Hana Sato", "Hooli", lifecycle_stage="customer", last_inbound_at=NOW - 60 * DAY
        )
        # Never answered us: not warm.
        await add_person(s, "Ivy Lund", "Umbrella", last_outbound_at=NOW - 60 * DAY)
        # Gone cold long ago.
        await add_person(s, "Jon Berg", "Stark", last_inbound_at=NOW - 500 * DAY)
        dana_id, erin_id = dana.id, erin.id

    await run_pass(store)
    found = {m.contact_id: m for m in await moves(store, "nurture")}
    assert sorted(found) == [dana_id, erin_id]
    assert all(m.move_type == "check_in" for m in found.values())
    assert "untouched for 50 days: you last wrote" in found[dana_id].why_now
    assert "you last met" in found[erin_id].why_now

    await add_signal(
        store,
        "email.received",
        NOW + hours(1),
        "email.received:<dana-back@acme.example>",
        contact_id=dana_id,
        payload={"subject": "Back from leave", "snippet": "Picking this up again"},
    )
    await run_pass(store, NOW + hours(1))
    assert [m.contact_id for m in await moves(store, "nurture")] == [erin_id]
    # The next day's sweep: Dana was touched, nothing new for her.
    await run_pass(store, NOW + DAY)
    assert len(await moves(store, "nurture", status=None)) == 2


async def test_a_disabled_agent_has_no_sweep(store: Store) -> None:
    async with store.transaction() as s:
        await add_person(s, "Dana Reyes", "Acme", last_inbound_at=NOW - 60 * DAY)
        await settings.put(s, "agents.disabled", ["nurture"])
    await run_pass(store)
    async with store.transaction() as s:
        kinds = set(await s.scalars(select(Signal.kind)))
    assert "contact.untouched" not in kinds
