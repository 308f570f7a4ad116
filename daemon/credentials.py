"""The operator's sign-ins, one per service ("hubspot", "google", "slack"), and the token
sources the connectors authenticate with.

What is stored (in the `SecretStore`, daemon/secret_store.py) is only what must outlive the
daemon: the refresh token or static token, the OAuth client's id and secret, the scopes,
when the grant expires if the provider said, the account, and whether the service needs a
new login. Access tokens live in the token sources, in memory, and are refreshed before
they expire (connectors/oauth.py).

A grant the provider refuses (`invalid_grant`, a static token answered 401) marks the
service as needing a new login; the mark is stored with the credentials, so it survives a
restart and `auth status` shows it, and only a new login (`save`) clears it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from connectors.http import NeedsReauth, TokenSource
from connectors.live import Endpoints
from daemon.secret_store import SecretStore, SecretStoreError, open_store

log = logging.getLogger(__name__)

SERVICES = ("hubspot", "google", "slack")
Kind = Literal["oauth", "token"]


@dataclass
class Credentials:
    """One service's stored sign-in."""

    kind: Kind
    # The refresh token (oauth) or the token itself (a private-app or bot token).
    secret: str = field(repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    scopes: list[str] = field(default_factory=list)
    # When the stored grant runs out, when the provider said (not the access token's hour).
    expires_at: datetime | None = None
    account: str | None = None
    # Why the service needs a new login; None while it works.
    needs_reauth: str | None = None
    saved_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("expires_at", "saved_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Credentials:
        known: dict[str, Any] = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("expires_at", "saved_at"):
            value = known.get(key)
            known[key] = datetime.fromisoformat(value) if isinstance(value, str) else None
        known["scopes"] = list(known.get("scopes") or [])
        return cls(**known)


def token_url(service: str, endpoints: Endpoints) -> str:
    """Where a service's refresh tokens are exchanged."""
    if service == "google":
        return endpoints.google_token
    if service == "hubspot":
        return f"{endpoints.hubspot}/oauth/v1/token"
    raise ValueError(f"{service} has no OAuth token endpoint here")


class CredentialBook:
    """The daemon's one door to stored sign-ins (`state.credentials`)."""

    def __init__(
        self,
        store: SecretStore | None = None,
        *,
        opener: Callable[[], SecretStore] = open_store,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        # Without a store given, one is opened at first use, and again on each use until
        # one opens: a choice made at a terminal after the daemon started takes effect.
        self._store = store
        self._opener = opener
        self._clock = clock
        self._cache: dict[str, Credentials | None] = {}
        self._sources: dict[str, _Guarded] = {}

    # -- the store ------------------------------------------------------------------------

    def store(self) -> SecretStore:
        """The secret store; raises SecretStoreError (NoSecretStore) when there is none."""
        if self._store is None:
            self._store = self._opener()
        return self._store

    def backend(self) -> dict[str, Any]:
        """Which store holds the secrets, for `auth status`: name, where, warning, problem."""
        try:
            store = self.store()
        except SecretStoreError as exc:
            return {"name": None, "where": None, "warning": None, "problem": str(exc)}
        problem = None
        try:
            self.get(SERVICES[0])  # can it be read (the passphrase, the keyring unlocked)?
        except SecretStoreError as exc:
            problem = str(exc)
        return {
            "name": store.name,
            "where": store.describe(),
            "warning": store.warning(),
            "problem": problem,
        }

    # -- credentials ----------------------------------------------------------------------

    def get(self, service: str) -> Credentials | None:
        _known(service)
        if service not in self._cache:
            data = self.store().load(service)
            self._cache[service] = Credentials.from_dict(data) if data else None
        return self._cache[service]

    def save(self, service: str, creds: Credentials) -> None:
        """Store a new sign-in; it replaces the old one and clears a needs-re-auth mark."""
        _known(service)
        creds.needs_reauth = None
        creds.saved_at = creds.saved_at or self._clock()
        self.store().save(service, creds.to_dict())
        self._cache[service] = creds
        self._reset(service)

    def forget(self, service: str) -> None:
        _known(service)
        self.store().delete(service)
        self._cache[service] = None
        self._reset(service)

    def _reset(self, service: str) -> None:
        """New credentials: the service's token source (which connectors may hold on to)
        starts over from them, so nothing keeps using the old grant."""
        source = self._sources.get(service)
        if source is not None:
            source.reset()

    def needs_reauth(self, service: str) -> str | None:
        """Why the service needs a new login, or None (also when it was never signed in:
        the caller asks `get` for that)."""
        try:
            creds = self.get(service)
        except SecretStoreError as exc:
            return str(exc)
        return creds.needs_reauth if creds else None

    def mark_needs_reauth(self, service: str, detail: str) -> None:
        """Remember, in the store, that the grant no longer works."""
        creds = self.get(service)
        if creds is None or creds.needs_reauth == detail:
            return
        creds.needs_reauth = detail
        self.store().save(service, creds.to_dict())
        log.warning("%s needs a new login: %s", service, detail)

    # -- token sources --------------------------------------------------------------------

    def token_source(self, service: str, endpoints: Endpoints) -> TokenSource:
        """The token source a connector's `Api` uses for `service`: one per service for the
        daemon's life (the first `endpoints` given are the ones used), so the access token
        it holds is reused across syncs; a new login or a logout resets it in place."""
        _known(service)
        source = self._sources.get(service)
        if source is None:
            source = _Guarded(self, service, endpoints)
            self._sources[service] = source
        return source

    def seed(self, service: str, endpoints: Endpoints, access: str, expires_in: float) -> None:
        """Hand the access token obtained at login to the service's token source."""
        source = self.token_source(service, endpoints)
        assert isinstance(source, _Guarded)
        inner = source.inner()
        if hasattr(inner, "seed"):
            inner.seed(access, expires_in)

    def status(self) -> list[dict[str, Any]]:
        """Each service's sign-in, without any secret, for `auth status`."""
        backend = self.backend()
        rows = []
        for service in SERVICES:
            creds = None if backend["problem"] else self.get(service)
            source = self._sources.get(service)
            access_until = source.access_expires() if source else None
            rows.append(
                {
                    "service": service,
                    "signed_in": creds is not None,
                    "kind": creds.kind if creds else None,
                    "account": creds.account if creds else None,
                    "scopes": list(creds.scopes) if creds else [],
                    "expiry": creds.expires_at if creds else None,
                    "access_token_until": access_until,
                    "saved_at": creds.saved_at if creds else None,
                    "backend": backend["name"],
                    "needs_reauth": creds.needs_reauth if creds else None,
                }
            )
        return rows


def _known(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")


class _Guarded:
    """A service's token source as the book hands it out: refuses at once while the service
    needs a new login, and marks the service when the provider refuses the grant."""

    def __init__(self, book: CredentialBook, service: str, endpoints: Endpoints):
        self.book = book
        self.service = service
        self.endpoints = endpoints
        self._inner: Any = None

    def inner(self) -> Any:
        if self._inner is None:
            creds = self.book.get(self.service)
            if creds is None:
                raise NeedsReauth(self.service, f"not signed in to {self.service}")
            if creds.kind == "token":
                self._inner = _Static(creds.secret)
            else:
                from connectors.oauth import OAuthTokenSource

                self._inner = OAuthTokenSource(
                    self.service,
                    token_url(self.service, self.endpoints),
                    client_id=creds.client_id or "",
                    client_secret=creds.client_secret,
                    refresh_token=creds.secret,
                    on_invalid_grant=self._invalid,
                    on_new_refresh_token=self._rotated,
                )
        return self._inner

    def reset(self) -> None:
        self._inner = None

    def access_expires(self) -> datetime | None:
        at = getattr(self._inner, "expires_at", None)
        return datetime.fromtimestamp(at, UTC) if at else None

    def _check(self) -> None:
        reason = self.book.needs_reauth(self.service)
        if reason:
            raise NeedsReauth(self.service, reason)

    async def headers(self) -> dict[str, str]:
        self._check()
        headers: dict[str, str] = await self.inner().headers()
        return headers

    async def refresh(self) -> None:
        self._check()
        inner = self.inner()
        if isinstance(inner, _Static):
            detail = "the token was refused (revoked or mistyped)"
            self._invalid(detail)
            raise NeedsReauth(self.service, detail)
        await inner.refresh()

    def _invalid(self, detail: str) -> None:
        self.book.mark_needs_reauth(self.service, detail)

    def _rotated(self, refresh_token: str) -> None:
        creds = self.book.get(self.service)
        if creds is not None:
            creds.secret = refresh_token
            self.book.store().save(self.service, creds.to_dict())


class _Static:
    def __init__(self, token: str):
        self._token = token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}
