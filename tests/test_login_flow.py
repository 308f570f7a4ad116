"""The browser login's protocol, in process: PKCE, state, refusals, a timeout."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from caseyos_cli import login
from connectors.live import Endpoints
from tests.fakes.oauth import FakeOAuth

CLIENT, SECRET = "flow-client.apps.example", "flow-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOAuth]:
    with FakeOAuth() as fake:
        fake.add_client(CLIENT, SECRET)
        yield fake


@pytest.fixture
def fake(server: FakeOAuth) -> FakeOAuth:
    server.consent = "allow"
    server.requests.clear()
    return server


def provider(fake: FakeOAuth) -> login.Provider:
    endpoints = Endpoints(
        google_auth=fake.url + "/o/oauth2/v2/auth", google_token=fake.url + "/token"
    )
    return login.google_provider(
        {"installed": {"client_id": CLIENT, "client_secret": SECRET}}, endpoints
    )


def browse(url: str) -> None:
    """The operator's browser, in a thread: open the consent link, follow the redirect."""
    threading.Thread(target=httpx.get, args=(url,), kwargs={"follow_redirects": True}).start()


def test_the_link_asks_for_s256_pkce_offline_access_and_a_state(fake: FakeOAuth) -> None:
    shown: list[str] = []

    def show(url: str) -> None:
        shown.append(url)
        browse(url)

    token = login.browser_login(provider(fake), show=show, open_browser=False, timeout=10)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(shown[0]).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 20 and query["access_type"] == "offline"
    assert query["redirect_uri"].startswith("http://127.0.0.1:")
    assert "gmail.readonly" in query["scope"] and "code_verifier" not in query
    [exchange] = [r for r in fake.requests if r.path == "/token"]
    form = exchange.form()
    assert form["grant_type"] == "authorization_code" and len(form["code_verifier"]) >= 43
    params = login.save_params("google", provider(fake), token, login.GOOGLE_SCOPES)
    assert params["kind"] == "oauth" and params["token"].startswith("1//")
    assert params["client_secret"] == SECRET and params["access_token"].startswith("ya29.")


@pytest.mark.parametrize(
    ("consent", "said"), [("deny", "declined"), ("wrong_state", "another login's state")]
)
def test_a_refusal_or_a_foreign_state_ends_the_login(
    fake: FakeOAuth, consent: str, said: str
) -> None:
    fake.consent = consent
    with pytest.raises(login.LoginFailed, match=said):
        login.browser_login(provider(fake), show=browse, open_browser=False, timeout=10)
    assert not [r for r in fake.requests if r.path == "/token"]  # no code was exchanged


def test_nobody_coming_back_times_out(fake: FakeOAuth) -> None:
    with pytest.raises(login.LoginFailed, match="no answer from the browser"):
        login.browser_login(provider(fake), show=lambda url: None, open_browser=False, timeout=0.2)


def test_a_client_file_without_a_client_id_is_refused() -> None:
    with pytest.raises(login.LoginFailed, match="client_id"):
        login.google_provider({"web": {}}, Endpoints())


def test_hubspot_client_secret_can_come_from_the_store(
    caseyos_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caseyos_cli.commands import auth_cmd
    from daemon.secret_store import open_store

    monkeypatch.setenv("CASEYOS_SECRETS", "file")
    open_store().save("hubspot", {"client_id": "hs-1", "client_secret": "hs-secret-1"})
    assert auth_cmd._stored_client_secret("hs-1") == "hs-secret-1"
    assert auth_cmd._stored_client_secret("another-app") is None


@pytest.mark.parametrize(("answer", "chosen"), [("y\n", "file"), ("\n", None)])
def test_at_a_terminal_the_file_is_offered_and_the_choice_remembered(
    caseyos_home: object, monkeypatch: pytest.MonkeyPatch, answer: str, chosen: str | None
) -> None:
    import os
    import pty

    import typer

    from caseyos_cli.commands import auth_cmd
    from daemon import secret_store

    master, slave = pty.openpty()
    os.write(master, answer.encode())
    with open(slave, closefd=False) as tty_in, open(slave, "w", closefd=False) as tty_out:
        monkeypatch.setattr("sys.stdin", tty_in)
        monkeypatch.setattr("sys.stderr", tty_out)
        status = {"backend": {"problem": secret_store.NO_STORE}}
        if chosen:
            auth_cmd._ensure_store(status)
        else:
            with pytest.raises(typer.Exit) as stopped:
                auth_cmd._ensure_store(status)
            assert stopped.value.exit_code == 1
    os.close(slave)
    # Everything the terminal got, echo and prompt both: one read may return only the echo.
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the other end is closed and everything has been read
            break
        if not data:
            break
        chunks.append(data)
    shown = b"".join(chunks).decode()
    os.close(master)
    assert "No keyring answers on this machine" in shown and "[y/N]" in shown
    assert secret_store.remembered_choice() == chosen
