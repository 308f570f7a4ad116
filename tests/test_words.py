"""The words commands and the daemon use: counts, refusals, validation messages, line ends."""

from __future__ import annotations

from typing import Any

import pytest

from caseyos_cli.output import rstrip_line, setting
from daemon.dispatch import validate
from daemon.domain import jobs as job_rows
from daemon.domain import queue
from daemon.errors import InvalidParams
from daemon.registry import load_operations
from daemon.vocabulary import JOB_STATUSES, MOVE_STATUSES, counted, plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "move", "0 moves"),
        (1, "move", "1 move"),
        (2, "new move", "2 new moves"),
        (1204, "company", "1,204 companies"),
        (1, "company", "1 company"),
        (3, "day", "3 days"),
        (2, "match", "2 matches"),
        (2, "business day", "2 business days"),
    ],
)
def test_plural(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_counted_takes_the_plural_noun_of_import_counts() -> None:
    assert counted(1, "companies") == "1 company"
    assert counted(1, "new contacts") == "1 new contact"
    assert counted(5, "messages") == "5 messages"
    assert counted(1, "signals") == "1 signal"


def test_every_open_status_says_what_can_come_next() -> None:
    open_statuses = {s for s, nxt in queue.TRANSITIONS.items() if nxt}
    assert set(queue.NEXT_STEPS) == open_statuses
    assert set(queue.TRANSITIONS) == set(MOVE_STATUSES)


@pytest.mark.parametrize(
    ("status", "to", "expected"),
    [
        ("done", "accepted", "move 7 is done, and that is final: it cannot be accepted"),
        ("dismissed", "done", "move 7 is dismissed, and that is final: it cannot be marked done"),
        ("accepted", "accepted", "move 7 is already accepted; it can be marked done or failed"),
        ("pending", "done", "move 7 is pending, so it cannot be marked done; it can be accepted"),
    ],
)
def test_refusals_say_what_happened(status: str, to: str, expected: str) -> None:
    assert queue.refusal(7, status, to).startswith(expected)
    assert "nothing" not in queue.refusal(7, status, to)


def test_job_statuses_are_the_ones_jobs_take() -> None:
    assert set(JOB_STATUSES) == {job_rows.RUNNING} | job_rows.FINAL


@pytest.mark.parametrize(
    ("op", "params", "field", "message"),
    [
        (
            "queue.list",
            {"status": ["bogus"]},
            "status",
            "status must be one of pending, accepted, done, dismissed, snoozed, failed, "
            "expired or resolved, not 'bogus'",
        ),
        ("queue.list", {"limit": 0}, "limit", "limit must be at least 1, not 0"),
        ("queue.accept", {"id": "seven"}, "id", "id must be a whole number, not 'seven'"),
        ("queue.accept", {}, "id", "id is required"),
        ("queue.add", {"title": ""}, "title", "title must not be empty"),
        ("queue.add", {"title": "x" * 300}, "title", "title takes at most 255 characters"),
        ("jobs.wait", {"id": "a", "timeout": 90}, "timeout", "timeout must be at most 60, not 90"),
        (
            "operator.init",
            {"name": "C", "emails": ["nope"]},
            "emails",
            "emails: 'nope' is not an email address",
        ),
        ("operator.init", {"name": "C", "emails": []}, "emails", "emails needs at least 1 value"),
        ("queue.today", {"colour": "red"}, "colour", "colour is not a parameter of queue.today"),
        (
            "agents.configure",
            {"name": "x", "enabled": "maybe"},
            "enabled",
            "enabled must be true or false, not 'maybe'",
        ),
    ],
)
def test_validation_messages_read_like_a_person_wrote_them(
    op: str, params: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidParams) as caught:
        validate(load_operations()[op], params)
    assert caught.value.field == field
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("plain   ", "plain"),
        ("   ", ""),
        ("a \x1b[1m  \x1b[0m  ", "a"),
        ("\x1b[1mbold\x1b[0m   ", "\x1b[1mbold\x1b[0m"),
        ("\x1b[2mdim   \x1b[0m", "\x1b[2mdim\x1b[0m"),
        ("kept", "kept"),
    ],
)
def test_rstrip_line_keeps_styling_closed(line: str, expected: str) -> None:
    assert rstrip_line(line) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "none"),
        ([], "none"),
        ({}, "none"),
        (True, "yes"),
        (False, "no"),
        (["fintech", "insurance"], "fintech,insurance"),
        ({"opportunity": 2, "customer": 5}, "opportunity=2,customer=5"),
        (3.0, "3"),
        (0.35, "0.35"),
        (25000, "25000"),
        ("mon", "mon"),
    ],
)
def test_settings_and_knobs_show_values_as_set_takes_them(value: Any, shown: str) -> None:
    """`settings list` and `agents show` print a value one way, the way `set` reads it."""
    assert setting(value) == shown
