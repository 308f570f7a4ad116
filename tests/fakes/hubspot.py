"""A fake HubSpot CRM (v3 objects and search, v4 associations, owners, pipelines).

It speaks HubSpot's documented wire format for exactly the calls the connector makes:

* `POST /crm/v3/objects/{type}/search`: filterGroups (OR of ANDed filters; EQ, NEQ, GT, GTE,
  LT, LTE on the last-modified and create-date properties and `hs_object_id`, IN / NOT_IN
  on `hs_object_id`), one sort, `limit` up to 200 (else 400), `after`, `total`,
  `paging.next.after`, and the cap on how deep one query pages (10,000 at HubSpot,
  `search_cap` here): a request whose after + limit passes it answers 400.
* `GET /crm/v3/objects/{type}` (the list endpoint, paged by id; `archived=true` lists the
  archived records instead) and
  `POST /crm/v3/objects/{type}/batch/read` (up to 100 ids; 207 with `errors` for missing).
* `POST /crm/v4/associations/{from}/{to}/batch/read` (up to 1,000 ids).
* `GET /crm/v3/owners` (paged) and `GET /crm/v3/pipelines/deals`.
* The rate-limit headers on every reply, and 401 for a token not in `tokens`.
* The search index's lag: a record changed with `lagging=True` is left out of searches
  (not of reads by id) until `index_catches_up()`, as HubSpot's search shows a change
  some moments after it is made.

Objects live in memory, indexed by (last-modified ms, id) in a sorted list, so a search is
a bisect plus the page it returns, even with 50,000 contacts. `add` and `update` stamp the
modified time from the fake's clock, which moves one second per change unless `at` is given.

`python -m tests.fakes.hubspot --port N --contacts 50000` serves a generated world in its
own process and prints its URL.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import itertools
import random
import socket
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request

OBJECT_TYPES = ("companies", "contacts", "deals", "tasks", "notes", "emails", "meetings")
MODIFIED = {t: "hs_lastmodifieddate" for t in OBJECT_TYPES} | {"contacts": "lastmodifieddate"}
CREATED = {t: "hs_createdate" for t in OBJECT_TYPES} | {
    "contacts": "createdate",
    "companies": "createdate",
    "deals": "createdate",
}
SINGULAR = {
    "company": "companies",
    "contact": "contacts",
    "deal": "deals",
    "task": "tasks",
    "note": "notes",
    "email": "emails",
    "meeting": "meetings",
}
# HubSpot-defined association type ids (v4), primary first where there is one.
ASSOCIATION_TYPES: dict[tuple[str, str], tuple[int, int | None]] = {
    ("contacts", "companies"): (279, 1),
    ("companies", "contacts"): (280, 2),
    ("deals", "contacts"): (3, None),
    ("contacts", "deals"): (4, None),
    ("deals", "companies"): (341, 5),
    ("companies", "deals"): (342, 6),
}
BASE = datetime(2026, 11, 1, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEARCH_LIMIT_MAX = 200
BATCH_READ_MAX = 100
ASSOCIATIONS_MAX = 1000
IN_VALUES_MAX = 100  # values an IN / NOT_IN filter takes


def ms_of(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def iso(ms: int) -> str:
    moment = EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _error(status: int, message: str, category: str = "VALIDATION_ERROR") -> Reply:
    return status, {
        "status": "error",
        "message": message,
        "correlationId": "00000000-0000-4000-8000-000000000000",
        "category": category,
    }


class _Objects:
    """One object type: records by id, and the sorted (modified, id) index."""

    def __init__(self, object_type: str):
        self.type = object_type
        self.records: dict[int, dict[str, Any]] = {}
        self.modified: dict[int, int] = {}
        self.created: dict[int, int] = {}
        self.index: list[tuple[int, int]] = []
        self.ids: list[int] = []
        # Archived (deleted) records: id -> when, in ms. Only `?archived=true` lists them.
        self.archived: dict[int, int] = {}

    def archive(self, oid: int, at: int) -> None:
        del self.records[oid]
        del self.index[bisect.bisect_left(self.index, (self.modified.pop(oid), oid))]
        del self.ids[bisect.bisect_left(self.ids, oid)]
        self.archived[oid] = at

    def put(self, oid: int, props: dict[str, Any], at: int) -> None:
        if oid in self.records:
            old = (self.modified[oid], oid)
            del self.index[bisect.bisect_left(self.index, old)]
            self.records[oid].update(props)
        else:
            self.records[oid] = dict(props)
            self.created[oid] = at
            bisect.insort(self.ids, oid)
        self.modified[oid] = at
        bisect.insort(self.index, (at, oid))

    def render(self, oid: int, properties: Iterable[str]) -> dict[str, Any]:
        stored = self.records[oid]
        modified, created = self.modified[oid], self.created[oid]
        props: dict[str, Any] = {
            "hs_object_id": str(oid),
            CREATED[self.type]: iso(created),
            MODIFIED[self.type]: iso(modified),
        }
        for name in properties:
            if name in props:
                continue
            value = stored.get(name)
            props[name] = None if value is None else str(value)
        return {
            "id": str(oid),
            "properties": props,
            "createdAt": iso(created),
            "updatedAt": iso(modified),
            "archived": False,
        }


class FakeHubSpot(FakeServer):
    def __init__(
        self,
        *,
        tokens: Iterable[str] | None = ("hs-token",),
        search_cap: int = 10_000,
        rate_max: int = 190,
        rate_interval_ms: int = 10_000,
        daily_max: int = 1_000_000,
        enforce_rate: bool = False,
    ):
        super().__init__()
        self.tokens = set(tokens) if tokens is not None else None
        self.search_cap = search_cap
        self.rate_max, self.rate_interval_ms = rate_max, rate_interval_ms
        self.daily_max, self.enforce_rate = daily_max, enforce_rate
        self._window_start = time.monotonic()
        self._window_count = 0
        self._daily_count = 0
        self.refused = 0  # replies turned into 429 by the rate limit
        self.objects = {t: _Objects(t) for t in OBJECT_TYPES}
        self.links: dict[tuple[str, str], dict[int, dict[int, list[dict[str, Any]]]]] = {}
        self.owners: list[dict[str, Any]] = []
        self.pipelines: list[dict[str, Any]] = []
        self.clock = ms_of(BASE)
        # (object type, id) of changes the search index does not show yet.
        self.unindexed: set[tuple[str, int]] = set()
        self._next_id = itertools.count(1001)
        self.route("POST", r"/crm/v3/objects/(\w+)/search", self._search)
        self.route("POST", r"/crm/v3/objects/(\w+)/batch/read", self._batch_read)
        self.route("GET", r"/crm/v3/objects/(\w+)", self._list)
        self.route("POST", r"/crm/v4/associations/(\w+)/(\w+)/batch/read", self._associations)
        self.route("GET", r"/crm/v3/owners/?", self._owners)
        self.route("GET", r"/crm/v3/pipelines/deals", self._pipelines)
        # What a sign-in checks a token with: the account the token reaches.
        self.route(
            "GET",
            r"/account-info/v3/details",
            lambda r: (200, {"portalId": 4242, "accountType": "STANDARD", "timeZone": "UTC"}),
        )

    # -- the world ------------------------------------------------------------------------

    def tick(self, at: datetime | int | None = None) -> int:
        """The modified time for a change: `at`, or the clock moved on by one second."""
        with self.lock:
            if at is None:
                self.clock += 1000
                return self.clock
            stamp = at if isinstance(at, int) else ms_of(at)
            self.clock = max(self.clock, stamp)
            return stamp

    def add(
        self,
        object_type: str,
        properties: dict[str, Any],
        *,
        at: datetime | int | None = None,
        oid: int | None = None,
        lagging: bool = False,
    ) -> str:
        """A new record; returns its id."""
        with self.lock:
            new_id = oid if oid is not None else next(self._next_id)
            self.objects[object_type].put(new_id, properties, self.tick(at))
            if lagging:
                self.unindexed.add((object_type, new_id))
            return str(new_id)

    def index_catches_up(self) -> None:
        """Searches show every change from now on."""
        with self.lock:
            self.unindexed.clear()

    def update(
        self,
        object_type: str,
        oid: str,
        properties: dict[str, Any],
        *,
        at: datetime | int | None = None,
        lagging: bool = False,
    ) -> None:
        """Change a record, bumping its last-modified time."""
        with self.lock:
            self.objects[object_type].put(int(oid), properties, self.tick(at))
            if lagging:
                self.unindexed.add((object_type, int(oid)))

    def archive(self, object_type: str, oid: str) -> None:
        """Archive (delete) a record: gone from search and reads, listed only as archived."""
        with self.lock:
            self.objects[object_type].archive(int(oid), self.tick())

    def modified(self, object_type: str, oid: str) -> int:
        return self.objects[object_type].modified[int(oid)]

    def associate(
        self, from_type: str, from_id: str, to_type: str, to_id: str, *, primary: bool = False
    ) -> None:
        """Link two records both ways (HubSpot associations are symmetric)."""
        with self.lock:
            for a_type, a_id, b_type, b_id in (
                (from_type, from_id, to_type, to_id),
                (to_type, to_id, from_type, from_id),
            ):
                default, primary_id = ASSOCIATION_TYPES.get((a_type, b_type), (0, None))
                kinds = [{"category": "HUBSPOT_DEFINED", "typeId": default, "label": None}]
                if primary and primary_id is not None:
                    kinds.insert(
                        0, {"category": "HUBSPOT_DEFINED", "typeId": primary_id, "label": "Primary"}
                    )
                table = self.links.setdefault((a_type, b_type), {})
                table.setdefault(int(a_id), {})[int(b_id)] = kinds

    def add_owner(self, first: str, last: str, email: str) -> str:
        oid = str(next(self._next_id))
        stamp = iso(self.clock)
        self.owners.append(
            {
                "id": oid,
                "email": email,
                "type": "PERSON",
                "firstName": first,
                "lastName": last,
                "userId": int(oid) + 7_000_000,
                "userIdIncludingInactive": int(oid) + 7_000_000,
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
                "teams": [],
            }
        )
        return oid

    def add_pipeline(
        self, pid: str, label: str, stages: list[tuple[str, str, float, bool]]
    ) -> None:
        """A deal pipeline; stages are (id, label, probability, closed)."""
        stamp = iso(self.clock)
        self.pipelines.append(
            {
                "id": pid,
                "label": label,
                "displayOrder": len(self.pipelines),
                "archived": False,
                "createdAt": stamp,
                "updatedAt": stamp,
                "stages": [
                    {
                        "id": sid,
                        "label": slabel,
                        "displayOrder": n,
                        "metadata": {"isClosed": str(closed).lower(), "probability": str(prob)},
                        "archived": False,
                        "createdAt": stamp,
                        "updatedAt": stamp,
                        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                    }
                    for n, (sid, slabel, prob, closed) in enumerate(stages)
                ],
            }
        )

    # -- replies --------------------------------------------------------------------------

    def _send(self, h: Any, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Every reply carries HubSpot's rate-limit headers (counted per reply)."""
        with self.lock:
            now = time.monotonic()
            if (now - self._window_start) * 1000 >= self.rate_interval_ms:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            self._daily_count += 1
            remaining = max(0, self.rate_max - self._window_count)
            over = self.enforce_rate and self._window_count > self.rate_max
            self.refused += over
        limits = {
            "X-HubSpot-RateLimit-Daily": str(self.daily_max),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.daily_max - self._daily_count)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(self.rate_interval_ms),
            "X-HubSpot-RateLimit-Max": str(self.rate_max),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
        }
        if over:
            status, body = (
                429,
                {
                    "status": "error",
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": "00000000-0000-4000-8000-000000000000",
                    "policyName": "TEN_SECONDLY_ROLLING",
                },
            )
        # Headers and body go out in two writes; without this the second waits for the
        # client's delayed ACK (40 ms a reply on Linux).
        h.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        FakeServer._send(h, status, body, {**limits, **(headers or {})})

    def _store(self, object_type: str) -> _Objects | None:
        return self.objects.get(SINGULAR.get(object_type, object_type))

    def _search(self, request: Request, object_type: str) -> Reply:
        store = self._store(object_type)
        if store is None:
            return _error(400, f"Unable to infer object type from: {object_type}")
        body = request.json()
        limit = int(body.get("limit", 10))
        after = int(body.get("after") or 0)
        if limit > SEARCH_LIMIT_MAX or limit < 1:
            return _error(400, f"limit must be between 1 and {SEARCH_LIMIT_MAX}")
        if after + limit > self.search_cap:
            return _error(
                400,
                f"There was a problem with the request. The search results are limited to "
                f"{self.search_cap} records per query.",
            )
        sorts = body.get("sorts") or []
        if len(sorts) > 1:
            return _error(400, "only one sort is allowed")
        try:
            with self.lock:
                keys, total = self._matches(
                    store, body.get("filterGroups") or [], sorts, after, limit
                )
                results = [store.render(oid, body.get("properties") or []) for _, oid in keys]
        except ValueError as exc:
            return _error(400, str(exc))
        answer: dict[str, Any] = {"total": total, "results": results}
        if after + len(results) < total:
            nxt = str(after + len(results))
            answer["paging"] = {"next": {"after": nxt, "link": "?after=" + nxt}}
        return 200, answer

    def _matches(
        self,
        store: _Objects,
        groups: list[dict[str, Any]],
        sorts: list[dict[str, Any]],
        after: int,
        limit: int,
    ) -> tuple[list[tuple[int, int]], int]:
        """The page of (modified, id) keys a search answers, and how many match in all."""
        modified = MODIFIED[store.type]
        index = store.index
        if self.unindexed:
            index = [k for k in index if (store.type, k[1]) not in self.unindexed]
        prop = sorts[0].get("propertyName") if sorts else "hs_object_id"
        descending = bool(sorts) and sorts[0].get("direction") == "DESCENDING"
        if prop not in (modified, "hs_object_id"):
            raise ValueError(f"the fake sorts only by {modified} or hs_object_id, not {prop}")
        ranges: list[tuple[int, int]] = []
        loose: set[tuple[int, int]] = set()
        for group in groups or [{"filters": []}]:
            lo, hi = 0, len(index)
            checks = []
            for f in group.get("filters") or []:
                name, op = f.get("propertyName"), f.get("operator")
                if name == modified:
                    value = _ms_value(f.get("value"))
                    lo, hi = _narrow(index, lo, hi, op, value)
                elif name == "hs_object_id":
                    checks.append(_id_check(op, f))
                else:
                    raise ValueError(f"the fake filters only on {modified} and hs_object_id")
            if checks:
                loose.update(k for k in index[lo:hi] if all(c(k[1]) for c in checks))
            elif lo < hi:
                ranges.append((lo, hi))
        ranges = _merge(ranges)
        inside = [k for k in loose if not any(lo <= _pos(index, k) < hi for lo, hi in ranges)]
        total = sum(hi - lo for lo, hi in ranges) + len(inside)
        if prop == "hs_object_id" or descending:
            everything = [index[i] for lo, hi in ranges for i in range(lo, hi)] + inside
            if prop == "hs_object_id":
                everything.sort(key=lambda k: k[1], reverse=descending)
            else:
                everything.sort(reverse=True)
            return everything[after : after + limit], total
        streams: list[Iterator[tuple[int, int]]] = [
            (index[i] for i in range(lo, hi)) for lo, hi in ranges
        ]
        streams.append(iter(sorted(inside)))
        page = list(itertools.islice(heapq.merge(*streams), after, after + limit))
        return page, total

    def _list(self, request: Request, object_type: str) -> Reply:
        store = self._store(object_type)
        if store is None:
            return _error(400, f"Unable to infer object type from: {object_type}")
        limit = int(request.arg("limit", "10") or 10)
        if limit > 100:
            return _error(400, "limit must be at most 100")
        after = int(request.arg("after", "0") or 0)
        props = [p for v in request.query.get("properties", []) for p in v.split(",") if p]
        if request.arg("archived") == "true":
            with self.lock:
                gone = sorted(store.archived.items())
            page = [(oid, at) for oid, at in gone if oid > after][:limit]
            listed: dict[str, Any] = {
                "results": [
                    {
                        "id": str(oid),
                        "properties": {"hs_object_id": str(oid)},
                        "createdAt": iso(store.created[oid]),
                        "updatedAt": iso(at),
                        "archived": True,
                        "archivedAt": iso(at),
                    }
                    for oid, at in page
                ]
            }
            if page and page[-1][0] != gone[-1][0]:
                last = page[-1][0]
                listed["paging"] = {"next": {"after": str(last), "link": f"?after={last}"}}
            return 200, listed
        with self.lock:
            start = bisect.bisect_right(store.ids, after) if after else 0
            ids = store.ids[start : start + limit]
            results = [store.render(oid, props) for oid in ids]
            more = start + limit < len(store.ids)
        answer: dict[str, Any] = {"results": results}
        if more:
            answer["paging"] = {"next": {"after": str(ids[-1]), "link": f"?after={ids[-1]}"}}
        return 200, answer

    def _batch_read(self, request: Request, object_type: str) -> Reply:
        store = self._store(object_type)
        if store is None:
            return _error(400, f"Unable to infer object type from: {object_type}")
        body = request.json()
        inputs = body.get("inputs") or []
        if len(inputs) > BATCH_READ_MAX:
            return _error(400, f"Batch input limit is {BATCH_READ_MAX}")
        found, missing = [], []
        with self.lock:
            for item in inputs:
                oid = int(item["id"])
                if oid in store.records:
                    found.append(store.render(oid, body.get("properties") or []))
                else:
                    missing.append(str(item["id"]))
        stamp = iso(self.clock)
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": found,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"Could not get some {store.type} objects, they may be deleted "
                    "or not exist. Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ]
            return 207, answer
        return 200, answer

    def _associations(self, request: Request, from_type: str, to_type: str) -> Reply:
        a = SINGULAR.get(from_type, from_type)
        b = SINGULAR.get(to_type, to_type)
        if a not in self.objects or b not in self.objects:
            return _error(400, f"Unknown object type {from_type} or {to_type}")
        inputs = request.json().get("inputs") or []
        if len(inputs) > ASSOCIATIONS_MAX:
            return _error(400, f"Batch input limit is {ASSOCIATIONS_MAX}")
        results, missing = [], []
        with self.lock:
            table = self.links.get((a, b), {})
            for item in inputs:
                targets = table.get(int(item["id"]))
                if not targets:
                    missing.append(str(item["id"]))
                    continue
                results.append(
                    {
                        "from": {"id": str(item["id"])},
                        "to": [
                            {"toObjectId": to_id, "associationTypes": kinds}
                            for to_id, kinds in sorted(targets.items())
                        ],
                    }
                )
        stamp = iso(self.clock)
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if missing:
            answer["numErrors"] = len(missing)
            answer["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {b} is associated with {a} {oid}.",
                    "context": {"fromObjectId": [oid]},
                }
                for oid in missing
            ]
            return 207, answer
        return 200, answer

    def _owners(self, request: Request) -> Reply:
        limit = min(int(request.arg("limit", "100") or 100), 500)
        start = int(request.arg("after", "0") or 0)
        page = self.owners[start : start + limit]
        answer: dict[str, Any] = {"results": page}
        if start + limit < len(self.owners):
            answer["paging"] = {"next": {"after": str(start + limit), "link": "?after="}}
        return 200, answer

    def _pipelines(self, request: Request) -> Reply:
        return 200, {"results": self.pipelines}


