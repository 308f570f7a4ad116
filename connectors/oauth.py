"""An OAuth 2 token source for `connectors.http.Api`: access tokens in memory, refreshed.

The stored grant is a refresh token; the access token it buys lives only in this object
(the daemon's memory) and is refreshed a minute before it expires, or at once when the API
answered 401 (`refresh`). The refresh itself goes through Authlib's httpx client, which
speaks the token endpoint's form encoding and error answers for us. An `invalid_grant`
answer means the grant is gone (revoked, expired, password changed): the owner is told
(`on_invalid_grant`, which marks the service as needing a new login) and `NeedsReauth` is
raised, so nothing retries a refresh that cannot work.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from connectors.http import ApiError, NeedsReauth

# Refresh this long before the access token runs out, so no request races its expiry.
EARLY = 60.0
# When a token endpoint says nothing about expiry, assume the common hour.
DEFAULT_LIFETIME = 3600.0
# HubSpot's v1 token endpoint answers a dead refresh token with 400 and this status.
REVOKED_STATUSES = frozenset({"BAD_REFRESH_TOKEN"})

InvalidGrant = Callable[[str], Awaitable[None] | None]
NewRefreshToken = Callable[[str], Awaitable[None] | None]


class OAuthTokenSource:
    """Bearer headers from a refresh token, refreshing before expiry and on demand."""

    def __init__(
        self,
        service: str,
        token_url: str,
        *,
        client_id: str,
        client_secret: str | None,
        refresh_token: str,
        on_invalid_grant: InvalidGrant | None = None,
        on_new_refresh_token: NewRefreshToken | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
    ):
        self.service = service
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._on_invalid_grant = on_invalid_grant
        self._on_new_refresh_token = on_new_refresh_token
        self._clock = clock
        self._timeout = timeout
        self._access: str | None = None
        self.expires_at: float | None = None  # epoch seconds, for `auth status`
        self._lock = asyncio.Lock()
        self.refreshes = 0  # how many times the token endpoint was asked (tests count)

    def seed(self, access_token: str, expires_in: float | None) -> None:
        """Start from an access token just obtained (at login), saving one refresh."""
        self._access = access_token
        self.expires_at = self._clock() + (expires_in or DEFAULT_LIFETIME)

    def _fresh(self) -> bool:
        return (
            self._access is not None
            and self.expires_at is not None
            and self._clock() < self.expires_at - EARLY
        )

    async def headers(self) -> dict[str, str]:
        if not self._fresh():
            async with self._lock:
                if not self._fresh():
                    await self._refresh()
        assert self._access is not None
        return {"Authorization": f"Bearer {self._access}"}

    async def refresh(self) -> None:
        """Called after a 401: the access token was refused, get another now."""
        stale = self._access
        async with self._lock:
            if self._access == stale:  # nobody refreshed while we waited for the lock
                await self._refresh()

    async def _refresh(self) -> None:
        from authlib.integrations.base_client.errors import OAuthError
        from authlib.integrations.httpx_client import AsyncOAuth2Client
        from authlib.integrations.httpx_client._compat import httpx2

        self.refreshes += 1
        client = AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            # Google and HubSpot both take the client's credentials in the form body.
            token_endpoint_auth_method="client_secret_post",
            timeout=self._timeout,
        )
        try:
            async with client:
                token: dict[str, Any] = await client.refresh_token(
                    self.token_url, refresh_token=self._refresh_token
                )
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                await self._invalid("the sign-in was revoked or has expired (invalid_grant)")
            raise ApiError(self.service, f"token refresh refused: {exc.error}") from None
        except httpx2.HTTPError as exc:
            raise ApiError(
                self.service, f"token refresh failed ({type(exc).__name__}); trying again later"
            ) from None
        if token.get("status") in REVOKED_STATUSES:
            # HubSpot's v1 endpoint says so in its own shape: no `error`, a `status`.
            await self._invalid(f"the sign-in was revoked or has expired ({token['status']})")
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise ApiError(self.service, "the token endpoint answered without an access token")
        self.seed(access, _seconds(token.get("expires_in")))
        rotated = token.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._refresh_token:
            self._refresh_token = rotated
            await _call(self._on_new_refresh_token, rotated)

    async def _invalid(self, detail: str) -> NoReturn:
        self._access = None
        await _call(self._on_invalid_grant, detail)
        raise NeedsReauth(self.service, detail) from None


def _seconds(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


async def _call(hook: Callable[[str], Awaitable[None] | None] | None, value: str) -> None:
    if hook is None:
        return
    result = hook(value)
    if result is not None:
        await result
