"""auth.save, auth.status, auth.logout: the operator's sign-ins to HubSpot, Google, Slack.

The login flows run in the CLI (a browser and a loopback port are the operator's, not the
daemon's); what they obtain is handed over here with `auth.save`, checked with the
provider, and kept in the secret store (daemon/credentials.py). These operations are for
the CLI only: no assistant or MCP client ever sees a token or can sign the operator out.
Secret parameters are `SecretStr`, so they never show in a log line, an error or a repr.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field, SecretStr

from connectors.http import Api, ApiError, NeedsReauth, RetryPolicy, StaticToken
from connectors.live import Endpoints
from daemon.context import OpContext
from daemon.credentials import SERVICES, CredentialBook, Credentials
from daemon.errors import InvalidParams, Unavailable
from daemon.registry import CLI_ONLY, Params, operation
from daemon.secret_store import SecretStoreError
from daemon.wire import WireModel

log = logging.getLogger(__name__)

Service = Literal["hubspot", "google", "slack"]
SECRET = 4096  # longest token we take: provider tokens are a few hundred characters


class SaveParams(Params):
    service: Service = Field(description="Which service the credentials are for.")
    kind: Literal["oauth", "token"] = Field(
        description="oauth: a refresh token from a browser login; token: a static token "
        "(HubSpot private app, Slack bot)."
    )
    token: SecretStr = Field(
        max_length=SECRET, description="The refresh token (oauth) or the static token."
    )
    access_token: SecretStr | None = Field(
        None, max_length=SECRET, description="The access token the login obtained (oauth)."
    )
    expires_in: float | None = Field(
        None, ge=0, description="Seconds the access token is good for (oauth)."
    )
    refresh_expires_in: float | None = Field(
        None, ge=0, description="Seconds the refresh token is good for, when the provider says."
    )
    client_id: str | None = Field(None, max_length=512, description="The OAuth client's id.")
    client_secret: SecretStr | None = Field(
        None, max_length=SECRET, description="The OAuth client's secret."
    )
    scopes: list[str] = Field(
        default_factory=list, max_length=50, description="The scopes granted."
    )


class ServiceStatus(WireModel):
    service: str
    signed_in: bool
    kind: str | None = Field(description="oauth (refreshing) or token (static).")
    account: str | None = Field(description="Whose account the credentials reach.")
    scopes: list[str]
    expiry: datetime | None = Field(description="When the stored grant runs out, if known.")
    access_token_until: datetime | None = Field(
        description="When the access token held in memory runs out (oauth)."
    )
    saved_at: datetime | None
    backend: str | None = Field(description="The secret store: keyring, file or memory.")
    needs_reauth: str | None = Field(description="Why a new login is needed, if it is.")
    login: str = Field(description="The command that signs in (again).")
    checked: str | None = Field(
        None, description="With check: ok, or what went wrong asking the provider."
    )


class Backend(WireModel):
    name: str | None = Field(description="keyring, file or memory; null when none is usable.")
    where: str | None
    warning: str | None
    problem: str | None = Field(description="Why no store is usable, if none is.")


class StatusResult(WireModel):
    backend: Backend
    services: list[ServiceStatus]


class SaveResult(WireModel):
    service: ServiceStatus


LOGIN = {
    "google": "caseyos auth login google --client-secrets client_secret.json",
    "hubspot": "caseyos auth login hubspot --token-stdin",
    "slack": "caseyos auth login slack --token-stdin",
}


def _status(book: CredentialBook) -> StatusResult:
    backend = Backend(**book.backend())
    rows = [ServiceStatus(**row, login=LOGIN[row["service"]]) for row in book.status()]
    return StatusResult(backend=backend, services=rows)


def _book(ctx: OpContext) -> CredentialBook:
    return ctx.state.credentials


def _store_problem(exc: SecretStoreError) -> Unavailable:
    return Unavailable(str(exc))


class StatusParams(Params):
    check: bool = Field(
        False,
        description="Also ask each provider now: refresh the access token and read the "
        "account, marking a sign-in that no longer works.",
    )


@operation(
    "auth.status",
    params=StatusParams,
    result=StatusResult,
    # External: with `check` it asks the providers (and may mark a sign-in as dead).
    effect="external",
    needs_session=False,
    destructive=False,
    idempotent=True,
    description="Each service's sign-in: account, scopes, expiry, secret store, and whether "
    "it needs a new login.",
    expose=CLI_ONLY,
)
async def auth_status(ctx: OpContext, p: StatusParams) -> StatusResult:
    book = _book(ctx)
    checked: dict[str, str] = {}
    if p.check and not book.backend()["problem"]:
        endpoints = Endpoints.from_env()
        for service in SERVICES:
            result = await check(book, service, endpoints)
            if result is not None:
                checked[service] = result
    status = await asyncio.to_thread(_status, book)
    for row in status.services:
        row.checked = checked.get(row.service)
    return status


async def check(book: CredentialBook, service: str, endpoints: Endpoints) -> str | None:
    """Ask the provider whether a sign-in still works (an OAuth one is refreshed first);
    None when there is nothing to ask about."""
    creds = await asyncio.to_thread(book.get, service)
    if creds is None or creds.needs_reauth:
        return None
    try:
        if creds.kind == "oauth":
            source = book.token_source(service, endpoints)
            await source.refresh()
            access = (await source.headers())["Authorization"].removeprefix("Bearer ")
        else:
            access = creds.secret
        await account_of(service, access, endpoints)
    except NeedsReauth as exc:
        book.mark_needs_reauth(service, exc.detail)
        return "needs a new login"
    except InvalidParams:
        book.mark_needs_reauth(service, "the provider refused the credentials")
        return "needs a new login"
    except (ApiError, Unavailable) as exc:
        return f"could not check: {exc}"
    return "ok"


async def account_of(service: str, access: str, endpoints: Endpoints) -> tuple[str, str | None]:
    """Ask the provider whose credentials these are: (account, remark). Raises
    InvalidParams when it refuses them, Unavailable when it cannot be reached."""
    base = {"hubspot": endpoints.hubspot, "google": endpoints.google, "slack": endpoints.slack}
    api = Api(service, base[service], auth=StaticToken(service, access), policy=RetryPolicy(3))
    try:
        async with api:
            if service == "hubspot":
                body = await api.get_json("/account-info/v3/details")
                portal = body.get("portalId") if isinstance(body, dict) else None
                if portal is None:
                    raise InvalidParams("HubSpot answered without a portalId", field="token")
                domain = body.get("uiDomain")
                return f"portal {portal}" + (f" ({domain})" if domain else ""), None
            if service == "google":
                body = await api.get_json("/gmail/v1/users/me/profile")
                email = body.get("emailAddress") if isinstance(body, dict) else None
                if not email:
                    raise InvalidParams("Google answered without an emailAddress", field="token")
                return str(email), None
            body = await api.post_json("/auth.test", {}, idempotent=True)
            if not isinstance(body, dict) or not body.get("ok"):
                error = body.get("error") if isinstance(body, dict) else "no answer"
                raise InvalidParams(
                    f"slack refused the token ({error}): nothing was saved", field="token"
                )
            return f"{body.get('user')} in {body.get('team')}", None
    except NeedsReauth:
        raise InvalidParams(
            f"{service} refused the credentials (401): nothing was saved", field="token"
        ) from None
    except ApiError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            raise InvalidParams(
                f"{service} refused the credentials ({exc.status}): nothing was saved",
                field="token",
            ) from None
        raise Unavailable(f"could not check the credentials: {exc}") from None


@operation(
    "auth.save",
    params=SaveParams,
    result=SaveResult,
    effect="external",
    needs_session=False,
    description="Check credentials from a login with the provider and keep them in the "
    "secret store.",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def auth_save(ctx: OpContext, p: SaveParams) -> SaveResult:
    book = _book(ctx)
    try:
        await asyncio.to_thread(book.store)
    except SecretStoreError as exc:
        raise _store_problem(exc) from None
    endpoints = Endpoints.from_env()
    if p.kind == "oauth":
        if p.service == "slack":
            raise InvalidParams("Slack takes a bot token (kind token)", field="kind")
        if p.access_token is None or not p.client_id:
            raise InvalidParams(
                "an oauth login needs access_token and client_id", field="access_token"
            )
        access = p.access_token.get_secret_value()
    else:
        access = p.token.get_secret_value()
    account, _ = await account_of(p.service, access, endpoints)
    now = datetime.now(UTC)
    creds = Credentials(
        kind=p.kind,
        secret=p.token.get_secret_value(),
        client_id=p.client_id,
        client_secret=p.client_secret.get_secret_value() if p.client_secret else None,
        scopes=list(p.scopes),
        expires_at=now + timedelta(seconds=p.refresh_expires_in) if p.refresh_expires_in else None,
        account=account,
        saved_at=now,
    )
    try:
        await asyncio.to_thread(book.save, p.service, creds)
    except SecretStoreError as exc:
        raise _store_problem(exc) from None
    if p.kind == "oauth":
        book.seed(p.service, endpoints, access, p.expires_in or 3600.0)
    log.info("signed in to %s as %s", p.service, account)
    status = await asyncio.to_thread(_status, book)
    return SaveResult(service=next(s for s in status.services if s.service == p.service))


class LogoutParams(Params):
    service: Service = Field(description="Which service to sign out of.")


class LogoutResult(WireModel):
    service: str
    was_signed_in: bool
    revoked: bool = Field(description="Whether the provider confirmed the revocation.")
    remark: str | None = Field(description="Why it was not revoked at the provider, if not.")


@operation(
    "auth.logout",
    params=LogoutParams,
    result=LogoutResult,
    effect="external",
    needs_session=False,
    description="Revoke a service's credentials at the provider where it can, and forget "
    "them here either way.",
    expose=CLI_ONLY,
    destructive=True,
    idempotent=True,
)
async def auth_logout(ctx: OpContext, p: LogoutParams) -> LogoutResult:
    book = _book(ctx)
    try:
        creds = await asyncio.to_thread(book.get, p.service)
    except SecretStoreError as exc:
        raise _store_problem(exc) from None
    if creds is None:
        return LogoutResult(service=p.service, was_signed_in=False, revoked=False, remark=None)
    revoked, remark = await revoke(p.service, creds, Endpoints.from_env())
    await asyncio.to_thread(book.forget, p.service)
    log.info("signed out of %s (%s)", p.service, "revoked" if revoked else "not revoked")
    return LogoutResult(service=p.service, was_signed_in=True, revoked=revoked, remark=remark)


async def revoke(service: str, creds: Credentials, endpoints: Endpoints) -> tuple[bool, str | None]:
    """Revoke at the provider: (done, why not). Never raises; nothing here names a token."""
    import urllib.parse

    import httpx

    token = creds.secret
    try:
        async with httpx.AsyncClient(timeout=15.0, headers={"User-Agent": "CaseyOS"}) as http:
            if service == "google":
                r = await http.post(endpoints.google_revoke, data={"token": token})
            elif service == "hubspot":
                if creds.kind != "oauth":
                    return False, (
                        "a private-app token cannot be revoked from here; rotate it in "
                        "HubSpot (Settings > Integrations > Private Apps)"
                    )
                # The refresh token is part of the path: sent directly, so no request log
                # (connectors.http logs paths) ever carries it.
                path = urllib.parse.quote(token, safe="")
                r = await http.delete(f"{endpoints.hubspot}/oauth/v1/refresh-tokens/{path}")
            else:
                r = await http.post(
                    f"{endpoints.slack}/auth.revoke",
                    headers={"Authorization": f"Bearer {token}"},
                )
                if r.status_code == 200:
                    body: Any = r.json()
                    if not (isinstance(body, dict) and body.get("ok")):
                        error = body.get("error") if isinstance(body, dict) else "?"
                        return False, f"Slack did not revoke the token ({error})"
    except (httpx.HTTPError, ValueError) as exc:
        return False, f"could not reach {service} to revoke ({type(exc).__name__})"
    if r.status_code in (200, 204):
        return True, None
    return False, f"{service} answered {r.status_code} to the revocation"
