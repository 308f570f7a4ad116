"""The credential book and its token sources, against the fake OAuth provider over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.http import Api, NeedsReauth, RetryPolicy
from connectors.live import Endpoints
from daemon.credentials import CredentialBook, Credentials
from daemon.secret_store import MemoryStore, NoSecretStore
from tests.fakes.oauth import FakeOAuth

CLIENT, CLIENT_SECRET = "client-1.apps.example", "client-secret-1"


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeOAuth]:
    # One server for the module: stopping one waits out its half-second poll.
    with FakeOAuth() as f:
        f.add_client(CLIENT, CLIENT_SECRET)
        yield f


@pytest.fixture
def fake(provider: FakeOAuth) -> FakeOAuth:
    provider.invalid_grant = False
    provider.refresh_grants = 0
    return provider


def endpoints(fake: FakeOAuth) -> Endpoints:
    return Endpoints(hubspot=fake.url, google=fake.url, google_token=fake.url + "/token")


def grant(fake: FakeOAuth, scope: str = "gmail.readonly") -> str:
    token = "1//refresh-" + scope
    fake.state.refresh_tokens[token] = scope
    return token


def oauth(refresh: str) -> Credentials:
    return Credentials(
        "oauth", refresh, client_id=CLIENT, client_secret=CLIENT_SECRET, scopes=["gmail"]
    )


async def test_refresh_before_use_and_once_more_after_a_401(fake: FakeOAuth) -> None:
    store = MemoryStore()
    book = CredentialBook(store)
    book.save("google", oauth(grant(fake)))
    source = book.token_source("google", endpoints(fake))
    assert book.token_source("google", endpoints(fake)) is source
    async with Api("google", fake.url, auth=source, policy=RetryPolicy(base=0.01)) as api:
        profile = await api.get_json("/gmail/v1/users/me/profile")
        assert profile["emailAddress"] == "casey@northwind.example"
        assert fake.refresh_grants == 1
        await api.get_json("/gmail/v1/users/me/profile")
        assert fake.refresh_grants == 1  # the access token is reused while fresh
        # The provider forgets the access token: the 401 buys exactly one refresh.
        fake.state.access_tokens.clear()
        await api.get_json("/gmail/v1/users/me/profile")
        assert fake.refresh_grants == 2
    assert "access_token" not in store.items["google"] and "ya29." not in store.items["google"]
    assert book.status()[1]["access_token_until"] is not None


async def test_invalid_grant_marks_the_service_and_survives_a_new_book(fake: FakeOAuth) -> None:
    store = MemoryStore()
    book = CredentialBook(store)
    book.save("google", oauth(grant(fake)))
    fake.invalid_grant = True
    source = book.token_source("google", endpoints(fake))
    with pytest.raises(NeedsReauth, match="caseyos auth login google"):
        await source.headers()
    assert "invalid_grant" in (book.needs_reauth("google") or "")
    # A new daemon (a new book on the same store) knows, without asking the provider.
    asked = fake.refresh_grants
    later = CredentialBook(store)
    assert "invalid_grant" in (later.needs_reauth("google") or "")
    with pytest.raises(NeedsReauth):
        await later.token_source("google", endpoints(fake)).headers()
    assert fake.refresh_grants == asked
    assert later.status()[1]["needs_reauth"]
    # A new login clears it.
    fake.invalid_grant = False
    later.save("google", oauth(grant(fake, "other")))
    assert later.needs_reauth("google") is None
    assert (await later.token_source("google", endpoints(fake)).headers())["Authorization"]


async def test_hubspot_bad_refresh_token_is_invalid_grant_too(fake: FakeOAuth) -> None:
    book = CredentialBook(MemoryStore())
    book.save("hubspot", oauth("never-issued"))
    with pytest.raises(NeedsReauth):
        await book.token_source("hubspot", endpoints(fake)).headers()
    assert "BAD_REFRESH_TOKEN" in (book.needs_reauth("hubspot") or "")


async def test_a_static_token_refused_marks_the_service(fake: FakeOAuth) -> None:
    book = CredentialBook(MemoryStore())
    book.save("hubspot", Credentials("token", "pat-na1-dead"))
    source = book.token_source("hubspot", endpoints(fake))
    async with Api("hubspot", fake.url, auth=source, policy=RetryPolicy(base=0.01)) as api:
        with pytest.raises(NeedsReauth):
            await api.get_json("/account-info/v3/details")
    assert book.needs_reauth("hubspot")
    book.forget("hubspot")
    assert book.get("hubspot") is None and book.needs_reauth("hubspot") is None
    with pytest.raises(NeedsReauth, match="not signed in"):
        await book.token_source("hubspot", endpoints(fake)).headers()


def test_no_store_is_reported_not_raised_by_status() -> None:
    def opener() -> MemoryStore:
        raise NoSecretStore()

    book = CredentialBook(opener=opener)
    assert book.backend()["problem"] and book.backend()["name"] is None
    assert [row["signed_in"] for row in book.status()] == [False, False, False]
    assert book.needs_reauth("slack")  # the sync runtime hears why it cannot sign in


async def test_an_access_token_is_refreshed_before_it_expires(fake: FakeOAuth) -> None:
    book = CredentialBook(MemoryStore())
    book.save("google", oauth(grant(fake)))
    source = book.token_source("google", endpoints(fake))
    book.seed("google", endpoints(fake), "ya29.from-login", 3600)
    assert await source.headers() == {"Authorization": "Bearer ya29.from-login"}
    assert fake.refresh_grants == 0
    # Less than a minute left: the next request gets a fresh token first.
    book.seed("google", endpoints(fake), "ya29.nearly-gone", 30)
    assert (await source.headers())["Authorization"] != "Bearer ya29.nearly-gone"
    assert fake.refresh_grants == 1


async def test_a_new_login_resets_the_source_connectors_already_hold(fake: FakeOAuth) -> None:
    book = CredentialBook(MemoryStore())
    book.save("google", oauth("1//gone"))
    held = book.token_source("google", endpoints(fake))
    book.save("google", oauth(grant(fake, "fresh")))
    assert book.token_source("google", endpoints(fake)) is held
    assert (await held.headers())["Authorization"].startswith("Bearer ya29.")
    assert book.needs_reauth("google") is None


def test_needs_reauth_is_its_own_wire_error_and_exit_code() -> None:
    from caseyos_cli import output
    from daemon.errors import NeedsReauth as OpNeedsReauth
    from daemon.protocol import ErrorCode

    error = OpNeedsReauth("hubspot", "the sign-in was revoked")
    assert error.code == ErrorCode.NEEDS_REAUTH == "needs_reauth"
    assert "caseyos auth login hubspot" in error.message
    assert output.EXIT_FOR_CODE[ErrorCode.NEEDS_REAUTH] == output.AUTH == 4


def test_a_store_that_cannot_be_read_is_a_problem_status_reports(
    caseyos_home: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from daemon.secret_store import FileStore, secrets_dir

    FileStore(secrets_dir(), "the right one").save("slack", {"kind": "token", "secret": "x"})
    book = CredentialBook(FileStore(secrets_dir(), "a wrong one"))
    assert "cannot decrypt" in (book.backend()["problem"] or "")
    assert [row["signed_in"] for row in book.status()] == [False, False, False]
    assert "cannot decrypt" in (book.needs_reauth("slack") or "")
