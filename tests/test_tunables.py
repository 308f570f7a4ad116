"""The workspace settings an operator tunes (`caseyos settings`): how their text is read,
what is refused, and that a new weight reaches every open move's stored score."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from daemon.domain import pipeline, settings, tunables
from daemon.store.models import Move
from tests.store_fixtures import Store
from tests.test_rescoring import NOW, seed


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.create(tmp_path / "w.sqlite3")
    yield s
    await s.close()


async def listed(store: Store) -> dict[str, object]:
    async with store.transaction() as s:
        return {row["key"]: row["value"] for row in await tunables.values(s)}


async def test_values_are_read_as_their_kind_and_stored_where_scoring_reads_them(
    store: Store,
) -> None:
    before = await listed(store)
    assert before["weights.revenue"] == 0.4 and before["icp.industries"] == []
    async with store.transaction() as s:
        await tunables.set_value(s, "weights.urgency", "0.6")
        await tunables.set_value(s, "icp.industries", " Fintech, insurance ")
        await tunables.set_value(s, "icp.max_employees", "500")
        await tunables.set_value(s, "typical_deal_size", "40000")
        # What scoring reads: the weights scaled to one, the profile as one dict.
        cfg = await pipeline.scoring_config(s)
    assert cfg.weights["urgency"] == pytest.approx(0.6 / 1.3)
    assert cfg.icp["industries"] == ["fintech", "insurance"] and cfg.icp["max_employees"] == 500
    assert cfg.typical_deal_size == 40000
    after = await listed(store)
    assert after["weights.urgency"] == 0.6 and after["icp.max_employees"] == 500

    async with store.transaction() as s:
        await tunables.set_value(s, "icp.max_employees", "none")
        await tunables.set_value(s, "weights.urgency", "default")
        await tunables.set_value(s, "icp.industries", "none")
    back = await listed(store)
    assert back["icp.max_employees"] is None and back["weights.urgency"] == 0.3
    assert back["icp.industries"] == []


@pytest.mark.parametrize(
    ("key", "text", "field", "says"),
    [
        ("weights.luck", "1", "key", "no setting 'weights.luck'"),
        ("weights.urgency", "high", "value", "is a number"),
        ("weights.urgency", "-0.1", "value", "at least 0"),
        ("typical_deal_size", "0", "value", "more than 0"),
        ("icp.min_employees", "12.5", "value", "whole number"),
    ],
)
async def test_a_value_that_does_not_fit_is_refused_and_nothing_changes(
    store: Store, key: str, text: str, field: str, says: str
) -> None:
    before = await listed(store)
    async with store.transaction() as s:
        with pytest.raises(tunables.TunableError, match=says) as e:
            await tunables.set_value(s, key, text)
    assert e.value.field == field
    assert await listed(store) == before


async def test_rules_across_settings(store: Store) -> None:
    async with store.transaction() as s:
        for name in ("revenue", "urgency", "strategic"):
            await tunables.set_value(s, f"weights.{name}", "0")
        with pytest.raises(tunables.TunableError, match="at least one of the four weights"):
            await tunables.set_value(s, "weights.effort", "0")
        await tunables.set_value(s, "icp.min_employees", "200")
        with pytest.raises(tunables.TunableError, match=r"min_employees \(200\) is above"):
            await tunables.set_value(s, "icp.max_employees", "50")
        icp = await settings.get(s, "icp")
        assert icp["min_employees"] == 200 and icp["max_employees"] is None


async def test_a_new_weight_rescores_every_open_move_in_the_next_pass(store: Store) -> None:
    await seed(store)
    async with store.transaction() as s:
        await tunables.set_value(s, "weights.urgency", "0.9")
        report = await pipeline.housekeeping(s, NOW)
        moves = (await s.scalars(select(Move))).all()
    assert report["rescored"] == len(moves) > 0
    for m in moves:
        weight = m.aps_breakdown["components"]["urgency"]["weight"]
        assert weight == pytest.approx(0.9 / 1.6, abs=0.001), m.id
