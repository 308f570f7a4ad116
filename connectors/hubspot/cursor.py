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

HubSpot's search index shows a change some moments after it is made, so a record edited
just before a sync can turn up in a later search with a modified time below the watermark.
A run therefore remembers when it started less `INDEX_LAG` as `settled` (every change
before it was surely in the index) and the records it sent from `settled` on, with their
modified times, as `sent`. The next run searches again from `settled` rather than from
`since` and skips what `sent` already holds, so a late arrival is picked up and nothing is
sent twice. Both keys are written only while `settled` is below `since`, which is only
after a run saw changes younger than `INDEX_LAG`: a workspace whose CRM is quiet keeps the
plain cursor and its one cheap search. `sent` holds at most `MAX_SENT` ids; after a bulk
change, the oldest fall out and `settled` moves up to the oldest kept. `swept` (epoch ms)
is when the stream's archived records were last listed.
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
# How long after a change HubSpot's search may not show it yet (their docs: "a few
# moments"), with room for the two clocks to disagree.
INDEX_LAG_MS = 5 * 60 * 1000
MAX_SENT = 2000
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
    # Every change before `settled` was sent; `sent` holds what was sent at or after it.
    settled: int | None = None
    sent: dict[str, int] = field(default_factory=dict)
    # When the archived records were last listed (epoch ms; see the connector).
    swept: int | None = None
    # This run's start less the lag (not in the cursor): `settled` once the run is done.
    ends_at: int | None = None

    @classmethod
    def load(cls, cursor: str | None) -> Watermark:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            if data.get("v") != VERSION:
                raise ValueError("unknown version")
            tie, settled, swept = data.get("tie"), data.get("settled"), data.get("swept")
            return cls(
                since=int(data["since"]),
                seen={str(i) for i in data.get("seen", [])},
                tie=int(tie) if tie is not None else None,
                settled=int(settled) if settled is not None else None,
                sent={str(k): int(v) for k, v in data.get("sent", {}).items()},
                swept=int(swept) if swept is not None else None,
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
        if self.swept is not None:
            data["swept"] = self.swept
        if self.settled is not None and self.settled < self.since:
            data["settled"] = self.settled
            data["sent"] = dict(sorted(self.sent.items(), key=lambda kv: (kv[1], kv[0])))
        return json.dumps(data, separators=(",", ":"))

    def begin(self, now_ms: int) -> None:
        """Start a run at `now_ms`: search again from `settled` when changes after it may
        have reached the index late (unless a walk by id is under way)."""
        self.ends_at = now_ms - INDEX_LAG_MS
        if self.settled is None:
            self.settled = self.ends_at
        elif self.settled < self.since and self.tie is None:
            self.since, self.seen = self.settled, set()

    def finish(self) -> None:
        """The run read everything: the changes before its start less the lag are settled."""
        if self.settled is not None and self.ends_at is not None:
            self.settled = max(self.settled, self.ends_at)
            self.sent = {i: m for i, m in self.sent.items() if m >= self.settled}

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
        this true, but for a search again from `settled`, where `sent` tells)."""
        if self.sent.get(record_id) == modified:
            return False
        if modified < self.since:
            return False
        if modified == self.since:
            if self.tie is not None:
                return _id_order(record_id) > self.tie and record_id not in self.recent
            return record_id not in self.seen
        return True

    def advance(self, record_id: str, modified: int) -> None:
        """Note a record as sent; records come in the order `query` sorts them."""
        if self.settled is not None and modified >= self.settled:
            self.sent[record_id] = modified
            if len(self.sent) > MAX_SENT:
                self._trim()
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

    def _trim(self) -> None:
        """Keep the `MAX_SENT` youngest of `sent`; `settled` moves up to the oldest kept."""
        kept = sorted(self.sent.items(), key=lambda kv: kv[1])[-MAX_SENT:]
        self.sent = dict(kept)
        self.settled = kept[0][1]
        # Others at that very millisecond may have fallen out: they count as unsent, and
        # would be sent again rather than lost.


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