def _ms_value(value: Any) -> int:
    text = str(value)
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ms_of(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _narrow(index: list[tuple[int, int]], lo: int, hi: int, op: str, value: int) -> tuple[int, int]:
    """Narrow [lo, hi) of the (modified, id) index by one filter on the modified time."""
    first = bisect.bisect_left(index, (value, -1))  # first key at `value`
    past = bisect.bisect_left(index, (value + 1, -1))  # first key after `value`
    if op == "EQ":
        return max(lo, first), min(hi, past)
    if op == "GT":
        return max(lo, past), hi
    if op == "GTE":
        return max(lo, first), hi
    if op == "LT":
        return lo, min(hi, first)
    if op == "LTE":
        return lo, min(hi, past)
    raise ValueError(f"the fake does not filter the modified time with {op}")


def _id_check(op: str, f: dict[str, Any]) -> Any:
    if op in ("IN", "NOT_IN"):
        wanted = {int(v) for v in f.get("values") or []}
        if len(wanted) > IN_VALUES_MAX:
            raise ValueError(f"IN and NOT_IN take at most {IN_VALUES_MAX} values")
        return (lambda i: i in wanted) if op == "IN" else (lambda i: i not in wanted)
    value = int(f.get("value"))
    checks = {
        "EQ": lambda i: i == value,
        "NEQ": lambda i: i != value,
        "GT": lambda i: i > value,
        "GTE": lambda i: i >= value,
        "LT": lambda i: i < value,
        "LTE": lambda i: i <= value,
    }
    if op not in checks:
        raise ValueError(f"the fake does not filter hs_object_id with {op}")
    return checks[op]


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _pos(index: list[tuple[int, int]], key: tuple[int, int]) -> int:
    return bisect.bisect_left(index, key)


# -- a generated world ----------------------------------------------------------------------

OWN_DOMAIN = "northwind.example"
DEFAULT_PIPELINE = [
    ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
    ("qualifiedtobuy", "Qualified To Buy", 0.4, False),
    ("presentationscheduled", "Presentation Scheduled", 0.6, False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, False),
    ("contractsent", "Contract Sent", 0.9, False),
    ("closedwon", "Closed Won", 1.0, True),
    ("closedlost", "Closed Lost", 0.0, True),
]
RENEWALS = [
    ("1001001", "Renewal Due", 0.5, False),
    ("1001002", "Renewed", 1.0, True),
    ("1001003", "Churned", 0.0, True),
]
LIFECYCLE = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"]
INDUSTRIES = ["COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "HOSPITAL_HEALTH_CARE", "LOGISTICS"]
FIRST = ["Dana", "Avery", "Jordan", "Morgan", "Riley", "Quinn", "Sam", "Zoë", "Noor", "Kai"]
LAST = ["Reyes", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Kowalski", "Haddad"]
TASK_STATUSES = ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"]


def generate_world(
    fake: FakeHubSpot,
    *,
    contacts: int = 40,
    companies: int | None = None,
    deals: int | None = None,
    activities: int | None = None,
    seed: int = 7,
) -> dict[str, list[str]]:
    """A deterministic CRM: owners, two deal pipelines, companies, contacts (one company
    each, by primary association), deals on contacts and companies, and per kind of
    activity (tasks, notes, logged emails, meetings) `activities` records linked to a
    contact, its company and sometimes a deal. Returns the ids made, by object type."""
    rng = random.Random(seed)
    companies = companies if companies is not None else max(1, contacts // 4)
    deals = deals if deals is not None else max(1, contacts // 4)
    activities = activities if activities is not None else max(1, contacts // 4)
    owners = [
        fake.add_owner("Casey", "Operator", f"casey@{OWN_DOMAIN}"),
        fake.add_owner("Robin", "Seller", f"robin@{OWN_DOMAIN}"),
    ]
    fake.add_pipeline("default", "Sales Pipeline", DEFAULT_PIPELINE)
    fake.add_pipeline("7654321", "Renewals", RENEWALS)
    made: dict[str, list[str]] = {t: [] for t in OBJECT_TYPES}
    for n in range(companies):
        made["companies"].append(
            fake.add(
                "companies",
                {
                    "name": f"Company {n}",
                    "domain": f"company{n}.example",
                    "industry": rng.choice(INDUSTRIES),
                    "numberofemployees": rng.choice([12, 80, 450, 2300]),
                    "hs_ideal_customer_profile": rng.choice(["tier_1", "tier_2", "tier_3", None]),
                },
            )
        )
    contact_company: dict[str, str] = {}
    for n in range(contacts):
        company = made["companies"][n % companies]
        cid = fake.add(
            "contacts",
            {
                "email": f"person{n}@company{n % companies}.example",
                "firstname": rng.choice(FIRST),
                "lastname": rng.choice(LAST),
                "jobtitle": rng.choice(["VP Sales", "CTO", "Head of Ops", None]),
                "lifecyclestage": rng.choice(LIFECYCLE),
                "hubspot_owner_id": rng.choice(owners),
            },
        )
        fake.associate("contacts", cid, "companies", company, primary=True)
        contact_company[cid] = company
        made["contacts"].append(cid)
    for n in range(deals):
        contact = made["contacts"][(n * 3) % contacts]
        renewal = n % 5 == 4
        pipeline, stages = ("7654321", RENEWALS) if renewal else ("default", DEFAULT_PIPELINE)
        stage = stages[rng.randrange(len(stages))][0]
        entered = fake.clock - rng.randrange(1, 40) * 86_400_000
        close = BASE + timedelta(days=rng.randrange(-20, 90))
        did = fake.add(
            "deals",
            {
                "dealname": f"Company {(n * 3) % contacts % companies} - deal {n}",
                "pipeline": pipeline,
                "dealstage": stage,
                "amount": str(rng.randrange(5, 200) * 1000),
                "deal_currency_code": "USD",
                "closedate": iso(ms_of(close.replace(hour=0, minute=0))),
                "hubspot_owner_id": rng.choice(owners),
                f"hs_date_entered_{stage}": iso(entered),
            },
        )
        fake.associate("deals", did, "contacts", contact)
        fake.associate("deals", did, "companies", contact_company[contact], primary=True)
        made["deals"].append(did)
    for n in range(activities):
        for kind in ("tasks", "notes", "emails", "meetings"):
            n_contact = (n * 7 + len(kind)) % contacts
            contact = made["contacts"][n_contact]
            address = f"person{n_contact}@company{n_contact % companies}.example"
            owner = rng.choice(owners)
            when = BASE + timedelta(hours=rng.randrange(-300, 300))
            props = _activity(kind, n, rng, owner, address, when)
            aid = fake.add(kind, props)
            fake.associate(kind, aid, "contacts", contact)
            fake.associate(kind, aid, "companies", contact_company[contact])
            if made["deals"] and n % 2 == 0:
                fake.associate(kind, aid, "deals", made["deals"][n % len(made["deals"])])
            made[kind].append(aid)
    return made


def _activity(
    kind: str, n: int, rng: random.Random, owner: str, address: str, when: datetime
) -> dict[str, Any]:
    stamp = iso(ms_of(when))
    if kind == "tasks":
        status = rng.choice(TASK_STATUSES)
        return {
            "hs_task_subject": f"Follow up {n}",
            "hs_task_body": f"<p>Check in about <b>item {n}</b></p>",
            "hs_task_status": status,
            "hs_task_priority": rng.choice(["HIGH", "MEDIUM", "LOW", "NONE"]),
            "hs_timestamp": stamp,
            "hs_task_completion_date": stamp if status == "COMPLETED" else None,
            "hubspot_owner_id": owner,
        }
    if kind == "notes":
        return {"hs_note_body": f"<div>Call notes {n}</div>", "hs_timestamp": stamp}
    if kind == "emails":
        incoming = n % 2 == 1
        own = f"casey@{OWN_DOMAIN}"
        return {
            "hs_email_subject": f"Re: proposal {n}",
            "hs_email_text": f"Message body {n}",
            "hs_email_direction": "INCOMING_EMAIL" if incoming else "EMAIL",
            "hs_email_status": "SENT",
            "hs_email_from_email": address if incoming else own,
            "hs_email_to_email": own if incoming else address,
            "hs_email_thread_id": f"thread-{n // 2}",
            "hs_timestamp": stamp,
            "hubspot_owner_id": owner,
        }
    end = iso(ms_of(when + timedelta(minutes=45)))
    return {
        "hs_meeting_title": f"Demo {n}",
        "hs_meeting_body": "Agenda: demo",
        "hs_meeting_start_time": stamp,
        "hs_meeting_end_time": end,
        "hs_meeting_location": "Zoom",
        "hs_meeting_outcome": rng.choice(["SCHEDULED", "COMPLETED", "CANCELED"]),
        "hs_timestamp": stamp,
        "hubspot_owner_id": owner,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake HubSpot with a generated CRM.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--token", default="hs-token")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rate-max",
        type=int,
        default=190,
        help="requests per rate-limit window in the headers (HubSpot Pro: 190 per 10 s); "
        "the connector paces itself by them, so raise it to measure CaseyOS, not the limit",
    )
    parser.add_argument("--interval-ms", type=int, default=10_000)
    args = parser.parse_args(argv)
    fake = FakeHubSpot(
        tokens=[args.token], rate_max=args.rate_max, rate_interval_ms=args.interval_ms
    )
    generate_world(fake, contacts=args.contacts, seed=args.seed)
    fake.serve_forever(args.port)


if __name__ == "__main__":
    main()
