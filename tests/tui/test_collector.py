"""The dashboard's full garbage collections wait for an idle moment: Python's own are off
while it runs (and back when it stops), a due one runs once no key has come for `IDLE`
seconds, and one put off too long runs anyway."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from caseyos_cli.tui import collector as collector_module
from caseyos_cli.tui.app import Dashboard
from caseyos_cli.tui.collector import IDLE, NEVER, OVERDUE, IdleCollector
from tests.conftest import DaemonProcess
from tests.tui.conftest import loaded, until


class Cycle:
    """Garbage only a full collection frees once it has reached the oldest generation."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def collector() -> Iterator[IdleCollector]:
    saved = gc.get_threshold()
    made = IdleCollector()
    made.start()
    yield made
    made.stop()
    assert gc.get_threshold() == saved


def pile_up(collector: IdleCollector, times: float) -> None:
    """Middle-generation passes until `times` Python's usual wait for a full one is up."""
    while collector.waited() < times:
        gc.collect(1)


def old_cycle() -> weakref.ref[Cycle]:
    """A cycle that lives on in the oldest generation after its last reference goes."""
    cycle = Cycle()
    gc.collect(1)  # to the oldest generation
    assert any(o is cycle for o in gc.get_objects(2))
    return weakref.ref(cycle)


def test_start_turns_off_pythons_full_collections_and_stop_restores_them() -> None:
    saved = gc.get_threshold()
    made = IdleCollector()
    made.start()
    try:
        assert gc.get_threshold() == (saved[0], saved[1], NEVER)
        made.start()  # twice changes nothing, and stop still restores the first thresholds
    finally:
        made.stop()
    assert gc.get_threshold() == saved
    assert made.waited() == 0.0 and not made.tick()


def test_a_due_collection_waits_for_the_operator_to_be_idle(
    collector: IdleCollector,
) -> None:
    gc.collect()
    ref = old_cycle()
    pile_up(collector, 1)
    assert 1 <= collector.waited() < OVERDUE
    collector.touched()
    assert not collector.tick(), "a key just came: not now"
    assert ref() is not None, "the full collection waited"
    collector.last_input -= IDLE
    assert collector.tick()
    assert ref() is None, "the full collection freed the old cycle"
    assert collector.waited() < 1 and collector.collections == 1
    assert not collector.tick(), "nothing due right after one"


def test_an_overdue_collection_runs_even_while_keys_keep_coming(
    collector: IdleCollector,
) -> None:
    gc.collect()
    ref = old_cycle()
    pile_up(collector, OVERDUE)
    collector.touched()
    assert collector.tick()
    assert ref() is None


async def test_the_dashboard_collects_when_idle_and_restores_python_on_exit(
    daemon: DaemonProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = gc.get_threshold()
    monkeypatch.setattr(collector_module, "IDLE", 0.0)
    app = Dashboard(start_daemon=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        assert gc.get_threshold()[2] == NEVER
        before = app.collector.last_input
        await pilot.press("down")
        assert app.collector.last_input > before, "a key counts as the operator being here"
        pile_up(app.collector, 1)
        await until(pilot, lambda: app.collector.collections >= 1, "the idle collection")
    assert gc.get_threshold() == saved
