"""A fake OAuth provider: Google's authorization, token and revoke endpoints (and the Gmail
profile that tells whose account it is), and HubSpot's v1 token endpoints and account info.

Google (https://developers.google.com/identity/protocols/oauth2/native-app):
  GET  /o/oauth2/v2/auth      consent: 302 to redirect_uri with code and state (or
                              error=access_denied, or another state, per `consent`)
  POST /token                 authorization_code (PKCE S256 checked) and refresh_token
                              grants, form-encoded; errors {"error", "error_description"}
  POST /revoke                token=... in the form; 200, or 400 invalid_token
  GET  /gmail/v1/users/me/profile   {"emailAddress", ...} for a live access token
HubSpot (https://developers.hubspot.com/docs/api/oauth/tokens):
  POST /oauth/v1/token        the same grants; a dead refresh token is 400 with
                              {"status": "BAD_REFRESH_TOKEN", "message", "correlationId"}
  DELETE /oauth/v1/refresh-tokens/{token}   204
  GET  /account-info/v3/details   {"portalId", "uiDomain", ...}
  A private-app token (`static_tokens`) is accepted by the API routes too.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    scope: str
    challenge: str | None
    method: str | None


@dataclass
class Client:
    client_id: str
    client_secret: str


@dataclass
class OAuthState:
    clients: dict[str, Client] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token -> scope
    access_tokens: set[str] = field(default_factory=set)
    static_tokens: set[str] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)


class FakeOAuth(FakeServer):
    """One fake for both providers' OAuth endpoints and the calls that name the account."""

    def __init__(self, email: str = "casey@northwind.example", portal: int = 4242) -> None:
        super().__init__()
        self.state = OAuthState()
        self.email = email
        self.portal = portal
        # What the consent page does: "allow", "deny" (error=access_denied), "wrong_state".
        self.consent = "allow"
        # Answer refresh_token grants with invalid_grant (revoked or expired).
        self.invalid_grant = False
        self.expires_in = 3599
        self.refresh_grants = 0
        self.route("GET", "/o/oauth2/v2/auth", self._authorize)
        self.route("GET", "/oauth/authorize", self._authorize)
        self.route("POST", "/token", self._google_token)
        self.route("POST", "/revoke", self._revoke)
        self.route("GET", "/gmail/v1/users/me/profile", self._profile)
        self.route("POST", "/oauth/v1/token", self._hubspot_token)
        self.route("DELETE", "/oauth/v1/refresh-tokens/([^/]+)", self._hubspot_delete)
        self.route("GET", "/account-info/v3/details", self._account)

    def add_client(self, client_id: str, client_secret: str) -> None:
        with self.lock:
            self.state.clients[client_id] = Client(client_id, client_secret)

    # -- authorization ---------------------------------------------------------------------

    def _authorize(self, r: Request) -> Reply:
        client_id = r.arg("client_id") or ""
        redirect = r.arg("redirect_uri") or ""
        if client_id not in self.state.clients:
            return 400, "Error 401: invalid_client", {"Content-Type": "text/html"}
        if r.arg("response_type") != "code" or not redirect.startswith("http://127.0.0.1:"):
            return 400, "Error 400: invalid_request", {"Content-Type": "text/html"}
        state = r.arg("state") or ""
        if self.consent == "deny":
            query = {"error": "access_denied", "state": state}
        else:
            code = "4/" + secrets.token_urlsafe(24)
            with self.lock:
                self.state.codes[code] = Grant(
                    client_id,
                    redirect,
                    r.arg("scope") or "",
                    r.arg("code_challenge"),
                    r.arg("code_challenge_method"),
                )
            if self.consent == "wrong_state":
                state = "not-" + state
            query = {"code": code, "state": state, "scope": r.arg("scope") or ""}
        location = f"{redirect}?{urllib.parse.urlencode(query)}"
        return 302, "", {"Location": location}

    # -- tokens ----------------------------------------------------------------------------

    def _client(self, form: dict[str, str]) -> Client | None:
        client = self.state.clients.get(form.get("client_id", ""))
        if client is None or client.client_secret != form.get("client_secret"):
            return None
        return client

    def _exchange(self, form: dict[str, str]) -> tuple[dict[str, Any] | None, str]:
        """(token answer, "") or (None, error code) for either grant."""
        client = self._client(form)
        if client is None:
            return None, "invalid_client"
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self.lock:
                found = self.state.codes.pop(form.get("code", ""), None)
            if found is None or found.client_id != client.client_id:
                return None, "invalid_grant"
            if form.get("redirect_uri") != found.redirect_uri:
                return None, "redirect_uri_mismatch"
            if found.challenge is not None:
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if found.method != "S256" or expected != found.challenge:
                    return None, "invalid_grant"
            refresh = "1//" + secrets.token_urlsafe(32)
            access = "ya29." + secrets.token_urlsafe(32)
            with self.lock:
                self.state.refresh_tokens[refresh] = found.scope
                self.state.access_tokens.add(access)
            return {
                "access_token": access,
                "expires_in": self.expires_in,
                "refresh_token": refresh,
                "scope": found.scope,
                "token_type": "Bearer",
            }, ""
        if grant == "refresh_token":
            with self.lock:
                self.refresh_grants += 1
                scope = self.state.refresh_tokens.get(form.get("refresh_token", ""))
            if scope is None or self.invalid_grant:
                return None, "invalid_grant"
            access = "ya29." + secrets.token_urlsafe(32)
            with self.lock:
                self.state.access_tokens.add(access)
            return {
                "access_token": access,
                "expires_in": self.expires_in,
                "scope": scope,
                "token_type": "Bearer",
            }, ""
        return None, "unsupported_grant_type"

    def _google_token(self, r: Request) -> Reply:
        answer, error = self._exchange(r.form())
        if answer is None:
            status = 401 if error == "invalid_client" else 400
            return status, {"error": error, "error_description": _DESCRIPTIONS.get(error, error)}
        return 200, answer

    def _hubspot_token(self, r: Request) -> Reply:
        answer, error = self._exchange(r.form())
        if answer is None:
            status = "BAD_REFRESH_TOKEN" if error == "invalid_grant" else "BAD_CLIENT_ID"
            if r.form().get("grant_type") == "authorization_code" and error == "invalid_grant":
                status = "BAD_AUTH_CODE"
            return 400, {
                "status": status,
                "message": _DESCRIPTIONS.get(error, error),
                "correlationId": str(uuid.uuid4()),
            }
        answer["token_type"] = "bearer"
        answer["expires_in"] = 1800
        if "refresh_token" not in answer:
            # HubSpot sends the (unchanged) refresh token back with every refresh.
            answer["refresh_token"] = r.form().get("refresh_token")
        answer.pop("scope", None)
        return 200, answer

    def _revoke(self, r: Request) -> Reply:
        token = r.form().get("token") or r.arg("token") or ""
        with self.lock:
            known = self.state.refresh_tokens.pop(token, None) is not None
            if token in self.state.access_tokens:
                self.state.access_tokens.discard(token)
                known = True
            if known:
                self.state.revoked.append(token)
        if not known:
            return 400, {"error": "invalid_token", "error_description": "Token expired or revoked"}
        return 200, {}

    def _hubspot_delete(self, r: Request, quoted: str) -> Reply:
        token = urllib.parse.unquote(quoted)
        with self.lock:
            if self.state.refresh_tokens.pop(token, None) is None:
                return 404, {"status": "error", "message": "refresh token not found"}
            self.state.revoked.append(token)
        return 204, b""

    # -- the calls that name the account ----------------------------------------------------

    def _live(self, r: Request) -> bool:
        return r.token is not None and (
            r.token in self.state.access_tokens or r.token in self.state.static_tokens
        )

    def _profile(self, r: Request) -> Reply:
        if not self._live(r):
            return 401, {
                "error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials.",
                    "status": "UNAUTHENTICATED",
                }
            }
        return 200, {
            "emailAddress": self.email,
            "messagesTotal": 1200,
            "threadsTotal": 800,
            "historyId": "99001",
        }

    def _account(self, r: Request) -> Reply:
        if not self._live(r):
            return 401, {
                "status": "error",
                "message": "Authentication credentials not found.",
                "correlationId": str(uuid.uuid4()),
                "category": "INVALID_AUTHENTICATION",
            }
        return 200, {
            "portalId": self.portal,
            "accountType": "STANDARD",
            "timeZone": "US/Eastern",
            "companyCurrency": "USD",
            "additionalCurrencies": [],
            "utcOffset": "-05:00",
            "utcOffsetMilliseconds": -18000000,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }


_DESCRIPTIONS = {
    "invalid_grant": "Token has been expired or revoked.",
    "invalid_client": "The OAuth client was not found.",
    "redirect_uri_mismatch": "Bad Request",
    "unsupported_grant_type": "Invalid grant_type",
}
