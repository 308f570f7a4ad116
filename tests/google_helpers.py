"""Shared by the Google connector tests: the operator, connectors pointed at a fake Google,
and a way to run a sync and keep what it yields."""

from __future__ import annotations

from connectors.base import Connector, OperatorIdentity, SyncBatch
from connectors.google.calendar import CalendarConnector
from connectors.google.drive import DriveConnector
from connectors.google.gmail import GmailConnector
from connectors.http import Api, RetryPolicy, StaticToken
from tests.fakes.google import NOW, OPERATOR, TOKEN, FakeGoogle

ME = OperatorIdentity(
    name="Casey", emails=(OPERATOR,), internal_domains=("caseyos.example",), timezone="UTC"
)


def api(fake: FakeGoogle, token: str = TOKEN) -> Api:
    return Api(
        "google",
        fake.url,
        auth=StaticToken("google", token),
        policy=RetryPolicy(base=0.01, cap=0.05),
    )


def gmail(fake: FakeGoogle, **kw: object) -> GmailConnector:
    kw = {"page_size": 25, "chunk_size": 20, **kw}
    return GmailConnector(api(fake), ME, NOW, **kw)  # type: ignore[arg-type]


def calendar(fake: FakeGoogle, **kw: object) -> CalendarConnector:
    kw = {"page_size": 10, **kw}
    return CalendarConnector(api(fake), ME, NOW, **kw)  # type: ignore[arg-type]


def drive(fake: FakeGoogle, **kw: object) -> DriveConnector:
    kw = {"page_size": 8, **kw}
    return DriveConnector(api(fake), ME, NOW, **kw)  # type: ignore[arg-type]


async def run(connector: Connector, stream: str, cursor: str | None = None) -> list[SyncBatch]:
    """Every batch one sync yields, in order."""
    batches = [batch async for batch in connector.sync(stream, cursor)]
    await connector.aclose()  # type: ignore[attr-defined]
    return batches


def merged(batches: list[SyncBatch]) -> SyncBatch:
    whole = SyncBatch(source="google")
    for batch in batches:
        whole.extend(batch)
    return whole
