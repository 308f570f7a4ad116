"""caseyos auth ...: sign in to HubSpot, Google and Slack, see the sign-ins, sign out.

Secrets never travel on the command line (where `ps` shows them): tokens come on stdin (or
a hidden prompt at a terminal), Google's client from its downloaded file, and OAuth grants
from the browser. The browser flows (caseyos_cli/login.py) run here; the daemon checks what
they obtained with the provider and keeps it (`auth.save`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from caseyos_cli import cli, output

app = cli.App(help="Sign-ins to HubSpot, Google and Slack.", panel=cli.SETUP)

SERVICES = ("hubspot", "google", "slack")
JSON = typer.Option(False, "--json", help="Print JSON for scripts (stable field names).")


def _service(value: str) -> str:
    if value not in SERVICES:
        raise typer.BadParameter(f"must be one of {', '.join(SERVICES)}, not {value!r}")
    return value


SERVICE = typer.Argument(
    ..., metavar="SERVICE", help="hubspot, google or slack.", callback=_service
)


def _read_secret(what: str) -> str:
    """A secret from stdin, or typed at a hidden prompt when stdin is a terminal."""
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{what}: ", stream=sys.stderr)
    else:
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        output.fail(f"no {what.lower()} on stdin", output.USAGE)
    return value


def _ensure_store(status: dict[str, Any]) -> None:
    """Stop, in one line, when no secret store is usable; at a terminal, offer the file."""
    from daemon import secret_store

    problem = status["backend"]["problem"]
    if not problem:
        return
    if problem != secret_store.NO_STORE or not (sys.stdin.isatty() and sys.stderr.isatty()):
        output.fail(problem)
    where = secret_store.secrets_dir()
    sys.stderr.write(
        output.wrap(
            "No keyring answers on this machine. Keep sign-ins in an encrypted file in "
            f"{where} instead? [y/N] "
        )
    )
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        output.fail(problem)
    secret_store.remember_choice("file")
    output.note(
        output.wrap(
            "Sign-ins will be kept in an encrypted file (remembered for next time); "
            "`caseyos auth status` says how it is protected."
        )
    )


def _stored_client_secret(client_id: str) -> str | None:
    """HubSpot's client secret from an earlier login with the same app, if kept."""
    from daemon import secret_store

    try:
        stored = secret_store.open_store().load("hubspot")
    except secret_store.SecretStoreError:
        return None
    if stored and stored.get("client_id") == client_id:
        secret = stored.get("client_secret")
        return str(secret) if secret else None
    return None


def _hubspot_client_secret(client_id: str) -> str:
    if not sys.stdin.isatty():
        value = sys.stdin.read().strip()
    else:
        import getpass

        value = getpass.getpass(
            "HubSpot app's client secret (Enter for the stored one): ", stream=sys.stderr
        ).strip()
    value = value or _stored_client_secret(client_id) or ""
    if not value:
        output.fail(
            "HubSpot OAuth needs the app's client secret on stdin (none is stored for "
            "this client id)",
            output.USAGE,
        )
    return value


def _browser(service: str, provider: Any, no_browser: bool, timeout: float, port: int) -> Any:
    from caseyos_cli import login

    def show(url: str) -> None:
        if no_browser:
            output.note(f"Open this link in a browser to sign in to {service}:")
        else:
            output.note(f"Opening your browser to sign in to {service}; if it does not open:")
        output.note(url)
        output.note("Waiting for the browser...")
        sys.stderr.flush()

    try:
        token = login.browser_login(
            provider, show=show, open_browser=not no_browser, timeout=timeout, port=port
        )
    except login.LoginFailed as exc:
        output.fail(str(exc), output.AUTH)
    except OSError as exc:
        output.fail(f"cannot listen on 127.0.0.1 port {port}: {exc.strerror}")
    return login.save_params(service, provider, token, provider.scopes)


