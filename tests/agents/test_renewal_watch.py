"""renewal_watch: renewal deals closing within the window, and only those."""

from __future__ import annotations

from datetime import timedelta

from daemon.domain import settings
from tests.agents.conftest import NOW, add_deal, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours

TODAY = NOW.date()
DAY = timedelta(days=1)


async def test_renewals_within_the_window(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_person(s, "Dana Reyes", "Acme", lifecycle_stage="customer")
        erin = await add_person(s, "Erin Cho", "Globex", lifecycle_stage="customer")
        frank = await add_person(s, "Frank Ode", "Initech", lifecycle_stage="customer")
        hana = await add_person(s, "Hana Sato", "Hooli")
        acme = await add_deal(
            s,
            "Acme - 2027",
            "appointmentscheduled",
            [dana],
            entered=NOW - 10 * DAY,
            pipeline="Renewals",
            close_date=TODAY + 30 * DAY,
        )
        # Named a renewal, in the default pipeline, but three months out.
        globex = await add_deal(
            s,
            "Globex renewal",
            "qualifiedtobuy",
            [erin],
            entered=NOW - 10 * DAY,
            close_date=TODAY + 90 * DAY,
        )
        await add_deal(
            s,
            "Initech - Renewal",
            "closedwon",
            [frank],
            entered=NOW - DAY,
            pipeline="Renewals",
            close_date=TODAY + 10 * DAY,
        )
        await add_deal(
            s,
            "Hooli - New business",
            "qualifiedtobuy",
            [hana],
            entered=NOW,
            close_date=TODAY + 10 * DAY,
        )
        # Past its date: deal_health's business, not a renewal to prepare.
        await add_deal(
            s,
            "Initech - Renewal 2026",
            "contractsent",
            [frank],
            entered=NOW - 40 * DAY,
            pipeline="Renewals",
            close_date=TODAY - 5 * DAY,
        )
        acme_id, globex_id, dana_id = acme.id, globex.id, dana.id

    await run_pass(store)
    found = await moves(store, "renewal_watch")
    assert [m.deal_id for m in found] == [acme_id]
    move = found[0]
    assert move.move_type == "renewal" and move.contact_id == dana_id
    assert "up for renewal on" in move.why_now and "in 30 days" in move.why_now

    await run_pass(store, NOW + hours(1))
    assert len(await moves(store, "renewal_watch", status=None)) == 1

    # A wider window takes in Globex.
    async with store.transaction() as s:
        await settings.put(s, "agents.renewal_watch", {"window_days": 120})
    await run_pass(store, NOW + hours(2))
    assert sorted(m.deal_id for m in await moves(store, "renewal_watch")) == [acme_id, globex_id]

    # Moving forward is not the end; winning it is.
    for to in ("contractsent", "closedwon"):
        await add_signal(
            store,
            "deal.stage_changed",
            NOW + hours(3),
            f"deal.stage_changed:acme:{to}",
            deal_id=acme_id,
            payload={"to": to},
        )
        await run_pass(store, NOW + hours(3))
        pending = [m.deal_id for m in await moves(store, "renewal_watch")]
        assert (acme_id in pending) == (to == "contractsent")
