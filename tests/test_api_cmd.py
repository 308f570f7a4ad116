"""`caseyos api list` and `api events` as text: every name, and nothing past 80 columns."""

from __future__ import annotations

from caseyos_cli.commands.api_cmd import render_events, render_operations
from daemon.event_types import EVENTS
from daemon.ops.system_ops import api_description, events_description
from daemon.registry import load_operations


def test_api_list_shows_tool_names_and_exposure_within_80_columns() -> None:
    ops = load_operations()
    lines = render_operations(api_description().model_dump(mode="json"))
    assert max(len(line) for line in lines) <= 80
    headings = {line.split()[0]: line.split()[1:] for line in lines if not line.startswith(" ")}
    assert set(headings) == set(ops)
    assert headings["queue.today"] == ["read", "queue_today", "cli,mcp,llm"]
    assert headings["system.status"] == ["read", "system_status", "cli,mcp"]
    assert headings["system.stop"] == ["local", "system_stop", "cli"]
    assert "    params: id until" in lines


def test_api_events_lists_the_catalogue_within_80_columns() -> None:
    lines = render_events(events_description().model_dump(mode="json"))
    assert max(len(line) for line in lines) <= 80
    assert {line for line in lines if not line.startswith(" ")} == set(EVENTS)
    assert "    data: id kind title workspace status phase done total error" in lines