@app.command(
    examples=[
        "# Google: the OAuth client file downloaded from the Cloud console",
        "caseyos auth login google --client-secrets client_secret.json",
        "caseyos auth login google --client-secrets client_secret.json --no-browser",
        "# HubSpot: a private app's token, or OAuth with your app's client",
        "pass show hubspot | caseyos auth login hubspot --token-stdin",
        "cat secret.txt | caseyos auth login hubspot --oauth --client-id 1a2b3c",
        "# Slack: the bot token",
        "cat slack-token.txt | caseyos auth login slack --token-stdin",
    ],
    op="auth.save",
)
def login(
    service: str = SERVICE,
    client_secrets: Path | None = typer.Option(
        None,
        "--client-secrets",
        metavar="FILE",
        help="Google: the client_secret.json of your OAuth client (a desktop app).",
    ),
    token_stdin: bool = typer.Option(
        False, "--token-stdin", help="Read a token from stdin (HubSpot private app, Slack bot)."
    ),
    oauth: bool = typer.Option(False, "--oauth", help="HubSpot: sign in with your OAuth app."),
    client_id: str | None = typer.Option(
        None, "--client-id", metavar="ID", help="HubSpot OAuth: the app's client id."
    ),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the sign-in link instead of opening a browser."
    ),
    timeout: float = typer.Option(
        300, "--timeout", min=1, metavar="SECONDS", help="How long to wait for the browser."
    ),
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Loopback port for the redirect (0: any free one)."
    ),
) -> None:
    """Sign in to a service; the daemon checks the sign-in and keeps it."""
    if service == "google":
        if not client_secrets:
            output.fail(
                "google signs in with your OAuth client: add --client-secrets FILE",
                output.USAGE,
            )
    elif service == "hubspot":
        if oauth == token_stdin:
            output.fail("hubspot: choose --token-stdin or --oauth --client-id ID", output.USAGE)
        if oauth and not client_id:
            output.fail("hubspot --oauth needs --client-id ID", output.USAGE)
    elif not token_stdin:
        output.fail("slack signs in with a bot token: add --token-stdin", output.USAGE)

    _ensure_store(output.call("auth.status", {}))
    params: dict[str, Any]
    if service == "google":
        from caseyos_cli import login as flows
        from connectors.live import Endpoints

        assert client_secrets is not None
        try:
            secrets = json.loads(client_secrets.read_text(encoding="utf-8"))
            provider = flows.google_provider(secrets, Endpoints.from_env())
        except (OSError, ValueError) as exc:
            output.fail(f"cannot read {client_secrets}: {exc}", output.USAGE)
        except flows.LoginFailed as exc:
            output.fail(f"{client_secrets}: {exc}", output.USAGE)
        params = _browser(service, provider, no_browser, timeout, port)
    elif service == "hubspot" and oauth:
        import os

        from caseyos_cli import login as flows
        from connectors.live import Endpoints

        assert client_id is not None
        secret = _hubspot_client_secret(client_id)
        auth_url = os.environ.get(flows.ENV_HUBSPOT_AUTH_URL) or flows.HUBSPOT_AUTH_URL
        provider = flows.hubspot_provider(client_id, secret, Endpoints.from_env(), auth_url)
        params = _browser(service, provider, no_browser, timeout, port)
    else:
        what = "HubSpot private-app token" if service == "hubspot" else "Slack bot token"
        params = {"service": service, "kind": "token", "token": _read_secret(what)}
    result = output.call("auth.save", params, flags={"token": "the token"})["service"]
    print(output.wrap(f"Signed in to {service} as {result['account']}."))


def _when(value: str | None) -> str:
    return f"{value[:16].replace('T', ' ')} UTC" if value else "not said"


@app.command(
    examples=["caseyos auth status", "caseyos auth status --check", "caseyos auth status --json"],
    op="auth.status",
)
def status(
    check: bool = typer.Option(
        False, "--check", help="Ask each provider now whether the sign-in still works."
    ),
    as_json: bool = JSON,
) -> None:
    """Each sign-in: account, scopes, expiry, where it is kept, and whether to log in again."""
    result = output.call("auth.status", {"check": check})
    if as_json:
        output.print_json(result)
        return
    backend = result["backend"]
    if backend["problem"]:
        print(output.wrap(f"Secrets: unusable: {backend['problem']}", indent="  "))
    else:
        print(output.wrap(f"Secrets: {backend['where']}", indent="  "))
        if backend["warning"]:
            print(output.wrap(f"Warning: {backend['warning']}", indent="  ", first="  "))
    for s in result["services"]:
        print()
        if not s["signed_in"]:
            print(output.wrap(f"{s['service']}: not signed in; run `{s['login']}`", indent="  "))
            continue
        kind = "OAuth" if s["kind"] == "oauth" else "token"
        print(output.wrap(f"{s['service']}: {s['account']} ({kind})", indent="  "))
        if s["scopes"]:
            print(output.wrap("scopes: " + ", ".join(s["scopes"]), first="  ", indent="    "))
        if s["kind"] == "oauth":
            print(f"  grant expires: {_when(s['expiry'])}")
            if s["access_token_until"]:
                print(f"  access token until: {_when(s['access_token_until'])}")
        if s["checked"] and not s["needs_reauth"]:
            print(output.wrap(f"checked just now: {s['checked']}", first="  ", indent="    "))
        if s["needs_reauth"]:
            print(
                output.wrap(
                    f"NEEDS A NEW LOGIN: {s['needs_reauth']}; run `{s['login']}`",
                    first="  ",
                    indent="    ",
                )
            )


@app.command(
    examples=["caseyos auth logout slack", "caseyos auth logout google --json"],
    op="auth.logout",
)
def logout(service: str = SERVICE, as_json: bool = JSON) -> None:
    """Revoke a sign-in at the provider where possible, and forget it here either way."""
    result = output.call("auth.logout", {"service": service}, flags={"service": "SERVICE"})
    if as_json:
        output.print_json(result)
        return
    if not result["was_signed_in"]:
        print(f"Not signed in to {service}: nothing to do.")
    elif result["revoked"]:
        print(output.wrap(f"Signed out of {service}: revoked there and forgotten here."))
    else:
        print(output.wrap(f"Forgotten here, but not revoked at {service}: {result['remark']}."))
