"""A live sync killed with SIGKILL at random points, 12 times, while the remote changes:
after a restart and one completed sync the workspace holds exactly what HubSpot holds, with
nothing lost and nothing twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.files._common import slug
from daemon import paths
from tests.conftest import DaemonProcess, run_cli
from tests.fakes import hubspot as fake_hubspot
from tests.fakes.hubspot import FakeHubSpot

TOKEN = "pat-na1-crash-test-token"
KILLS = 12
STREAMS = ("companies", "contacts", "deals", "tasks", "notes", "emails", "meetings")
PHASES = [*(f"hubspot {s}" for s in STREAMS), "agents"]


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    fake = FakeHubSpot(tokens={TOKEN})
    # 2,000 contacts: with their companies, deals, tasks, notes, logged emails and meetings,
    # 5,000 records.
    fake_hubspot.generate_world(fake, contacts=2000)
    with fake:
        yield fake


def remote(fake: FakeHubSpot, object_type: str) -> dict[str, dict[str, Any]]:
    """What the fake holds of one object type: properties by id."""
    with fake.lock:
        return {str(oid): dict(props) for oid, props in fake.objects[object_type].records.items()}


def local(db: Path) -> dict[str, dict[str, tuple[object, ...]]]:
    with sqlite3.connect(db) as conn:

        def rows(entity: str, query: str) -> dict[str, tuple[object, ...]]:
            found = conn.execute(
                f"SELECT x.external_id, {query} JOIN external_ids x ON x.entity_id = t.id "
                f"AND x.entity = '{entity}' AND x.connector = 'hubspot'"
            ).fetchall()
            return {str(r[0]): tuple(r[1:]) for r in found}

        return {
            "contacts": rows("contact", "t.email, t.name, t.lifecycle_stage FROM contacts t"),
            "deals": rows("deal", "t.name, t.amount FROM deals t"),
            "tasks": rows("task", "t.id FROM crm_tasks t"),
            "notes": rows("note", "t.id FROM notes t"),
            "integrity": {"": conn.execute("PRAGMA integrity_check").fetchone()},
            "twins": {
                "": conn.execute(
                    "SELECT count(*) FROM (SELECT connector, entity, external_id FROM "
                    "external_ids GROUP BY 1, 2, 3 HAVING count(*) > 1)"
                ).fetchone()
            },
        }


@pytest.mark.long
def test_kill_9_mid_sync_twenty_times_then_local_equals_remote(
    hubspot: FakeHubSpot, caseyos_home: Path
) -> None:
    data = caseyos_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "active_workspace").write_text("main\n")
    env = {
        **os.environ,
        "CASEYOS_HUBSPOT_URL": hubspot.url,
        "CASEYOS_SECRETS": "file",
        "CASEYOS_SECRETS_PASSPHRASE": "crash test",
    }
    d = DaemonProcess(env).start()
    try:
        init = run_cli(
            "init", "--name", "Casey", "--email", f"casey@{fake_hubspot.OWN_DOMAIN}", env=env
        )
        assert init.returncode == 0, init.stderr
        d.call("auth.save", {"service": "hubspot", "kind": "token", "token": TOKEN})
        # The fake has no rate limit to respect: no pacing between searches.
        d.call("connectors.set", {"name": "hubspot", "knob": "search_per_second", "value": "0"})
        db = paths.workspaces_dir() / "main.sqlite3"
        rng = random.Random(20261128)
        contacts = list(remote(hubspot, "contacts"))
        interrupted = 0
        # Twenty points through the first full sync, in order: each kill lands further on,
        # so every restart resumes a sync that is still under way. A point is a phase and a
        # share of that phase's work (the job's own progress, not the wall clock, which
        # depends on the machine).
        points = sorted((rng.randrange(len(PHASES)), rng.uniform(0.0, 0.9)) for _ in range(KILLS))
        for round_, (phase, share) in enumerate(points):
            # One connection for the watching: a new one per look would load the daemon.
            with d.client() as watcher:
                job = watcher.call("connectors.sync", {"name": "hubspot"})["job"]
                while job["status"] == "running":
                    now = PHASES.index(job["phase"]) if job["phase"] in PHASES else -1
                    if now > phase or (
                        now == phase and job["total"] and job["done"] >= share * job["total"]
                    ):
                        break
                    time.sleep(0.01)
                    job = watcher.call("jobs.show", {"id": job["id"]})["job"]
            d.stop(sig=signal.SIGKILL)
            interrupted += job["status"] == "running"
            # The remote moves on between crashes: renamed contacts, a new stage.
            for oid in rng.sample(contacts, 5):
                hubspot.update(
                    "contacts",
                    oid,
                    {
                        "lastname": f"Renamed{round_}",
                        "lifecyclestage": rng.choice(["lead", "customer"]),
                    },
                )
            # The pass it starts with may still run: syncing alongside it is what happens.
            d.start(first_pass=False)
        assert interrupted >= KILLS // 2, interrupted
        final = d.run_job("connectors.sync", {"name": "hubspot"})
        assert final["connectors"]["hubspot"]["status"] == "synced", final
    finally:
        d.stop()
    got = local(db)
    assert got["integrity"] == {"": ("ok",)}
    assert got["twins"] == {"": (0,)}
    want_contacts = {
        oid: (
            p["email"].lower(),
            " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x) or None,
            slug(p["lifecyclestage"]) if p.get("lifecyclestage") else None,
        )
        for oid, p in remote(hubspot, "contacts").items()
    }
    assert got["contacts"] == want_contacts
    want_deals = {
        oid: (p["dealname"], float(p["amount"]) if p.get("amount") else None)
        for oid, p in remote(hubspot, "deals").items()
    }
    assert got["deals"] == want_deals
    assert set(got["tasks"]) == set(remote(hubspot, "tasks"))
    assert set(got["notes"]) == set(remote(hubspot, "notes"))
