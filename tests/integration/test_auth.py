"""`caseyos auth`: browser logins end to end, token logins, status, logout, and no leaks.

The CLI runs as a subprocess and the daemon as a real daemon; Google, HubSpot and Slack are
the fakes in this process. The browser is played by the test: it reads the sign-in link
from the CLI's stderr and fetches it, and the fake's consent page redirects to the CLI's
loopback listener as Google's would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import DaemonProcess, run_cli
from tests.fakes.oauth import FakeOAuth
from tests.fakes.slack import FakeSlack

GOOGLE_CLIENT, GOOGLE_SECRET = "1234-casey.apps.googleusercontent.com", "GOCSPX-google-secret-77"
HUBSPOT_CLIENT, HUBSPOT_SECRET = "hs-client-5151", "hs-client-secret-9090"
HUBSPOT_PAT = "pat-na1-11112222-3333-4444-5555-666677778888"
SLACK_TOKEN = "xoxb-4242-1717-slack-bot-secret"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOAuth]:
    with FakeOAuth() as fake:
        fake.add_client(GOOGLE_CLIENT, GOOGLE_SECRET)
        fake.add_client(HUBSPOT_CLIENT, HUBSPOT_SECRET)
        fake.state.static_tokens.add(HUBSPOT_PAT)
        yield fake


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlack]:
    with FakeSlack(SLACK_TOKEN) as fake:
        yield fake


@pytest.fixture
def fakes(provider: FakeOAuth, slack_server: FakeSlack) -> tuple[FakeOAuth, FakeSlack]:
    provider.consent, provider.invalid_grant, provider.refresh_grants = "allow", False, 0
    slack_server.bot_tokens = {SLACK_TOKEN}
    return provider, slack_server


@pytest.fixture
def env(fakes: tuple[FakeOAuth, FakeSlack], caseyos_home: Path) -> dict[str, str]:
    oauth, slack = fakes
    return {
        **os.environ,
        "CASEYOS_GOOGLE_AUTH_URL": oauth.url + "/o/oauth2/v2/auth",
        "CASEYOS_GOOGLE_TOKEN_URL": oauth.url + "/token",
        "CASEYOS_GOOGLE_REVOKE_URL": oauth.url + "/revoke",
        "CASEYOS_GOOGLE_URL": oauth.url,
        "CASEYOS_HUBSPOT_URL": oauth.url,
        "CASEYOS_HUBSPOT_AUTH_URL": oauth.url + "/oauth/authorize",
        "CASEYOS_SLACK_URL": slack.api_url,
        "CASEYOS_SECRETS_PASSPHRASE": PASSPHRASE,
        # The leak scan reads the daemon's log at its most talkative.
        "CASEYOS_LOG_LEVEL": "DEBUG",
        "COLUMNS": "80",
    }


@pytest.fixture
def started(env: dict[str, str], caseyos_home: Path) -> Iterator[DaemonProcess]:
    """A daemon on an empty main workspace (no demo to build), with the fakes' URLs."""
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    d = DaemonProcess({**env, "CASEYOS_SECRETS": "file"}).start()
    yield d
    d.stop()


class Transcript:
    """Every CLI run's output, kept for the leak scan."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.text: list[str] = []

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        out = run_cli(*args, env=self.env, input=input)
        self.text += [out.stdout, out.stderr]
        return out

    def status(self, check: bool = False) -> dict[str, Any]:
        """`auth status --json`, asked over the socket (as the command does; a CLI start
        for each would cost a third of a second)."""
        from caseyos_cli.client import Client

        with Client.connect() as client:
            result: dict[str, Any] = client.call("auth.status", {"check": check})
        self.text.append(json.dumps(result))
        return result

    def service(self, name: str, check: bool = False) -> dict[str, Any]:
        return next(s for s in self.status(check)["services"] if s["service"] == name)

    def browser_login(self, *args: str, input: str | None = None) -> tuple[int, str, str]:
        """Run a browser login, "consent" in the fake, and return (code, stdout, stderr)."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "caseyos_cli", "auth", "login", *args, "--no-browser"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin and proc.stderr and proc.stdout
        if input is not None:
            proc.stdin.write(input)
        proc.stdin.close()
        seen = []
        deadline = time.monotonic() + 30
        link = None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("http"):
                link = line.strip()
                break
        if link is not None:
            # The operator's browser: the consent page redirects to the loopback listener.
            answer = httpx.get(link, follow_redirects=True, timeout=10)
            assert answer.status_code == 200
        proc.wait(timeout=30)
        out, err = proc.stdout.read(), "".join(seen) + proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        self.text += [out, err]
        return proc.returncode, out, err


