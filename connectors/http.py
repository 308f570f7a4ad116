"""The one HTTP helper every live connector talks through.

`Api` wraps an `httpx.AsyncClient` with what a vendor API needs and nobody should write
twice: timeouts; retries with exponential backoff and full jitter that honour `Retry-After`;
a per-connector circuit breaker (open after `threshold` consecutive failures, one half-open
probe after `cooldown`); one token refresh after a 401; JSON that is not JSON named as such;
and logging that never carries a token, a header or a query value that could be a secret.

What is retried: any request the caller marks idempotent (every GET; a search or batch read
sent as POST) after 429, 5xx, a timeout, a dropped connection or garbage. A request that is
not idempotent (posting a message) is retried only when it surely did not land: the
connection was refused, or the server said 429. When it may have landed (the reply was
lost), `MaybeDelivered` is raised so the caller can look before trying again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from connectors.base import ConnectorError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Query parameters whose values never reach a log line or an error message.
_SECRET_PARAM = re.compile(r"(token|key|secret|code|password|assertion)", re.IGNORECASE)


class ApiError(ConnectorError):
    """A vendor API answered with an error, or not at all; the message says which."""

    def __init__(self, service: str, message: str, *, status: int | None = None):
        super().__init__(f"{service}: {message}")
        self.service = service
        self.status = status


class NeedsReauth(ApiError):
    """The stored grant no longer works (revoked, expired, `invalid_grant`): only logging in
    again helps, so the scheduler stops retrying the service until then."""

    def __init__(self, service: str, detail: str = "the stored sign-in no longer works"):
        super().__init__(service, f"{detail}; run `caseyos auth login {service}`")
        self.detail = detail


class CircuitOpen(ApiError):
    """Too many failures in a row: requests wait until the breaker lets a probe through."""


class MaybeDelivered(ApiError):
    """A request that is not safe to repeat lost its reply: it may have taken effect."""


class TokenSource(Protocol):
    """Where an `Api` gets its credentials. `headers` returns what to send now (refreshing
    an access token that is about to expire); `refresh` is called once after a 401 and
    raises `NeedsReauth` when the grant is gone."""

    async def headers(self) -> dict[str, str]: ...

    async def refresh(self) -> None: ...


class StaticToken:
    """A token that does not expire (a HubSpot private-app token, a Slack bot token)."""

    def __init__(self, service: str, token: str):
        self.service = service
        self._token = token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def refresh(self) -> None:
        raise NeedsReauth(self.service, "the token was refused (revoked or mistyped)")


@dataclass
class RetryPolicy:
    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    # A Retry-After longer than this is not waited out inside one request: the sync fails
    # this time and the scheduler tries again later.
    longest_wait: float = 120.0


@dataclass
class CircuitBreaker:
    """Closed, open after `threshold` consecutive failures, half-open after `cooldown`."""

    threshold: int = 5
    cooldown: float = 60.0
    failures: int = 0
    opened_at: float | None = None
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def retry_in(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.cooldown - (self.clock() - self.opened_at))

    def before(self, service: str) -> None:
        if self.state == "open":
            raise CircuitOpen(
                service,
                f"paused after {self.failures} failures in a row; "
                f"trying again in {self.retry_in():.0f}s",
            )

    def probe_now(self) -> None:
        """Let the next request through as the half-open probe (the operator asked)."""
        if self.opened_at is not None:
            self.opened_at = self.clock() - self.cooldown

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            # Half-open probe failed, or the threshold was reached: (re)open.
            self.opened_at = self.clock()


def redact_url(url: httpx.URL | str) -> str:
    """A URL as logs and errors may show it: no credentials, no secret-looking values."""
    import httpx

    u = httpx.URL(str(url))
    params = [(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in u.params.multi_items()]
    u = u.copy_with(username=None, password=None, params=params or None)
    return str(u)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or an HTTP date), if it did."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(policy: RetryPolicy, attempt: int) -> float:
    """Full jitter: a random wait up to base * 2**attempt, capped."""
    return random.uniform(0, min(policy.cap, policy.base * (2**attempt)))


Sleep = Callable[[float], Any]


class Api:
    """One vendor API at one base URL, as one connector uses it."""

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        auth: TokenSource | None = None,
        client: httpx.AsyncClient | None = None,
        breaker: CircuitBreaker | None = None,
        policy: RetryPolicy | None = None,
        timeout: float = 30.0,
        pace: Callable[[httpx.Response], float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.breaker = breaker or CircuitBreaker()
        self.policy = policy or RetryPolicy()
        # Imported here: a daemon that syncs nothing never pays for httpx (~0.1 s).
        import httpx

        self._own_client = client is None
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            headers={"User-Agent": "CaseyOS"},
        )
        self.pace = pace
        self.sleep = sleep
        self.requests = 0  # sent, retries included (tests and benchmarks count them)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        _, body = await self._send("GET", path, params=params, expect_json=True)
        return body

    async def post_json(
        self,
        path: str,
        body: Any,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        _, answer = await self._send(
            "POST", path, json=body, params=params, idempotent=idempotent, expect_json=True
        )
        return answer

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok: Container[int] = (),
        authenticate: bool = True,
    ) -> httpx.Response:
        """Send one request, retrying as the module says; returns a 2xx response or one
        whose status is in `ok` (statuses the caller handles itself, like Gmail's 404 for
        an expired history id). Raises ApiError (or NeedsReauth, CircuitOpen,
        MaybeDelivered) otherwise."""
        response, _ = await self._send(
            method,
            path,
            params=params,
            json=json,
            data=data,
            idempotent=idempotent,
            ok=ok,
            authenticate=authenticate,
        )
        return response

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok: Container[int] = (),
        authenticate: bool = True,
        expect_json: bool = False,
    ) -> tuple[httpx.Response, Any]:
        import httpx

        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
        url = self.url(path)
        refreshed = False
        attempt = 0
        while True:
            self.breaker.before(self.service)
            headers = await self.auth.headers() if (self.auth and authenticate) else {}
            started = time.perf_counter()
            self.requests += 1
            try:
                response = await self.client.request(
                    method, url, params=params, json=json, data=data, headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Refused or never connected: nothing landed, so any request may be retried.
                problem = f"cannot connect to {redact_url(url)} ({type(exc).__name__})"
                wait = None
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"no answer from {redact_url(url)} ({type(exc).__name__})"
                if not idempotent:
                    self.breaker.failure()
                    raise MaybeDelivered(
                        self.service, f"{problem}; it may have gone through"
                    ) from None
                wait = None
            else:
                elapsed = (time.perf_counter() - started) * 1000
                log.debug(
                    "%s %s %s -> %d in %.0f ms",
                    self.service,
                    method,
                    redact_url(response.request.url),
                    response.status_code,
                    elapsed,
                )
                status = response.status_code
                if status == 401 and self.auth and authenticate and not refreshed:
                    refreshed = True
                    await self.auth.refresh()
                    continue
                if status == 401 and self.auth and authenticate:
                    self.breaker.success()  # the service answers; the grant is the problem
                    raise NeedsReauth(self.service, "the token was refused after a refresh")
                if status < 300 or status in ok:
                    body, garbled = None, False
                    if expect_json and status < 300:
                        body, garbled = _parse(response)
                    if garbled:
                        problem = f"{redact_url(url)} answered {status} with something not JSON"
                        wait = None
                    else:
                        self.breaker.success()
                        if self.pace is not None:
                            pause = self.pace(response)
                            if pause > 0:
                                await self.sleep(pause)
                        return response, body
                elif status in RETRY_STATUSES:
                    problem = f"{redact_url(url)} answered {status}{_reason(response)}"
                    wait = retry_after(response)
                    if status != 429 and not idempotent:
                        self.breaker.failure()
                        raise MaybeDelivered(self.service, f"{problem}; it may have gone through")
                else:
                    # A client error is the request's fault, not the service's health.
                    self.breaker.success()
                    raise ApiError(
                        self.service,
                        f"{method} {redact_url(response.request.url)} answered {status}"
                        f"{_reason(response)}",
                        status=status,
                    )
            self.breaker.failure()
            attempt += 1
            if attempt >= self.policy.attempts:
                raise ApiError(self.service, f"{problem}; gave up after {attempt} tries")
            if wait is not None and wait > self.policy.longest_wait:
                raise ApiError(
                    self.service, f"{problem}; asked to wait {wait:.0f}s, trying again later"
                )
            pause = wait if wait is not None else backoff(self.policy, attempt)
            log.info("%s: %s; retry %d in %.1fs", self.service, problem, attempt, pause)
            await self.sleep(pause)


def _parse(response: httpx.Response) -> tuple[Any, bool]:
    """The body as JSON ({} when empty), and whether it was garbage instead."""
    if not response.content:
        return {}, False
    try:
        return json.loads(response.content), False
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, True


def _reason(response: httpx.Response) -> str:
    """A short reason from an error body (vendors put it in `message` or `error`)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    text = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            text = err.get("message") or err.get("status")
        elif isinstance(err, str):
            text = err
        text = text or body.get("message")
    return f": {str(text)[:200]}" if text else ""
