"""Live sync end to end: fake HubSpot and fake Google with a few hundred records each, a real
daemon, the real CLI. Sign in, `caseyos connectors sync`, moves in `caseyos queue today`; a
second sync with nothing changed is one cheap request per stream and creates nothing; a
connector that fails or loses its grant never stops the others."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DaemonProcess, run_cli
from tests.fakes import google as fake_google
from tests.fakes import hubspot as fake_hubspot
from tests.fakes.google import FakeGoogle
from tests.fakes.hubspot import FakeHubSpot
from tests.integration.test_wire_times import THE_STYLE

NOW = "2026-11-25T15:00:00+00:00"
HUBSPOT_TOKEN = "pat-na1-live-sync-0123456789"
GOOGLE_ACCESS = "ya29.live-sync-access-token"
GOOGLE_REFRESH = "1//live-sync-refresh-token"
FRESH_ACCESS = "ya29.live-sync-fresh-access"
PASSPHRASE = "live sync passphrase"
OPERATOR = [
    "--name",
    "Casey Morgan",
    "--email",
    fake_google.OPERATOR,
    "--email",
    f"casey@{fake_hubspot.OWN_DOMAIN}",
    "--internal-domain",
    fake_google.OPERATOR.split("@")[1],
    "--internal-domain",
    fake_hubspot.OWN_DOMAIN,
    "--timezone",
    "America/New_York",
]


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot(tokens={HUBSPOT_TOKEN})
    fake_hubspot.generate_world(fake, contacts=120)
    with fake:
        yield fake


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle(tokens={GOOGLE_ACCESS}, now=datetime.fromisoformat(NOW).astimezone(UTC))
    fake_google.generate(fake, messages=240, meetings=16, files=20)
    # A call tomorrow afternoon with a customer: something to prepare for.
    start = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)
    fake.add_event(
        "Pricing call with Harborline",
        start,
        start + timedelta(minutes=45),
        attendees=[
            {"email": fake_google.OPERATOR, "self": True, "responseStatus": "accepted"},
            {"email": "dana@harborline.example", "responseStatus": "accepted"},
        ],
    )
    refreshes: list[str] = []

    def token(request: object) -> tuple[int, dict[str, object]]:
        """Google's token endpoint: a grant still alive gets a fresh access token once it
        is the only one the API takes; a revoked one gets invalid_grant."""
        if fake.tokens == {FRESH_ACCESS}:
            refreshes.append(FRESH_ACCESS)
            return 200, {"access_token": FRESH_ACCESS, "expires_in": 3599, "token_type": "Bearer"}
        return 400, {"error": "invalid_grant", "error_description": "Token has been revoked."}

    fake.route("POST", "/token", token)
    fake.refreshes = refreshes  # type: ignore[attr-defined]
    with fake:
        yield fake


@pytest.fixture
def env(hubspot: FakeHubSpot, google: FakeGoogle, caseyos_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CASEYOS_HUBSPOT_URL": hubspot.url,
        "CASEYOS_GOOGLE_URL": google.url,
        # The access token lasts the test; a refresh (after a 401) hears the grant is gone.
        "CASEYOS_GOOGLE_TOKEN_URL": google.url + "/token",
        "CASEYOS_SECRETS": "file",
        "CASEYOS_SECRETS_PASSPHRASE": PASSPHRASE,
        "CASEYOS_LOG_LEVEL": "DEBUG",
        "COLUMNS": "80",
    }


@pytest.fixture
def daemon(env: dict[str, str], caseyos_home: Path) -> Iterator[DaemonProcess]:
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    d = DaemonProcess(env).start(now=NOW)
    yield d
    d.stop()


def sign_in(daemon: DaemonProcess, env: dict[str, str]) -> None:
    init = run_cli("init", *OPERATOR, env=env)
    assert init.returncode == 0, init.stderr
    login = run_cli("auth", "login", "hubspot", "--token-stdin", env=env, input=HUBSPOT_TOKEN)
    assert login.returncode == 0, login.stderr
    daemon.call(
        "auth.save",
        {
            "service": "google",
            "kind": "oauth",
            "token": GOOGLE_REFRESH,
            "access_token": GOOGLE_ACCESS,
            "expires_in": 3600,
            "client_id": "1234-casey.apps.googleusercontent.com",
            "client_secret": "GOCSPX-live-sync",
        },
    )
    # The fake has no rate limit to respect: no pacing between searches.
    daemon.call("connectors.set", {"name": "hubspot", "knob": "search_per_second", "value": "0"})


def sync(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    out = run_cli("connectors", "sync", *args, "--json", env=env)
    result = json.loads(out.stdout) if out.stdout.strip() else {}
    return out.returncode, result, out.stderr


def test_sync_brings_moves_and_a_second_sync_is_cheap(
    daemon: DaemonProcess, env: dict[str, str], hubspot: FakeHubSpot, google: FakeGoogle
) -> None:
    before = run_cli("connectors", "list", env=env)
    assert before.returncode == 0
    assert "not connected" in before.stdout
    assert "caseyos auth login hubspot" in before.stderr

    sign_in(daemon, env)
    code, result, err = sync(env)
    assert code == 0, err
    outcomes = result["connectors"]
    assert set(outcomes) == {"hubspot", "gmail", "calendar", "drive"}
    assert all(o["status"] == "synced" for o in outcomes.values()), outcomes
    assert outcomes["hubspot"]["counts"]["contacts"] >= 120
    assert outcomes["hubspot"]["counts"]["deals"] >= 30
    assert outcomes["gmail"]["counts"]["messages"] == 240
    assert outcomes["calendar"]["counts"]["meetings"] >= 17
    assert outcomes["drive"]["counts"]["documents"] == 20
    assert result["queue"]["proposed"] > 0

    today = json.loads(run_cli("queue", "today", "--json", "--all", env=env).stdout)
    kinds = {m["move_type"] for m in today["moves"]}
    assert {"reply", "meeting_prep"} <= kinds, kinds

    listed = json.loads(run_cli("connectors", "list", "--json", env=env).stdout)
    states = {c["name"]: c["state"] for c in listed["connectors"]}
    assert states == dict.fromkeys(states, "ok"), states
    for c in listed["connectors"]:
        assert THE_STYLE.fullmatch(c["last_sync_at"]), c
        assert all(THE_STYLE.fullmatch(st["cursor_at"]) for st in c["streams"]), c

    hs_before, g_before = len(hubspot.requests), len(google.requests)
    code, again, err = sync(env)
    assert code == 0, err
    assert all(not o["counts"] for o in again["connectors"].values()), again
    assert again["queue"] is None
    hs_paths = [r.path for r in hubspot.requests[hs_before:]]
    g_paths = [r.path for r in google.requests[g_before:]]
    # One search per HubSpot stream; one history / events / changes read per Google stream.
    assert sorted(hs_paths) == sorted(
        f"/crm/v3/objects/{t}/search"
        for t in ("companies", "contacts", "deals", "tasks", "notes", "emails", "meetings")
    ), hs_paths
    assert sorted(g_paths) == sorted(
        [
            "/gmail/v1/users/me/history",
            "/calendar/v3/calendars/primary/events",
            "/drive/v3/changes",
        ]
    ), g_paths


def test_an_access_token_that_expires_mid_sync_is_refreshed_once(
    daemon: DaemonProcess, env: dict[str, str], google: FakeGoogle
) -> None:
    sign_in(daemon, env)
    code, _, err = sync(env, "gmail")
    assert code == 0, err
    # Google stops taking the access token (it expired early); the grant itself is alive.
    google.tokens = {FRESH_ACCESS}
    google.add_message(
        fake_google.compose(
            sender="dana@harborline.example",
            to=[fake_google.OPERATOR],
            subject="Pricing question",
            body="Can you send the enterprise pricing?",
            at=datetime.fromisoformat(NOW) - timedelta(hours=2),
            message_id="pricing.1@harborline.example",
        ),
        labels=["INBOX"],
        at=datetime.fromisoformat(NOW) - timedelta(hours=2),
    )
    code, result, err = sync(env, "gmail")
    assert code == 0, err
    assert result["connectors"]["gmail"]["counts"]["messages"] == 1
    assert google.refreshes == [FRESH_ACCESS]  # type: ignore[attr-defined]
    code, _, err = sync(env, "gmail")  # the fresh token is kept: no second refresh
    assert code == 0, err
    assert google.refreshes == [FRESH_ACCESS]  # type: ignore[attr-defined]


def test_no_token_is_written_anywhere(
    daemon: DaemonProcess, env: dict[str, str], caseyos_home: Path
) -> None:
    """After sign-ins, syncs and a failing refresh: no file under CASEYOS_HOME (databases,
    their WAL, the daemon's log at DEBUG, backups) and no output holds a token in clear."""
    sign_in(daemon, env)
    said = [sync(env)[2], run_cli("connectors", "status", env=env).stdout]
    said.append(run_cli("auth", "status", "--json", env=env).stdout)
    said.append(run_cli(env=env).stdout)
    daemon.stop()  # the log and the WAL are complete
    secrets = (HUBSPOT_TOKEN, GOOGLE_ACCESS, GOOGLE_REFRESH)
    files = [p for p in caseyos_home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite3" for p in files) and any("log" in p.name for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret[:8]}... in {path}"
    for text in said:
        for secret in secrets:
            assert secret not in text


@pytest.mark.long
def test_the_scheduler_syncs_on_its_own_and_stops_at_a_lost_grant(
    env: dict[str, str], caseyos_home: Path, hubspot: FakeHubSpot
) -> None:
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    env = {**env, "CASEYOS_SYNC_CHECK_SECONDS": "0.2", "CASEYOS_SYNC_EVERY": "1"}
    d = DaemonProcess(env).start(now=NOW)
    try:
        sign_in(d, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = {c["name"]: c for c in d.call("connectors.list", {})["connectors"]}
            synced = found["hubspot"]["last_sync_at"] and found["gmail"]["last_sync_at"]
            # The job's agent pass comes after its connectors: moves are its last word.
            if synced and d.call("queue.today", {})["total"] > 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"no scheduled sync, or no moves from it: {found}")
        # The HubSpot token is revoked: one sync finds out, and then nothing asks again.
        hubspot.tokens = set()
        while time.monotonic() < deadline:
            found = {c["name"]: c for c in d.call("connectors.list", {})["connectors"]}
            if found["hubspot"]["state"] == "needs re-auth":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"hubspot never needed re-auth: {found['hubspot']}")
        asked = len(hubspot.requests)
        time.sleep(2.5)  # two and a half intervals: a retry loop would have asked again
        assert len(hubspot.requests) == asked
        assert found["gmail"]["state"] in ("ok", "syncing")
    finally:
        d.stop()


def test_one_connector_failing_or_losing_its_grant_never_stops_the_others(
    daemon: DaemonProcess, env: dict[str, str], hubspot: FakeHubSpot, google: FakeGoogle
) -> None:
    sign_in(daemon, env)
    # HubSpot answers 503 to everything this sync; Google's grant has been revoked.
    hubspot.fail(path=".*", status=503, headers={"Retry-After": "0"}, times=1000)
    google.tokens = set()
    code, result, err = sync(env)
    outcomes = result["connectors"]
    assert code == 4, (err, outcomes)  # a needs-re-auth outcome is exit 4
    assert outcomes["hubspot"]["status"] == "failed"
    assert outcomes["gmail"]["status"] == "needs_reauth"
    assert "caseyos auth login google" in outcomes["gmail"]["error"]
    hubspot.faults.clear()
    listed = json.loads(run_cli("connectors", "list", "--json", env=env).stdout)
    states = {c["name"]: c["state"] for c in listed["connectors"]}
    # HubSpot's breaker opened after five failures in a row: it rests before trying again.
    assert states["hubspot"] == "paused"
    assert states["gmail"] == states["drive"] == "needs re-auth"

    # Google now needs a new sign-in: asked by hand, it is refused at once with exit 4.
    refused = run_cli("connectors", "sync", "gmail", env=env)
    assert refused.returncode == 4
    assert "caseyos auth login google" in refused.stderr
    # Asked by hand, paused HubSpot is probed at once, and recovers.
    code, result, err = sync(env, "hubspot")
    assert code == 0, err
    assert result["connectors"]["hubspot"]["status"] == "synced"
    status = run_cli(env=env)
    assert "needs re-auth" in status.stdout


def test_records_archived_in_hubspot_are_forgotten_unless_known_otherwise(
    daemon: DaemonProcess, env: dict[str, str], hubspot: FakeHubSpot
) -> None:
    """A deal archived in HubSpot goes, and its open moves are resolved, not left pointing
    at nothing; a contact only HubSpot knew goes; one the calendar knows too stays."""
    only_crm = hubspot.add("contacts", {"email": "gone@nowhere.example", "firstname": "Gone"})
    attendee = hubspot.add("contacts", {"email": "dana@harborline.example", "firstname": "Dana"})
    sign_in(daemon, env)
    code, _, err = sync(env, "hubspot")
    assert code == 0, err
    code, _, err = sync(env, "calendar")
    assert code == 0, err
    moves = json.loads(run_cli("queue", "today", "--json", "--all", env=env).stdout)["moves"]
    about_deal = next(m for m in moves if m["deal"])
    deal = about_deal["deal"]
    names = {str(r.get("dealname")): oid for oid, r in hubspot.objects["deals"].records.items()}
    hubspot.archive("deals", str(names[deal["name"]]))
    hubspot.archive("contacts", only_crm)
    hubspot.archive("contacts", attendee)

    daemon.call("connectors.set", {"name": "hubspot", "knob": "archived_every_hours", "value": "0"})
    code, result, err = sync(env, "hubspot")
    assert code == 0, err
    counts = result["connectors"]["hubspot"]["counts"]
    assert (counts["deals_deleted"], counts["contacts_deleted"]) == (1, 1), counts

    shown = run_cli("deals", "show", str(deal["id"]), env=env)
    assert (shown.returncode, shown.stderr) == (1, f"caseyos: no deal #{deal['id']}\n")
    gone = run_cli("contacts", "show", "gone@nowhere.example", env=env)
    assert gone.returncode == 1 and "no contact" in gone.stderr, gone.stderr
    kept = run_cli("contacts", "show", "dana@harborline.example", "--json", env=env)
    assert kept.returncode == 0, kept.stderr
    assert [x["source"] for x in json.loads(kept.stdout)["sources"]] == ["calendar"]
    move = daemon.call("queue.show", {"id": about_deal["id"]})["move"]
    assert (move["status"], move["status_reason"]) == ("resolved", "deleted in HubSpot"), move