def test_google_browser_login_end_to_end(
    started: DaemonProcess, env: dict[str, str], fakes: tuple[FakeOAuth, FakeSlack], tmp_path: Path
) -> None:
    oauth, _ = fakes
    cli = Transcript(env)
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": GOOGLE_CLIENT,
                    "client_secret": GOOGLE_SECRET,
                    "redirect_uris": ["http://localhost"],
                }
            }
        )
    )
    login = ("google", "--client-secrets", str(secrets), "--timeout", "20")

    # Refused consent: a clear line, exit 4, nothing saved (a foreign state and a timeout
    # end the same way: tests/test_login_flow.py).
    oauth.consent = "deny"
    code, out, err = cli.browser_login(*login)
    assert code == 4 and out == "" and "declined" in err
    assert not cli.service("google")["signed_in"]

    oauth.consent = "allow"
    code, out, err = cli.browser_login(*login)
    assert code == 0, err
    assert out == "Signed in to google as casey@northwind.example.\n"
    google = cli.service("google")
    assert google["account"] == "casey@northwind.example" and google["kind"] == "oauth"
    assert "https://www.googleapis.com/auth/gmail.readonly" in google["scopes"]
    assert google["access_token_until"] is not None
    # The PKCE verifier was checked by the fake's token endpoint; the code is spent.
    assert oauth.state.codes == {}

    backend = cli.status()["backend"]
    assert backend["name"] == "file" and "CASEYOS_SECRETS_PASSPHRASE" in backend["where"]
    shown = cli.run("auth", "status")
    assert shown.returncode == 0 and "Warning:" in shown.stdout and "casey@" in shown.stdout

    # A check refreshes once; then the grant is revoked at Google and the next check
    # marks google as needing a new login, which a restarted daemon still knows.
    assert cli.service("google", check=True)["checked"] == "ok"
    assert oauth.refresh_grants == 1
    oauth.invalid_grant = True
    assert cli.service("google", check=True)["needs_reauth"]
    started.restart()
    google = cli.service("google")
    assert "invalid_grant" in google["needs_reauth"]
    shown = cli.run("auth", "status")
    assert "NEEDS A NEW LOGIN" in shown.stdout and "caseyos auth login google" in shown.stdout

    # Logging out revokes the refresh token at Google and forgets it here.
    [refresh] = list(oauth.state.refresh_tokens)
    out = cli.run("auth", "logout", "google")
    assert out.returncode == 0 and "revoked" in out.stdout
    assert refresh in oauth.state.revoked
    assert not cli.service("google")["signed_in"]
    leaks(started, cli, [GOOGLE_SECRET, refresh, *oauth.state.access_tokens])


def test_token_logins_hubspot_oauth_and_logout(
    env: dict[str, str], fakes: tuple[FakeOAuth, FakeSlack], caseyos_home: Path
) -> None:
    oauth, slack = fakes
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    # No CASEYOS_SECRETS and no keyring on this machine: nothing is stored anywhere.
    d = DaemonProcess(env).start()
    try:
        cli = Transcript(env)
        out = cli.run("auth", "login", "slack", "--token-stdin", input=SLACK_TOKEN)
        assert out.returncode == 1 and out.stdout == ""
        assert out.stderr.count("\n") == 1, out.stderr
        assert "CASEYOS_SECRETS=file" in out.stderr and "terminal" in out.stderr
        assert not (caseyos_home / "state" / "secrets" / "secrets.fernet").exists()

        # The operator chooses the file (as the question at a terminal remembers it).
        from daemon.secret_store import remember_choice

        remember_choice("file")
        out = cli.run("auth", "login", "slack", "--token-stdin", input="xoxb-wrong\n")
        assert out.returncode == 2 and "refused" in out.stderr and "xoxb-wrong" not in out.stderr
        assert not cli.service("slack")["signed_in"]
        out = cli.run("auth", "login", "slack", "--token-stdin", input=SLACK_TOKEN + "\n")
        assert out.returncode == 0, out.stderr
        assert out.stdout == "Signed in to slack as caseyos in Northwind.\n"
        out = cli.run("auth", "login", "hubspot", "--token-stdin", input=HUBSPOT_PAT)
        assert out.returncode == 0 and "portal 4242" in out.stdout, out.stderr
        assert cli.service("hubspot")["kind"] == "token"
        assert cli.service("slack", check=True)["checked"] == "ok"

        # HubSpot OAuth: the client secret on stdin, the grant from the browser.
        code, out_text, err = cli.browser_login(
            "hubspot", "--oauth", "--client-id", HUBSPOT_CLIENT, "--timeout", "20",
            input=HUBSPOT_SECRET,
        )  # fmt: skip
        assert code == 0, err
        assert out_text == "Signed in to hubspot as portal 4242 (app.hubspot.com).\n"
        hubspot = cli.service("hubspot")
        assert hubspot["kind"] == "oauth" and hubspot["account"].startswith("portal 4242")
        status = cli.status()
        assert status["backend"]["name"] == "file"
        assert "casual" not in (status["backend"]["warning"] or "")  # a passphrase is set

        # Slack's token is revoked at Slack; HubSpot's refresh token is deleted at HubSpot.
        out = cli.run("auth", "logout", "slack")
        assert out.returncode == 0 and "revoked there" in out.stdout
        assert slack.bot_tokens == set()
        [refresh] = [t for t in oauth.state.refresh_tokens if t not in oauth.state.revoked]
        out = cli.run("auth", "logout", "hubspot", "--json")
        assert json.loads(out.stdout)["revoked"] is True, out.stdout
        assert refresh in oauth.state.revoked
        out = cli.run("auth", "logout", "hubspot")
        assert out.returncode == 0 and "nothing to do" in out.stdout
        leaks(
            d,
            cli,
            [SLACK_TOKEN, HUBSPOT_PAT, HUBSPOT_SECRET, refresh, *oauth.state.access_tokens],
        )
    finally:
        d.stop()


def leaks(daemon: DaemonProcess, cli: Transcript, secrets: list[str]) -> None:
    """No secret in any file CaseyOS keeps (databases, log, secrets file) or in any output."""
    home = Path(os.environ["CASEYOS_HOME"])
    files = [p for p in home.rglob("*") if p.is_file() and not p.is_socket()]
    assert any(p.name == "daemon.log" for p in files)
    assert any(p.suffix == ".sqlite3" for p in files)
    found = []
    for secret in secrets:
        assert len(secret) > 8
        for path in files:
            if secret.encode() in path.read_bytes():
                found.append(f"{secret[:6]}... in {path}")
        for n, text in enumerate(cli.text):
            if secret in text:
                found.append(f"{secret[:6]}... in CLI output {n}")
    assert not found, found
