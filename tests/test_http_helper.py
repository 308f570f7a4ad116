"""The one HTTP helper against a real local server: retries, Retry-After, the circuit
breaker, one refresh after a 401, posts that may have landed, and redaction."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from connectors.http import (
    Api,
    ApiError,
    CircuitBreaker,
    CircuitOpen,
    MaybeDelivered,
    NeedsReauth,
    RetryPolicy,
    StaticToken,
    redact_url,
)
from tests.fakes.server import FakeServer


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    server.route("GET", "/items", lambda r: (200, {"items": [1, 2]}))
    server.route("POST", "/post", lambda r: (200, {"ok": True}))
    with server:
        yield server


class Sleeps:
    """Records the waits instead of waiting them out."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def api(fake: FakeServer, sleeps: Sleeps, **kw: object) -> Api:
    kw.setdefault("policy", RetryPolicy(base=0.01))
    return Api("vendor", fake.url, sleep=sleeps, **kw)  # type: ignore[arg-type]


async def test_retry_after_is_honoured_and_transient_errors_recover(fake: FakeServer) -> None:
    sleeps = Sleeps()
    fake.fail(path="/items", status=429, headers={"Retry-After": "7"})
    fake.fail(path="/items", status=503)
    fake.fail(path="/items", garbage=True)
    fake.fail(path="/items", drop=True)
    async with api(fake, sleeps) as client:
        assert await client.get_json("/items") == {"items": [1, 2]}
        assert client.requests == 5
    assert sleeps.waits[0] == 7.0  # the server's word, not our backoff
    assert all(w <= 0.01 * 2**4 for w in sleeps.waits[1:])


async def test_a_client_error_is_not_retried(fake: FakeServer) -> None:
    async with api(fake, Sleeps()) as client:
        with pytest.raises(ApiError) as err:
            await client.get_json("/missing")
        assert err.value.status == 404
        assert client.requests == 1


async def test_gives_up_after_its_attempts_and_says_so(fake: FakeServer) -> None:
    fake.fail(path="/items", status=500, times=10)
    async with api(fake, Sleeps()) as client:
        with pytest.raises(ApiError, match="gave up after 5 tries"):
            await client.get_json("/items")
        assert client.requests == 5


async def test_a_long_retry_after_ends_this_sync_instead_of_waiting(fake: FakeServer) -> None:
    sleeps = Sleeps()
    fake.fail(path="/items", status=429, headers={"Retry-After": "3600"})
    async with api(fake, sleeps) as client:
        with pytest.raises(ApiError, match="asked to wait 3600s"):
            await client.get_json("/items")
    assert sleeps.waits == []


async def test_a_post_that_may_have_landed_is_not_repeated(fake: FakeServer) -> None:
    fake.fail(path="/post", drop=True)
    async with api(fake, Sleeps()) as client:
        with pytest.raises(MaybeDelivered):
            await client.post_json("/post", {"text": "hi"}, idempotent=False)
    assert fake.count("POST", "/post") == 1


async def test_a_post_refused_by_rate_limit_is_retried(fake: FakeServer) -> None:
    fake.fail(path="/post", status=429, headers={"Retry-After": "0"})
    async with api(fake, Sleeps()) as client:
        assert await client.post_json("/post", {}, idempotent=False) == {"ok": True}
    assert fake.count("POST", "/post") == 2


async def test_a_post_to_a_closed_port_is_retried_then_fails_cleanly() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    async with Api(
        "vendor", f"http://127.0.0.1:{port}", policy=RetryPolicy(base=0.01), sleep=sleeps
    ) as client:
        with pytest.raises(ApiError, match="cannot connect"):
            await client.post_json("/post", {}, idempotent=False)
    assert len(sleeps.waits) == 4  # refused means nothing landed: safe to try again


class Rotating:
    """A token source whose first token has expired; refreshing gives a good one."""

    def __init__(self, good: bool = True) -> None:
        self.token = "expired-token"
        self.good = good
        self.refreshes = 0

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def refresh(self) -> None:
        self.refreshes += 1
        self.token = "fresh-token" if self.good else "still-bad"


async def test_a_401_refreshes_once_and_carries_on(fake: FakeServer) -> None:
    fake.tokens = {"fresh-token"}
    tokens = Rotating()
    async with api(fake, Sleeps(), auth=tokens) as client:
        assert await client.get_json("/items") == {"items": [1, 2]}
        assert await client.get_json("/items") == {"items": [1, 2]}
    assert tokens.refreshes == 1


async def test_a_401_after_refreshing_needs_a_new_sign_in(fake: FakeServer) -> None:
    fake.tokens = {"fresh-token"}
    tokens = Rotating(good=False)
    async with api(fake, Sleeps(), auth=tokens) as client:
        with pytest.raises(NeedsReauth, match="caseyos auth login vendor"):
            await client.get_json("/items")
    assert tokens.refreshes == 1
    assert fake.count("GET") == 2


async def test_a_static_token_that_is_refused_needs_a_new_sign_in(fake: FakeServer) -> None:
    fake.tokens = {"other"}
    async with api(fake, Sleeps(), auth=StaticToken("vendor", "pat-123")) as client:
        with pytest.raises(NeedsReauth):
            await client.get_json("/items")


async def test_the_breaker_opens_after_repeated_failures_and_probes_later(
    fake: FakeServer,
) -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, cooldown=60, clock=lambda: now[0])
    fake.fail(path="/items", status=500, times=3)
    async with api(
        fake, Sleeps(), breaker=breaker, policy=RetryPolicy(attempts=3, base=0.01)
    ) as client:
        with pytest.raises(ApiError):
            await client.get_json("/items")
        assert breaker.state == "open"
        with pytest.raises(CircuitOpen, match="trying again in 60s"):
            await client.get_json("/items")
        assert fake.count("GET") == 3  # the open breaker sent nothing
        now[0] = 61.0
        assert breaker.state == "half-open"
        assert await client.get_json("/items") == {"items": [1, 2]}
        assert breaker.state == "closed"


async def test_secrets_stay_out_of_errors_and_logs(
    fake: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="connectors.http")
    fake.fail(path="/missing", status=500)
    async with api(fake, Sleeps(), auth=StaticToken("vendor", "tok-SECRET-1")) as client:
        with pytest.raises(ApiError) as err:
            await client.get_json("/missing", {"access_token": "qs-SECRET-2", "q": "plain"})
    said = str(err.value) + caplog.text
    assert "SECRET" not in said
    assert "q=plain" in said
    assert redact_url("https://u:pw@h/x?client_secret=s&page=2") == (
        "https://h/x?client_secret=%2A%2A%2A&page=2"
    )
