"""Browser logins (OAuth 2 authorization code with PKCE), run in the CLI process.

The browser, the loopback port and the operator are here, not in the daemon, so the flow
runs here: a one-shot HTTP listener on an ephemeral 127.0.0.1 port is the redirect URI
(the "installed app" flow Google documents), the consent page is opened in the browser (or
its URL printed), and the code that comes back is exchanged for tokens, which are handed to
the daemon with `auth.save`. Nothing is written by this process.

The protocol work is Authlib's, not ours: the PKCE verifier and its S256 challenge, the
random `state` that ties the redirect to this login, the authorization URL's encoding, the
token request and the token endpoint's error answers are each easy to get subtly wrong by
hand, and Authlib implements RFC 6749 and RFC 7636 as written (the daemon refreshes tokens
with the same library). This module is imported only by `caseyos auth login`, so neither
Authlib nor httpx is on any other command's path.
"""

from __future__ import annotations

import hmac
import html
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
)
HUBSPOT_SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "crm.objects.owners.read",
)
HUBSPOT_AUTH_URL = "https://app.hubspot.com/oauth/authorize"
ENV_HUBSPOT_AUTH_URL = "CASEYOS_HUBSPOT_AUTH_URL"


class LoginFailed(Exception):
    """The login did not complete; the message says why. Nothing was saved."""


@dataclass
class Redirect:
    """What the browser brought back to the loopback listener."""

    params: dict[str, str] = field(default_factory=dict)
    arrived: threading.Event = field(default_factory=threading.Event)


_PAGE = (
    "<!doctype html><meta charset=utf-8><title>CaseyOS</title>"
    "<body style='font-family:sans-serif;margin:3em'><h1>{title}</h1><p>{text}</p>"
)


class Loopback:
    """A one-shot listener on 127.0.0.1 for the provider's redirect."""

    def __init__(self, port: int = 0):
        self.redirect = Redirect()
        redirect = self.redirect

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # the query holds the code: never printed

            def do_GET(self) -> None:
                query = urllib.parse.urlsplit(self.path).query
                params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                if "code" not in params and "error" not in params:
                    self.send_response(404)  # a favicon, a probe: not the redirect
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if params.get("error"):
                    title, text = "Sign-in cancelled", "You can close this tab."
                else:
                    title, text = "Signed in", "You can close this tab and go back to CaseyOS."
                body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if not redirect.arrived.is_set():
                    redirect.params = params
                    redirect.arrived.set()

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        # A short poll: shutting the listener down waits for the loop to look again.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> dict[str, str]:
        if not self.redirect.arrived.wait(timeout):
            raise LoginFailed(f"no answer from the browser within {timeout:.0f} seconds")
        return self.redirect.params


@dataclass
class Provider:
    service: str
    client_id: str
    client_secret: str | None
    auth_url: str
    token_url: str
    scopes: tuple[str, ...]
    # Extra authorization parameters (Google: offline access, so a refresh token comes).
    extra: dict[str, str] = field(default_factory=dict)


def browser_login(
    provider: Provider,
    *,
    show: Callable[[str], None],
    open_browser: bool,
    timeout: float,
    port: int = 0,
) -> dict[str, Any]:
    """Run the authorization-code flow with PKCE; return the token endpoint's answer.

    `show` prints the URL to open (on stderr). Raises LoginFailed for a refusal, a state
    that does not match, a timeout, or a token endpoint that says no.
    """
    from authlib.common.security import generate_token
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.integrations.httpx_client._compat import httpx2

    with Loopback(port) as loopback:
        client = OAuth2Client(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope=" ".join(provider.scopes),
            redirect_uri=loopback.uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_post",
            timeout=30.0,
        )
        verifier = generate_token(64)
        url, state = client.create_authorization_url(
            provider.auth_url, code_verifier=verifier, **provider.extra
        )
        show(url)
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        started = time.monotonic()
        answer = loopback.wait(timeout)
        if answer.get("error"):
            error = answer["error"]
            if error == "access_denied":
                raise LoginFailed(f"{provider.service} sign-in was declined in the browser")
            raise LoginFailed(f"{provider.service} sign-in failed: {error[:100]}")
        if not hmac.compare_digest(answer.get("state", ""), state):
            raise LoginFailed(
                "the browser came back with another login's state; nothing was saved "
                "(start again, and use the newest link)"
            )
        try:
            with client:
                token: dict[str, Any] = client.fetch_token(
                    provider.token_url,
                    grant_type="authorization_code",
                    code=answer.get("code", ""),
                    code_verifier=verifier,
                    redirect_uri=loopback.uri,
                    timeout=max(5.0, timeout - (time.monotonic() - started)),
                )
        except OAuthError as exc:
            raise LoginFailed(f"{provider.service} refused the sign-in ({exc.error})") from None
        except httpx2.HTTPError as exc:
            raise LoginFailed(
                f"could not reach {provider.service}'s token endpoint ({type(exc).__name__})"
            ) from None
    if not token.get("refresh_token"):
        raise LoginFailed(
            f"{provider.service} gave no refresh token; remove CaseyOS from the account's "
            "connected apps and sign in again"
        )
    return token


def google_provider(client_secrets: dict[str, Any], endpoints: Any) -> Provider:
    """The Google provider from a downloaded client_secret.json (an "installed" app)."""
    app = client_secrets.get("installed") or client_secrets.get("web")
    if not isinstance(app, dict) or not app.get("client_id"):
        raise LoginFailed("the client secrets file has no installed app's client_id")
    return Provider(
        service="google",
        client_id=str(app["client_id"]),
        client_secret=app.get("client_secret"),
        auth_url=endpoints.google_auth,
        token_url=endpoints.google_token,
        scopes=GOOGLE_SCOPES,
        extra={"access_type": "offline", "prompt": "consent"},
    )


def hubspot_provider(client_id: str, client_secret: str, endpoints: Any, auth_url: str) -> Provider:
    return Provider(
        service="hubspot",
        client_id=client_id,
        client_secret=client_secret,
        auth_url=auth_url,
        token_url=f"{endpoints.hubspot}/oauth/v1/token",
        scopes=HUBSPOT_SCOPES,
    )


def save_params(
    service: str, provider: Provider, token: dict[str, Any], scopes: tuple[str, ...]
) -> dict[str, Any]:
    """The `auth.save` parameters for what a browser login obtained."""
    granted = token.get("scope")
    if isinstance(granted, str) and granted:
        scope_list = granted.split()
    elif isinstance(granted, list):
        scope_list = [str(s) for s in granted]
    else:
        scope_list = list(scopes)
    params: dict[str, Any] = {
        "service": service,
        "kind": "oauth",
        "token": token["refresh_token"],
        "access_token": token.get("access_token"),
        "expires_in": _number(token.get("expires_in")),
        "refresh_expires_in": _number(token.get("refresh_token_expires_in")),
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "scopes": scope_list,
    }
    return params


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
