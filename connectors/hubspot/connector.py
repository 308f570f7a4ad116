"""`HubSpotConnector`: HubSpot CRM records, incrementally, by last-modified time.

Each stream is read through the object's search endpoint, oldest change first, from the
watermark in its cursor (see `connectors.hubspot.cursor`). A page of search results costs
a handful of further requests, never one per record: one association read per associated
object type and one batch read for associated records not already known. Owners and deal
pipelines are read once per connector (one sync), and only when a stream has something
to map, so a sync with no change is one search per stream.

A full sync (no cursor) is the same search from time 0 rather than the list endpoint: one
path to get right, oldest first, so every page's cursor is already a watermark and a full
sync cut short resumes where it stopped; the list endpoint pages by id, and what changes
behind its position while it runs would need a second, search-based pass anyway.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from connectors.base import ConnectorError, GoneRecord, Health, OperatorIdentity, SyncBatch
from connectors.http import ApiError, NeedsReauth
from connectors.hubspot import mapping
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.cursor import Watermark, millis
from connectors.hubspot.mapping import SOURCE, Links, Lookups
from connectors.hubspot.streams import (
    COMPANY_LOOKUP,
    CONTACT_LOOKUP,
    GONE_ENTITY,
    STREAMS,
    Stream,
)

SWEEP_EVERY_MS = 6 * 3600 * 1000
PAGE_SIZE = 100  # HubSpot's search takes up to 200; 100 is its documented default maximum


class HubSpotConnector:
    name = "hubspot"
    auth: str | None = "hubspot"
    read_ahead = True

    def __init__(
        self,
        client: HubSpotClient,
        operator: OperatorIdentity,
        *,
        page_size: int = PAGE_SIZE,
        chunk_size: int = 500,
        now: datetime | None = None,
        sweep_every_ms: int | None = SWEEP_EVERY_MS,
    ):
        self.client = client
        self.operator = operator
        self.page_size = page_size
        self.chunk_size = chunk_size
        self.lookups = Lookups()
        # When this sync started (the daemon's clock): how far back the index may lag.
        self.now = now
        # How often the archived records are listed (None: never).
        self.sweep_every_ms = sweep_every_ms
        self._owners_read = False
        self._pipelines_read = False

    def streams(self) -> Sequence[str]:
        return list(STREAMS)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def health(self) -> Health:
        try:
            await self.client.api.get_json("/crm/v3/owners", {"limit": 1})
        except NeedsReauth as exc:
            return Health(False, str(exc))
        except ApiError as exc:
            return Health(False, str(exc))
        return Health(True, "HubSpot answers and accepts the token")

    async def sync(self, stream: str, cursor: str | None) -> AsyncIterator[SyncBatch]:
        spec = STREAMS.get(stream)
        if spec is None:
            raise ConnectorError(f"hubspot: no stream {stream!r} (streams: {', '.join(STREAMS)})")
        mark = Watermark.load(cursor)
        mark.begin(self._now_ms())
        done = 0
        pending = SyncBatch(source=SOURCE)
        read = 0  # results behind `pending` (pages of skipped records still move the cursor)
        while True:
            answer = await self.client.search(spec.object_type, self._body(spec, mark))
            results: list[dict[str, Any]] = list(answer.get("results") or [])
            if results and not self._pipelines_ready(spec):
                # The deals search must ask for each stage's entry date, so it is asked
                # again now that the stage ids are known (once per sync, only on change).
                await self._prepare(spec)
                continue
            if results and not self._owners_read:
                await self._prepare(spec)
            walking = mark.tie is not None
            exhausted = not ((answer.get("paging") or {}).get("next") or {}).get("after")
            total = done + _int(answer.get("total"), len(results))
            fresh = []
            for obj in results:
                record_id = str(obj.get("id"))
                modified = self._modified(spec, obj)
                if mark.fresh(record_id, modified):
                    fresh.append(obj)
                mark.advance(record_id, modified)
            mark.settle(exhausted)
            finished = exhausted and not walking
            if finished:
                mark.finish()
            pending.extend(await self._map(spec, fresh))
            done += len(results)
            read += len(results)
            pending.cursor, pending.done, pending.total = mark.dump(), done, total
            if finished and self._sweep_due(spec, mark):
                async for batch in self._sweep(spec, mark, pending):
                    yield batch
                return
            if finished or max(pending.size(), read) >= self.chunk_size:
                yield pending
                pending, read = SyncBatch(source=SOURCE), 0
            if finished:
                return

    # -- deletions --------------------------------------------------------------------------

    def _sweep_due(self, spec: Stream, mark: Watermark) -> bool:
        if spec.name not in GONE_ENTITY or self.sweep_every_ms is None:
            return False
        return mark.swept is None or self._now_ms() - mark.swept >= self.sweep_every_ms

    async def _sweep(
        self, spec: Stream, mark: Watermark, pending: SyncBatch
    ) -> AsyncIterator[SyncBatch]:
        """The stream's last batch, with every record HubSpot archived as gone (the search
        never returns them). Listed in full each time (HubSpot cannot list only the recently
        archived), so only every `sweep_every_ms`; a sweep cut short is done again."""
        entity = GONE_ENTITY[spec.name]
        ids = await self.client.archived_ids(spec.object_type)
        gone = [GoneRecord(entity, SOURCE, i) for i in ids]
        for start in range(0, len(gone), max(1, self.chunk_size)):
            pending.gone += gone[start : start + self.chunk_size]
            if start + self.chunk_size < len(gone):
                yield pending
                pending = SyncBatch(
                    source=SOURCE, cursor=pending.cursor, done=pending.done, total=pending.total
                )
        mark.swept = self._now_ms()
        pending.cursor = mark.dump()
        yield pending

    # -- requests ---------------------------------------------------------------------------

    def _body(self, spec: Stream, mark: Watermark) -> dict[str, Any]:
        groups, sorts = mark.query(spec.modified)
        return {
            "filterGroups": groups,
            "sorts": sorts,
            "properties": spec.request_properties(self.lookups.stages),
            "limit": self.page_size,
        }

    def _pipelines_ready(self, spec: Stream) -> bool:
        return self._pipelines_read or not spec.needs_pipelines

    async def _prepare(self, spec: Stream) -> None:
        if not self._owners_read:
            self.lookups.add_owners(await self.client.owners())
            self._owners_read = True
        if spec.needs_pipelines and not self._pipelines_read:
            self.lookups.add_pipelines(await self.client.deal_pipelines())
            self._pipelines_read = True

    def _now_ms(self) -> int:
        now = self.now or datetime.now(UTC)
        return int(now.timestamp() * 1000)

    @staticmethod
    def _modified(spec: Stream, obj: dict[str, Any]) -> int:
        props = obj.get("properties") or {}
        found = millis(props.get(spec.modified)) or millis(obj.get("updatedAt"))
        if found is None:
            raise ConnectorError(
                f"hubspot: {spec.object_type} {obj.get('id')} came without {spec.modified}"
            )
        return found

    # -- mapping ----------------------------------------------------------------------------

    async def _map(self, spec: Stream, objects: list[dict[str, Any]]) -> SyncBatch:
        batch = SyncBatch(source=SOURCE)
        if not objects:
            return batch
        links = await self._links(spec, [str(o["id"]) for o in objects])
        lookups, operator = self.lookups, self.operator
        for obj in objects:
            oid = str(obj["id"])
            link = links.get(oid) or Links()
            if spec.name == "companies":
                lookups.companies[oid] = mapping.company_of(obj)
                company = mapping.company(obj)
                if company is None:
                    batch.warnings.append(f"hubspot: company {oid} has no domain; skipped")
                else:
                    batch.companies.append(company)
            elif spec.name == "contacts":
                made = mapping.contact(obj, link, lookups)
                lookups.contacts[oid] = made[0].email if made else None
                if made is None:
                    batch.warnings.append(f"hubspot: contact {oid} has no email; skipped")
                else:
                    batch.contacts.append(made[0])
                    batch.signals.append(made[1])
            elif spec.name == "deals":
                record, signal = mapping.deal(obj, link, lookups)
                batch.deals.append(record)
                batch.signals.append(signal)
            elif spec.name == "tasks":
                batch.tasks.append(mapping.task(obj, link, lookups))
            elif spec.name == "notes":
                note = mapping.note(obj, link, lookups)
                if note is not None:
                    batch.notes.append(note)
            elif spec.name == "emails":
                message = mapping.email(obj, link, lookups, operator)
                if message is None:
                    batch.warnings.append(f"hubspot: email {oid} has no sender; skipped")
                else:
                    batch.messages.append(message[0])
                    batch.signals += message[1]
            elif spec.name == "meetings":
                meeting = mapping.meeting(obj, link, lookups, operator)
                if meeting is None:
                    batch.warnings.append(f"hubspot: meeting {oid} has no start time; skipped")
                else:
                    batch.meetings.append(meeting[0])
                    batch.signals += meeting[1]
        return batch

    async def _links(self, spec: Stream, ids: list[str]) -> dict[str, Links]:
        """Each object's associations, resolved to emails, a company and a deal id."""
        links: dict[str, Links] = {i: Links() for i in ids}
        for other in spec.associations:
            linked = await self.client.associations(spec.object_type, other, ids)
            if other == "contacts":
                await self._know_contacts({c for targets in linked.values() for c in targets})
                for oid, targets in linked.items():
                    emails = [self.lookups.contacts.get(c) for c in targets]
                    found = list(dict.fromkeys(e for e in emails if e))
                    links[oid].contact_emails = found
            elif other == "companies":
                await self._know_companies({c for targets in linked.values() for c in targets})
                for oid, targets in linked.items():
                    known = [k for c in targets if (k := self.lookups.companies.get(c))]
                    # The first with a domain (primary first): a company without one
                    # cannot be linked, only named.
                    links[oid].company = next((k for k in known if k[0]), None) or (
                        known[0] if known else None
                    )
            elif other == "deals":
                for oid, targets in linked.items():
                    links[oid].deal_id = targets[0] if targets else None
        return links

    async def _know_contacts(self, ids: set[str]) -> None:
        missing = ids - self.lookups.contacts.keys()
        if not missing:
            return
        found = await self.client.batch_read("contacts", missing, CONTACT_LOOKUP)
        for cid in missing:
            obj = found.get(cid)
            email = (obj.get("properties") or {}).get("email") if obj else None
            self.lookups.contacts[cid] = mapping.values.single_email(str(email or ""))

    async def _know_companies(self, ids: set[str]) -> None:
        missing = ids - self.lookups.companies.keys()
        if not missing:
            return
        found = await self.client.batch_read("companies", missing, COMPANY_LOOKUP)
        for cid in missing:
            obj = found.get(cid)
            self.lookups.companies[cid] = mapping.company_of(obj) if obj else (None, None)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
