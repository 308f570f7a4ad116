"""client_health: customers who went quiet, complained or wait on us; nobody else."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from agents.client_health import negative
from daemon.domain import detectors, settings
from tests.agents.conftest import NOW, add_person, add_signal, moves, run_pass
from tests.store_fixtures import Store, hours

DAY = timedelta(days=1)


def test_the_negative_phrases() -> None:
    assert negative("We are disappointed with the last release") == "disappoint"
    assert negative("Please CANCEL our   subscription at the end of the term") == "cancel our"
    assert negative("This is frustrating, and honestly unacceptable.") == "frustrat"
    assert negative("We have decided not to renew.") == "not to renew"
    for fine in (
        "Can we cancel Tuesday's call and meet Thursday?",
        "Thanks, the team is happy with the rollout",
        "Unrefundable tickets are booked",  # 'refund' inside a word
        "",
    ):
        assert negative(fine) is None, fine


async def test_customers_at_risk_and_not_the_others(store: Store) -> None:
    async with store.transaction() as s:
        customer = {"lifecycle_stage": "customer"}
        dana = await add_person(
            s,
            "Dana Reyes",
            "Acme",
            last_inbound_at=NOW - 40 * DAY,
            last_outbound_at=NOW - 35 * DAY,
            **customer,
        )
        erin = await add_person(s, "Erin Cho", "Globex", last_inbound_at=NOW - 5 * DAY, **customer)
        frank = await add_person(
            s,
            "Frank Ode",
            "Initech",
            last_inbound_at=NOW - 5 * DAY,
            last_outbound_at=NOW - 4 * DAY,
            **customer,
        )
        # Quiet for as long as Dana, but a prospect: nurture's business, not a risk.
        await add_person(s, "Hana Sato", "Hooli", last_inbound_at=NOW - 40 * DAY)
        ivy = await add_person(
            s, "Ivy Lund", "Umbrella", last_inbound_at=NOW - hours(2), **customer
        )
        ids = dana.id, erin.id, frank.id, ivy.id
    dana_id, erin_id, frank_id, ivy_id = ids
    for key, contact_id, subject, snippet, automated in (
        ("ivy", ivy_id, "Release 4.2", "We are disappointed with 4.2 and looking at others", False),
        ("frank-ooo", frank_id, "Automatic reply: refund", "I am out of office", True),
        ("frank", frank_id, "Tuesday", "Can we cancel Tuesday's call and meet Thursday?", False),
    ):
        await add_signal(
            store,
            "email.received",
            NOW - hours(2),
            f"email.received:<{key}@mail.example>",
            contact_id=contact_id,
            payload={"subject": subject, "snippet": snippet, "automated": automated},
        )

    await run_pass(store)
    found = {m.contact_id: m for m in await moves(store, "client_health")}
    assert sorted(found) == sorted([dana_id, erin_id, ivy_id])
    assert all(m.move_type == "check_in" for m in found.values())
    assert "No mail from Dana for 40 days" in found[dana_id].why_now
    assert "has waited 5 days for an answer" in found[erin_id].why_now
    assert "(says “disappoint”)" in found[ivy_id].why_now

    # Another pass the same day changes nothing.
    await run_pass(store, NOW + hours(1))
    assert len(await moves(store, "client_health", status=None)) == 3

    # Answering Erin settles hers; Dana writing settles her silence.
    await add_signal(
        store, "email.sent", NOW + hours(2), "email.sent:<to-erin@x>", contact_id=erin_id
    )
    await add_signal(
        store,
        "email.received",
        NOW + hours(2),
        "email.received:<from-dana@x>",
        contact_id=dana_id,
        payload={"subject": "Hello again", "snippet": "All good here"},
    )
    await run_pass(store, NOW + hours(2))
    assert [m.contact_id for m in await moves(store, "client_health")] == [ivy_id]


async def test_the_contact_sweeps_read_contacts_once_a_day(store: Store) -> None:
    async with store.transaction() as s:
        await add_person(
            s, "Dana Reyes", "Acme", lifecycle_stage="customer", last_inbound_at=NOW - 40 * DAY
        )
    ny = ZoneInfo("America/New_York")
    reads = []
    for now in (NOW, NOW + hours(3), NOW + DAY):
        async with store.transaction() as s:
            await settings.preload(s)
            with store.counting() as statements:
                await detectors.detect(s, now, ny)
        reads.append(sum("FROM contacts" in q for q in statements))
    # The daily sweeps (client_health's, nurture's, the data checks') read contacts on a
    # day's first pass and not again that day.
    assert reads[0] >= 2 and reads[1:] == [0, reads[0]], reads
