"""meeting_follow_up: a recap after an external meeting nobody followed up, and only then."""

from __future__ import annotations

from datetime import timedelta

from daemon.store.models import Contact
from tests.agents.conftest import NOW, add_meeting, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours


async def test_recap_after_an_external_meeting_and_not_for_the_others(store: Store) -> None:
    async with store.transaction() as s:
        dana = await add_person(s, "Dana Reyes", "Acme")
        erin = await add_person(s, "Erin Cho", "Globex", last_outbound_at=NOW - hours(1))
        frank = await add_person(s, "Frank Ode", "Initech")
        robin = Contact(
            email="robin@northwind.example", name="Robin", created_at=NOW, updated_at=NOW
        )
        s.add(robin)
        await s.flush()
        ids = (dana.id, erin.id, frank.id, robin.id)
    dana_id, erin_id, frank_id, robin_id = ids
    me = ("casey@northwind.example", None, "accepted")
    demo = await add_meeting(
        store,
        "Acme demo",
        NOW - hours(3),
        NOW - hours(2),
        [me, ("dana@acme.example", dana_id, "accepted")],
    )
    # We already wrote to Erin after this one.
    await add_meeting(
        store,
        "Answered",
        NOW - hours(5),
        NOW - hours(4),
        [me, ("erin@globex.example", erin_id, "accepted")],
    )
    await add_meeting(
        store,
        "Internal sync",
        NOW - hours(3),
        NOW - hours(2),
        [me, (robin.email, robin_id, "accepted")],
    )
    await add_meeting(
        store,
        "Declined",
        NOW - hours(3),
        NOW - hours(2),
        [me, ("frank@initech.example", frank_id, "declined")],
    )
    await add_meeting(
        store,
        "Cancelled",
        NOW - hours(3),
        NOW - hours(2),
        [me, ("frank@initech.example", frank_id, "accepted")],
        status="cancelled",
    )
    await add_meeting(
        store,
        "Later today",
        NOW + hours(2),
        NOW + hours(3),
        [me, ("frank@initech.example", frank_id, "accepted")],
    )

    await run_pass(store)
    found = await moves(store, "meeting_follow_up")
    assert [m.meeting_id for m in found] == [demo]
    move = found[0]
    assert move.move_type == "meeting_follow_up" and move.contact_id == dana_id
    assert "no email to anyone who came since" in move.why_now
    action = move.prepared_action or {}
    assert action["to"] == ["dana@acme.example"]
    assert action["body"].startswith("Hi Dana,") and "Acme demo" in action["body"]
    assert action["task"]["title"] == "Next step after Acme demo"
    assert move.expires_at == NOW - hours(2) + timedelta(days=7)

    # A second pass finds the same situation: still one move.
    await run_pass(store, NOW + timedelta(minutes=5))
    assert len(await moves(store, "meeting_follow_up", status=None)) == 1

    # Writing to Dana settles it.
    await add_signal(
        store,
        "email.sent",
        NOW + hours(1),
        "email.sent:<recap@northwind.example>",
        contact_id=dana_id,
    )
    await run_pass(store, NOW + hours(1))
    assert await moves(store, "meeting_follow_up") == []
    assert [m.status for m in await moves(store, "meeting_follow_up", status=None)] == ["resolved"]
