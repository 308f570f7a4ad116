"""Every request the Google connectors send is one Google documents.

The connectors run their first and later syncs (with expired history and sync tokens, and
cancelled events read whole) against the fake; each request the fake logged is then checked
against Google's own discovery documents, shipped inside google-api-python-client: the HTTP
method and path must be a method's under the service's servicePath, and each query
parameter must be one that method declares, or one of the standard parameters every method
takes. A made-up parameter, or a path Google does not have, fails the test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import googleapiclient
import pytest

from tests.fakes.google import NOW, FakeGoogle, generate, parse_stamp
from tests.fakes.server import Request
from tests.google_helpers import calendar, drive, gmail, run

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
SERVICES = ("gmail.v1", "calendar.v3", "drive.v3")


@dataclass
class Method:
    name: str
    http: str
    pattern: re.Pattern[str]
    parameters: frozenset[str]


def _methods(resource: dict[str, Any], prefix: str, common: frozenset[str]) -> list[Method]:
    found = []
    for method in resource.get("methods", {}).values():
        template = method.get("flatPath") or method["path"]
        # "{userId}" is one path segment; "{+name}" may hold slashes.
        regex = re.sub(r"\{\+[^}]+\}", ".+", template)
        regex = re.sub(r"\{[^}]+\}", "[^/]+", regex)
        found.append(
            Method(
                f"{method['id']}",
                method["httpMethod"],
                re.compile(f"^{re.escape(prefix)}{regex}$"),
                frozenset(method.get("parameters", {})) | common,
            )
        )
    for child in resource.get("resources", {}).values():
        found += _methods(child, prefix, common)
    return found


def load_methods() -> list[Method]:
    methods: list[Method] = []
    for service in SERVICES:
        doc = json.loads((DOCUMENTS / f"{service}.json").read_text())
        prefix = "/" + doc["servicePath"]
        methods += _methods(doc, prefix, frozenset(doc.get("parameters", {})))
    return methods


def check(request: Request, methods: list[Method]) -> str | None:
    """What is wrong with the request by Google's documents, or None."""
    matches = [m for m in methods if m.http == request.method and m.pattern.match(request.path)]
    if not matches:
        return f"no Google method is {request.method} {request.path}"
    # Several templates can fit one path (".../messages/{id}" and ".../messages/batchDelete"
    # both fit "/messages/x"); any one that takes every parameter will do.
    for method in matches:
        unknown = set(request.query) - method.parameters
        if not unknown:
            return None
    names = ", ".join(m.name for m in matches)
    return f"{request.method} {request.path}: {sorted(unknown)} not parameters of {names}"


async def _exercise(fake: FakeGoogle) -> None:
    """Every kind of request the connectors make: first syncs, later syncs with changes,
    expired history and sync tokens, bare cancellations, no-change syncs, health checks."""
    mail = await run(gmail(fake), "messages")
    cal = await run(calendar(fake), "primary")
    files = await run(drive(fake), "files")

    fake.add_message(fake.messages[next(iter(fake.messages))].raw)
    weekly = next(e for e in fake.events.values() if "recurrence" in e.resource)
    start = parse_stamp(weekly.resource["start"]["dateTime"]) + timedelta(weeks=1)
    fake.cancel_instance(weekly.resource["id"], start)
    single = next(e for e in fake.events.values() if "recurrence" not in e.resource)
    fake.delete_event(single.resource["id"])
    fake.update_file(next(iter(fake.files)), name="Renamed")
    fake.remove_file(list(fake.files)[1])
    mail = await run(gmail(fake), "messages", mail[-1].cursor)
    cal = await run(calendar(fake), "primary", cal[-1].cursor)
    files = await run(drive(fake), "files", files[-1].cursor)
    await run(drive(fake), "files", files[-1].cursor)

    fake.forget_history()
    fake.expire_sync_tokens()
    await run(gmail(fake), "messages", mail[-1].cursor)
    await run(calendar(fake), "primary", cal[-1].cursor)
    for connector in (gmail(fake), calendar(fake), drive(fake)):
        assert (await connector.health()).ok
        await connector.aclose()


async def test_every_request_the_connectors_send_is_documented_by_google() -> None:
    fake = FakeGoogle(now=NOW)
    generate(fake, messages=30, meetings=6, files=10, seed=5)
    with fake:
        await _exercise(fake)
    methods = load_methods()
    problems = [p for r in fake.requests if (p := check(r, methods))]
    assert problems == []
    used = {
        m.name
        for r in fake.requests
        for m in methods
        if m.http == r.method and m.pattern.match(r.path)
    }
    # The exercise reached every endpoint the connectors use, so all of them were checked.
    assert {
        "gmail.users.getProfile",
        "gmail.users.messages.list",
        "gmail.users.messages.get",
        "gmail.users.history.list",
        "calendar.events.list",
        "calendar.events.get",
        "drive.changes.getStartPageToken",
        "drive.changes.list",
        "drive.files.list",
    } <= used
    assert any(r.arg("syncToken") for r in fake.requests)
    assert any(r.arg("startHistoryId") for r in fake.requests)


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/gmail/v1/users/me/messages", {"q": ["after:1"], "madeUp": ["1"]}),
        ("GET", "/gmail/v1/users/me/history", {"startHistoryId": ["1"], "since": ["1"]}),
        ("GET", "/calendar/v3/calendars/primary/events", {"pageSize": ["10"]}),
        ("GET", "/drive/v3/changes", {"pageToken": ["1"], "maxResults": ["5"]}),
        ("GET", "/gmail/v1/users/me/mail", {}),
        ("POST", "/drive/v3/changes/startPageToken", {}),
    ],
)
def test_the_check_refuses_what_google_does_not_document(
    method: str, path: str, query: dict[str, list[str]]
) -> None:
    request = Request(method, path, query, {}, b"")
    assert check(request, load_methods()) is not None
