"""proposal: a deal in the proposal stage with no proposal sent gets one, with its document."""

from __future__ import annotations

from datetime import timedelta

from daemon.domain import settings
from daemon.store.models import Document
from tests.agents.conftest import NOW, add_deal, add_mail, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours

DAY = timedelta(days=1)


def doc(name: str, *, trashed: bool = False, age_days: int = 1) -> Document:
    return Document(
        drive_id=name.replace(" ", "_"),
        name=name,
        mime_type="application/vnd.google-apps.document",
        owners=["casey@northwind.example"],
        modified_at=NOW - timedelta(days=age_days),
        link=f"https://docs.example/{name.replace(' ', '_')}",
        trashed=trashed,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_proposal_due_only_where_none_went_out(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_person(s, "Dana Reyes", "Acme")
        erin = await add_person(s, "Erin Cho", "Globex")
        frank = await add_person(s, "Frank Ode", "Initech")
        hana = await add_person(s, "Hana Sato", "Hooli")
        acme = await add_deal(
            s, "Acme - Expansion", "decisionmakerboughtin", [dana], entered=NOW - 2 * DAY
        )
        # Pricing went out after Globex entered the stage: nothing to do.
        await add_deal(s, "Globex - New", "decisionmakerboughtin", [erin], entered=NOW - 3 * DAY)
        await add_mail(s, erin, "outbound", NOW - DAY, "Pricing for Globex")
        # Closed, and not yet in the proposal stage.
        await add_deal(s, "Initech - Won", "closedwon", [frank], entered=NOW - 2 * DAY)
        await add_deal(s, "Initech - Next", "qualifiedtobuy", [frank], entered=NOW - 2 * DAY)
        # A quote sent before the deal got here is not the proposal.
        hooli = await add_deal(
            s, "Hooli - Pilot", "decisionmakerboughtin", [hana], entered=NOW - DAY
        )
        await add_mail(s, hana, "outbound", NOW - 5 * DAY, "Rough quote")
        # Dana had mail after entry, but none about a proposal.
        await add_mail(s, dana, "outbound", NOW - DAY, "Agenda for Thursday")
        s.add_all(
            [
                doc("Acme proposal (old)", trashed=True, age_days=0),
                doc("Acme notes", age_days=2),
                doc("Acme - Expansion proposal v2", age_days=3),
                doc("Globex pricing", age_days=0),
            ]
        )
        acme_id, hooli_id, dana_id = acme.id, hooli.id, dana.id

    await run_pass(store)
    found = {m.deal_id: m for m in await moves(store, "proposal")}
    assert sorted(found) == [acme_id, hooli_id]
    move = found[acme_id]
    assert move.move_type == "send_proposal" and move.contact_id == dana_id
    assert "entered Decision maker bought in" in move.why_now
    assert "“Acme - Expansion proposal v2”" in move.why_now
    action = move.prepared_action or {}
    assert action["to"] == ["dana@acme.example"]
    assert action["document"]["link"] == "https://docs.example/Acme_-_Expansion_proposal_v2"
    assert "document" not in (found[hooli_id].prepared_action or {})

    await run_pass(store, NOW + hours(1))
    assert len(await moves(store, "proposal", status=None)) == 2, "one move per situation"

    # The proposal goes to Hana; Acme moves on to contract sent.
    await add_signal(
        store,
        "email.sent",
        NOW + hours(2),
        "email.sent:<proposal-hooli@northwind.example>",
        contact_id=found[hooli_id].contact_id,
        payload={"subject": "Hooli pilot: proposal", "snippet": "Attached"},
    )
    await add_signal(
        store,
        "deal.stage_changed",
        NOW + hours(2),
        "deal.stage_changed:acme:contractsent",
        deal_id=acme_id,
        payload={"from": "decisionmakerboughtin", "to": "contractsent"},
    )
    await run_pass(store, NOW + hours(2))
    assert await moves(store, "proposal") == []
    assert {m.status for m in await moves(store, "proposal", status=None)} == {"resolved"}


async def test_which_stages_mean_proposal_is_a_knob(store: Store) -> None:
    async with store.transaction() as s:
        frank = await add_person(s, "Frank Ode", "Initech")
        deal = await add_deal(s, "Initech - Next", "qualifiedtobuy", [frank], entered=NOW - DAY)
        await settings.put(s, "agents.proposal", {"stages": ["qualifiedtobuy"]})
    await run_pass(store)
    assert [m.deal_id for m in await moves(store, "proposal")] == [deal.id]
