"""The HubSpot CRM calls the connector makes, over the one HTTP helper (`connectors.http.Api`).

Each method is one documented endpoint: object search, batch read, v4 association batch
read, owners and deal pipelines. Searches and batch reads are POSTs that change nothing, so
they are sent as idempotent (retried after a 5xx or a lost reply). `RatePacer` reads the
rate-limit headers HubSpot puts on its replies and pauses before the limit is reached, so
a long first sync slows down instead of collecting 429s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connectors.http import Api, ApiError

if TYPE_CHECKING:
    import httpx

# HubSpot's own limits: a v3 batch read takes 100 ids, a v4 association read 1,000.
LIST_PAGE = 100  # the list endpoint's maximum
BATCH_READ_MAX = 100
ASSOCIATIONS_MAX = 1000
OWNERS_PAGE = 500


@dataclass
class RatePacer:
    """The `pace` hook for `Api`: how long to wait after a reply, from its headers.

    HubSpot counts requests in a rolling window (`X-HubSpot-RateLimit-Interval-Milliseconds`)
    and says how many are left in it (`-Remaining`) and in the day (`-Daily-Remaining`).
    When fewer than `reserve` are left in the window we wait one window out: we do not know
    when it started, so the whole interval is the wait that surely resets it. When the day
    is used up, the next request is refused here rather than sent (see `check`).
    """

    reserve: int = 2
    daily_exhausted: bool = False
    pauses: list[float] = field(default_factory=list)

    def __call__(self, response: httpx.Response) -> float:
        headers = response.headers
        daily = _int(headers.get("X-HubSpot-RateLimit-Daily-Remaining"))
        if daily is not None and daily <= 0:
            self.daily_exhausted = True
        remaining = _int(headers.get("X-HubSpot-RateLimit-Remaining"))
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        if remaining is None or interval is None or remaining >= self.reserve:
            return 0.0
        pause = interval / 1000
        self.pauses.append(pause)
        return pause

    def check(self) -> None:
        if self.daily_exhausted:
            raise ApiError("hubspot", "the daily API limit is used up; syncing again tomorrow")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class HubSpotClient:
    """HubSpot CRM v3/v4 over one `Api`. Object types are plural ("contacts", "deals")."""

    def __init__(self, api: Api, pacer: RatePacer | None = None, search_per_second: float = 0):
        self.api = api
        self.pacer = pacer
        # The search endpoints have their own, lower limit (per second, per account) and do
        # not send the rate-limit headers, so they are spaced by the clock instead.
        self._search_gap = 1 / search_per_second if search_per_second > 0 else 0.0
        self._last_search = 0.0

    async def aclose(self) -> None:
        await self.api.aclose()

    def _before(self) -> None:
        if self.pacer is not None:
            self.pacer.check()

    async def search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /crm/v3/objects/{type}/search: {"total", "results", "paging"}."""
        self._before()
        if self._search_gap:
            wait = self._last_search + self._search_gap - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_search = time.monotonic()
        answer = await self.api.post_json(
            f"/crm/v3/objects/{object_type}/search", body, idempotent=True
        )
        return _object(answer, "search")

    async def batch_read(
        self, object_type: str, ids: Iterable[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Objects by id (POST /crm/v3/objects/{type}/batch/read, 100 at a time). Ids that
        no longer exist are left out (HubSpot answers 207 with them under `errors`)."""
        found: dict[str, dict[str, Any]] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), BATCH_READ_MAX):
            part = wanted[start : start + BATCH_READ_MAX]
            self._before()
            answer = await self.api.post_json(
                f"/crm/v3/objects/{object_type}/batch/read",
                {"inputs": [{"id": i} for i in part], "properties": list(properties)},
                idempotent=True,
            )
            for obj in _object(answer, "batch read").get("results") or []:
                found[str(obj["id"])] = obj
        return found

    async def associations(
        self, from_type: str, to_type: str, ids: Iterable[str]
    ) -> dict[str, list[str]]:
        """The ids each object is associated with (POST /crm/v4/associations/{from}/{to}/
        batch/read), primary associations first. Objects with none are left out."""
        linked: dict[str, list[str]] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), ASSOCIATIONS_MAX):
            part = wanted[start : start + ASSOCIATIONS_MAX]
            self._before()
            answer = await self.api.post_json(
                f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                {"inputs": [{"id": i} for i in part]},
                idempotent=True,
            )
            for result in _object(answer, "association read").get("results") or []:
                targets = result.get("to") or []
                ordered = sorted(targets, key=lambda t: not _is_primary(t))
                linked[str(result["from"]["id"])] = [str(t["toObjectId"]) for t in ordered]
        return linked

    async def archived_ids(self, object_type: str) -> list[str]:
        """Ids of every archived object of a type (GET /crm/v3/objects/{type}?archived=true,
        100 a page, by id): the search never returns them."""
        ids: list[str] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {
                "archived": "true",
                "limit": LIST_PAGE,
                "properties": "hs_object_id",
            }
            if after:
                params["after"] = after
            self._before()
            path = f"/crm/v3/objects/{object_type}"
            answer = _object(await self.api.get_json(path, params), "list")
            ids += [str(o["id"]) for o in answer.get("results") or [] if o.get("id")]
            after = _next_after(answer)
            if not after:
                return ids

    async def owners(self) -> list[dict[str, Any]]:
        """Every active owner (GET /crm/v3/owners, paged)."""
        owners: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": OWNERS_PAGE, "archived": "false"}
            if after:
                params["after"] = after
            self._before()
            answer = _object(await self.api.get_json("/crm/v3/owners", params), "owners")
            owners += answer.get("results") or []
            after = _next_after(answer)
            if not after:
                return owners

    async def deal_pipelines(self) -> list[dict[str, Any]]:
        """Deal pipelines with their stages (GET /crm/v3/pipelines/deals)."""
        self._before()
        answer = _object(await self.api.get_json("/crm/v3/pipelines/deals"), "pipelines")
        return list(answer.get("results") or [])


def _is_primary(target: dict[str, Any]) -> bool:
    for kind in target.get("associationTypes") or []:
        if str(kind.get("label") or "").lower() == "primary":
            return True
    return False


def _next_after(answer: dict[str, Any]) -> str | None:
    nxt = (answer.get("paging") or {}).get("next") or {}
    after = nxt.get("after")
    return str(after) if after not in (None, "") else None


def _object(answer: Any, what: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise ApiError("hubspot", f"the {what} answer is not a JSON object")
    return answer
