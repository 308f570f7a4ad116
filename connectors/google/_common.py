"""What the three Google connectors share: the Api they talk through, JSON cursors and
Google's RFC 3339 times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from connectors.base import ConnectorError, Health, OperatorIdentity
from connectors.http import Api, ApiError
from connectors.live import LiveContext

SERVICE = "google"
SOURCE = "google"


def make_api(ctx: LiveContext) -> Api:
    """One Api at the Google root, with the operator's Google tokens and this connector's
    circuit breaker."""
    return Api(SERVICE, ctx.endpoints.google, auth=ctx.tokens, breaker=ctx.breaker)


class GoogleConnector:
    """What the three Google connectors share: the Api, the operator and the sync's now,
    page and chunk sizes, reading ahead while writing, closing, and health as one cheap
    request (`probe`)."""

    name: str
    auth: str | None = SERVICE
    read_ahead = True

    def __init__(
        self,
        api: Api,
        operator: OperatorIdentity,
        now: datetime,
        *,
        page_size: int,
        chunk_size: int,
    ):
        self.api = api
        self.operator = operator
        self.now = now
        self.page_size = page_size
        self.chunk_size = chunk_size

    async def probe(self) -> str:
        """Ask Google one cheap question; say what answered."""
        raise NotImplementedError

    async def health(self) -> Health:
        try:
            return Health(True, await self.probe())
        except ApiError as exc:
            return Health(False, str(exc))

    async def aclose(self) -> None:
        await self.api.aclose()


def load_cursor(cursor: str | None, connector: str) -> dict[str, Any] | None:
    """A stored cursor as a dict; None for a full sync. A cursor that is not ours (damaged,
    or from an older format) is an error that says to run a full sync."""
    if cursor is None:
        return None
    try:
        value = json.loads(cursor)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise ConnectorError(
            f"{connector}: the stored sync position is unreadable; run a full sync (--full)"
        )
    return value


def dump_cursor(value: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in value.items() if v is not None}, sort_keys=True)


def rfc3339(moment: datetime) -> str:
    """A UTC time as Google's query parameters take it ("2026-11-28T10:00:00Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | None) -> datetime | None:
    """An RFC 3339 time from a Google answer, as aware UTC (None when absent or unreadable)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
