"""Where a HubSpot stream resumes: a last-modified watermark and the ids already sent at it.

Every page is a fresh search from the watermark ("keyset" paging) rather than the next
offset of one long query: offsets drift when records are edited during a sync (an edited
record jumps to the end and the one behind it slides onto a page already read, and is
lost), and one query stops at HubSpot's 10,000-result cap. A fresh query per page costs
the same number of requests and has neither problem.

The cursor, as JSON: `{"v": 1, "since": <ms>, "seen": ["<id>", ...]}` means every record
last modified before `since` has been sent, and so have those at exactly `since` whose ids
are in `seen`. The next search asks for `modified > since OR (modified = since AND id NOT
IN seen)`, so a sync with no change finds nothing (total 0) and boundary records are not
sent twice. More than `MAX_SEEN` records at one millisecond (a bulk update) cannot be
listed in a filter; the stream then walks that millisecond by record id:
`{"v": 1, "since": <ms>, "tie": "<id>"}` means the records at `since` with ids up to `tie`
are sent too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import ConnectorError

VERSION = 1
# HubSpot takes at most 100 values in an IN / NOT_IN filter.
MAX_SEEN = 100
ID = "hs_object_id"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Watermark:
    since: int = 0
    seen: set[str] = field(default_factory=set)
    # Walking the records at `since` by id: the last id sent (0 before the first).
    tie: int | None = None
    # Ids at `since` sent in this run before the walk by id began (not in the cursor: after
    # a resume in the middle of a walk those few are sent again, and upsert harmlessly).
    recent: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, cursor: str | None) -> Watermark:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            if data.get("v") != VERSION:
                raise ValueError("unknown version")
            tie = data.get("tie")
            return cls(
                since=int(data["since"]),
                seen={str(i) for i in data.get("seen", [])},
                tie=int(tie) if tie is not None else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConnectorError(
                f"hubspot: the stored sync position {cursor[:80]!r} is not one this version "
                "reads; run a full sync (`--full`)"
            ) from exc

    def dump(self) -> str:
        data: dict[str, Any] = {"v": VERSION, "since": self.since}
        if self.tie is not None:
            data["tie"] = str(self.tie)
        else:
            data["seen"] = sorted(self.seen, key=_id_order)
        return json.dumps(data, separators=(",", ":"))

    def query(self, modified: str) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """The search's filterGroups and sorts for the records after this watermark."""
        since = str(self.since)
        if self.tie is not None:
            groups = [
                [
                    _filter(modified, "EQ", since),
                    _filter(ID, "GT", str(self.tie)),
                ]
            ]
            return _groups(groups), [{"propertyName": ID, "direction": "ASCENDING"}]
        sorts = [{"propertyName": modified, "direction": "ASCENDING"}]
        if not self.seen:
            return _groups([[_filter(modified, "GTE", since)]]), sorts
        not_seen = {
            "propertyName": ID,
            "operator": "NOT_IN",
            "values": sorted(self.seen, key=_id_order),
        }
        groups = [[_filter(modified, "GT", since)], [_filter(modified, "EQ", since), not_seen]]
        return _groups(groups), sorts

    def fresh(self, record_id: str, modified: int) -> bool:
        """Whether a record found by the search has not been sent yet (the filters make
        this true; it guards against a server that ignores part of them)."""
        if modified < self.since:
            return False
        if modified == self.since:
            if self.tie is not None:
                return _id_order(record_id) > self.tie and record_id not in self.recent
            return record_id not in self.seen
        return True

    def advance(self, record_id: str, modified: int) -> None:
        """Note a record as sent; records come in the order `query` sorts them."""
        if self.tie is not None:
            self.tie = max(self.tie, _id_order(record_id))
            return
        if modified > self.since:
            self.since = modified
            self.seen = {record_id}
        elif modified == self.since:
            self.seen.add(record_id)

    def settle(self, exhausted: bool) -> None:
        """After a page: start walking a millisecond by id once too many records share it,
        and leave that walk (past the millisecond) when its last page has been read."""
        if self.tie is None and len(self.seen) > MAX_SEEN:
            if exhausted:
                # Everything at `since` has been read: the next search starts after it.
                self.since += 1
                self.seen = set()
                return
            self.tie, self.recent, self.seen = 0, self.seen, set()
        elif self.tie is not None and exhausted:
            self.since += 1
            self.tie = None
            self.seen, self.recent = set(), set()


def _filter(prop: str, op: str, value: str) -> dict[str, Any]:
    return {"propertyName": prop, "operator": op, "value": value}


def _groups(groups: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"filters": filters} for filters in groups]


def _id_order(record_id: str) -> int:
    try:
        return int(record_id)
    except ValueError:
        return 0


def millis(value: Any) -> int | None:
    """A HubSpot timestamp property (ISO 8601, or epoch milliseconds) as epoch ms."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)
