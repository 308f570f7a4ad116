"""What the tools promise holds against a real daemon: results match their output schemas."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from daemon import tools
from daemon.event_types import EVENTS
from tests.conftest import DaemonProcess, run_cli


def test_read_tools_answer_what_their_output_schema_promises(
    steady_demo_daemon: DaemonProcess,
) -> None:
    move_id = steady_demo_daemon.call("queue.today", {"limit": 1})["moves"][0]["id"]
    job_id = steady_demo_daemon.call("jobs.list", {})["jobs"][0]["id"]  # the demo's build
    checked = []
    for op in tools.exposed("mcp"):
        if op.effect != "read":
            continue
        params: dict[str, object] = {}
        if "id" in op.params.model_fields:
            is_job = op.params.model_fields["id"].annotation is str
            params = {"id": job_id if is_job else move_id}
        if "ref" in op.params.model_fields:
            params = {"ref": "1"}  # the first record of its kind in the demo
        name = op.params.model_fields.get("name")
        if name is not None and name.is_required():
            params = {"name": "follow_up_due"}  # an agent (agents.show, agents.dry_run)
        result = steady_demo_daemon.call(op.name, params)
        errors = list(Draft202012Validator(tools.output_schema(op)).iter_errors(result))
        assert not errors, f"{op.name}: {errors[0].message} at {list(errors[0].path)}"
        checked.append(op.name)
    assert {"queue.today", "queue.show", "signals.list", "api.events", "jobs.show"} <= set(checked)
    assert {
        f"{kind}.show" for kind in ("contacts", "companies", "deals", "meetings", "threads")
    } <= set(checked)


def test_api_events_from_the_cli(steady_demo_daemon: DaemonProcess) -> None:
    out = run_cli("api", "events", "--json")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)["events"]
    assert [e["name"] for e in listed] == sorted(EVENTS)
    job = next(e for e in listed if e["name"] == "job.updated")
    assert job["payload"]["properties"]["total"]["description"]
    text = run_cli("api", "events")
    assert text.returncode == 0 and "queue.changed" in text.stdout
