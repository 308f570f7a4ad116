"""duplicate_watcher on a small imported workspace: one person at a company and on free
mail, two addresses at one company, one address in two letter cases, one company under two
domains are merge proposals; namesakes at different companies are not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.domain import queue
from daemon.store.models import Contact, Move
from tests.data_agents import agent_pass, contact_ids, import_file, moves
from tests.mailfixtures import write_contacts_csv
from tests.store_fixtures import Store

NOW = datetime(2026, 11, 25, 15, tzinfo=UTC)
AGENT = "duplicate_watcher"
PEOPLE = [
    ("Jane", "Doe", "jane@acme.example", "Acme"),
    ("Jane", "Doe", "jane.doe@gmail.com", ""),
    ("Lee", "Chan", "lee@acme.example", "Acme"),
    ("Lee", "Chan", "lchan@acme.example", "Acme"),
    # Three people who share a name: two companies, so the free-mail one is nobody's twin.
    ("John", "Smith", "john@globex.example", "Globex"),
    ("John", "Smith", "john@initech.example", "Initech"),
    ("John", "Smith", "jsmith@gmail.com", ""),
    ("Ana", "Ruiz", "ana@umbrella.example", "Umbrella"),
    ("Ben", "Ode", "ben@umbrella.io", "Umbrella"),
    ("Ben", "Ode", "ben@hooli.example", "Hooli"),
]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    rows = [
        {"Record ID": str(i), "First Name": f, "Last Name": la, "Email": e}
        | ({"Company Name": c} if c else {})
        for i, (f, la, e, c) in enumerate(PEOPLE, 1)
    ]
    await import_file(s, write_contacts_csv(tmp_path / "contacts.csv", rows), NOW)
    yield s
    await s.close()


async def test_merge_proposals_for_one_person_or_company_kept_twice(store: Store) -> None:
    ids = await contact_ids(store)
    # Importers lower-case addresses, but a row written by another tool may not be.
    async with store.transaction() as s:
        s.add(Contact(email="Ana@Umbrella.example", name=None, created_at=NOW, updated_at=NOW))
    await agent_pass(store, NOW)
    ids = await contact_ids(store)
    found = {m.title: m for m in await moves(store, AGENT)}
    assert set(found) == {
        "Merge the 2 records of Jane Doe",
        "Merge the 2 records of Lee Chan",
        "Merge the 2 records of Ana Ruiz",
        "Merge the 2 records of Umbrella",
    }
    jane = found["Merge the 2 records of Jane Doe"]
    assert jane.move_type == "data_fix"
    # The company address is kept; the free-mail one is merged into it.
    assert jane.prepared_action == {
        "type": "merge_contacts",
        "keep": ids["jane@acme.example"],
        "merge": [ids["jane.doe@gmail.com"]],
    }
    assert "same name at the company and on free mail" in jane.why_now
    lee = found["Merge the 2 records of Lee Chan"]
    assert lee.prepared_action == {
        "type": "merge_contacts",
        "keep": ids["lee@acme.example"],
        "merge": [ids["lchan@acme.example"]],
    }
    cased = found["Merge the 2 records of Ana Ruiz"]
    assert "different letter case" in cased.why_now
    assert cased.prepared_action == {
        "type": "merge_contacts",
        "keep": ids["ana@umbrella.example"],
        "merge": [ids["Ana@Umbrella.example"]],
    }
    umbrella = found["Merge the 2 records of Umbrella"]
    assert umbrella.prepared_action is not None
    assert umbrella.prepared_action["type"] == "merge_companies"
    assert "umbrella.example, umbrella.io" in umbrella.why_now
    assert umbrella.company_id == umbrella.prepared_action["keep"]
    # The John Smiths and the Ben Odes work at different companies: no move names them.
    assert not {
        ids[e] for e in ("john@globex.example", "jsmith@gmail.com", "ben@hooli.example")
    } & {m.contact_id for m in found.values()}


async def test_the_same_duplicates_are_one_move_until_merged(store: Store) -> None:
    await agent_pass(store, NOW)
    await agent_pass(store, NOW + timedelta(days=1))  # the check runs again: same moves
    assert len(await moves(store, AGENT)) == 3
    ids = await contact_ids(store)
    async with store.transaction() as s:  # the operator merges Lee's records
        gone = await s.get(Contact, ids["lchan@acme.example"])
        await s.delete(gone)
    await agent_pass(store, NOW + timedelta(days=2))
    assert {m.title for m in await moves(store, AGENT)} == {
        "Merge the 2 records of Jane Doe",
        "Merge the 2 records of Umbrella",
    }
    async with store.transaction() as s:
        lee = await s.scalar(
            select(Move).where(Move.agent == AGENT, Move.contact_id == ids["lee@acme.example"])
        )
        assert lee is not None and lee.status == queue.RESOLVED
