"""The daemon's side of live sync: which connectors are connected, when each syncs next, and
starting sync jobs, by hand (`connectors.sync`) or on the scheduler.

What must outlive one sync lives here: each connector's circuit breaker, the sync job
running for it, its last outcome. Live data always goes into the operator's own workspace
('main'), never the demo. A connector whose service is not logged in, or needs re-auth, is
never synced by the scheduler; asked by hand, it is refused with the command that fixes it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from connectors import catalogue
from connectors.base import Connector, OperatorIdentity
from connectors.http import CircuitBreaker
from connectors.live import MINUTE, Endpoints, LiveContext, LiveSpec
from daemon.domain import live_sync, settings
from daemon.errors import InvalidParams, NeedsReauth
from daemon.secret_store import SecretStoreError
from daemon.workspaces import MAIN

if TYPE_CHECKING:
    from daemon.jobs import JobRun
    from daemon.state import DaemonState
    from daemon.workspaces import Workspace

log = logging.getLogger(__name__)

# How often the scheduler looks for connectors that are due (each has its own interval).
CHECK_SECONDS = 60.0


def every_seconds(spec: LiveSpec, chosen: dict[str, Any]) -> float:
    """A connector's interval: the operator's `every_minutes` setting, or its default.
    `CASEYOS_SYNC_EVERY` (seconds) overrides every connector's (tests, slow links)."""
    forced = os.environ.get("CASEYOS_SYNC_EVERY")
    if forced:
        return max(1.0, float(forced))
    minutes = chosen.get("every_minutes")
    if isinstance(minutes, int | float) and minutes > 0:
        return float(minutes) * MINUTE
    return spec.every


class LiveSync:
    def __init__(self, state: DaemonState):
        self.state = state
        self.endpoints = Endpoints.from_env()
        self.breakers: dict[str, CircuitBreaker] = {}
        # The sync job running for each connector now, by connector name.
        self.running: dict[str, str] = {}
        # When each connector's last sync started (monotonic), for the scheduler.
        self.started: dict[str, float] = {}
        self.outcomes: dict[str, dict[str, Any]] = {}
        # Each connector's interval as last read from the settings.
        self.every: dict[str, float] = {}

    def breaker(self, name: str) -> CircuitBreaker:
        return self.breakers.setdefault(name, CircuitBreaker())

    def connected(self, spec: LiveSpec) -> bool:
        """Whether the connector's service is signed in (never, with no usable store)."""
        try:
            return self.state.credentials.get(spec.service) is not None
        except SecretStoreError:
            return False

    def refusal(self, spec: LiveSpec) -> NeedsReauth | None:
        """Why a connector cannot sync now, as the error a command exits 4 with."""
        if not self.connected(spec):
            return NeedsReauth(spec.service, f"not signed in ({spec.name} syncs with it)")
        why = self.state.credentials.needs_reauth(spec.service)
        if why:
            return NeedsReauth(spec.service, f"{spec.name} needs a new sign-in ({why})")
        return None

    async def _workspace(self) -> tuple[Workspace, OperatorIdentity]:
        ident = None
        if self.state.workspaces.exists(MAIN):
            ws = await self.state.workspaces.open(MAIN)
            async with ws.session() as s:
                ident = await settings.operator(s)
        if ident is None:
            raise InvalidParams(
                "tell CaseyOS who you are first: `caseyos init` (a sync needs your "
                "addresses to tell inbound from outbound)",
                field="operator",
            )
        return ws, ident

    async def _plan(self, ws: Workspace, spec: LiveSpec, ident: OperatorIdentity) -> live_sync.Plan:
        async with ws.session() as s:
            chosen = await live_sync.knobs(s, spec)
        tokens = self.state.credentials.token_source(spec.service, self.endpoints)

        def build() -> Connector:
            ctx = LiveContext(
                operator=ident,
                endpoints=self.endpoints,
                tokens=tokens,
                breaker=self.breaker(spec.name),
                now=self.state.clock.now(),
                settings=chosen,
            )
            return spec.build(ctx)

        return live_sync.Plan(spec, build)

    async def start(
        self, names: Sequence[str], *, full: bool = False, scheduled: bool = False
    ) -> dict[str, Any] | None:
        """Start one job syncing `names` (those not syncing already); returns its info, or
        the running job's when every one of them is syncing now. Raises NeedsReauth (by
        hand) for a connector that cannot sync; the scheduler passes such ones over."""
        specs = [catalogue.spec(n) for n in names]
        ready: list[LiveSpec] = []
        for spec in specs:
            refusal = self.refusal(spec)
            if refusal is not None:
                if not scheduled:
                    raise refusal
                continue
            if spec.name not in self.running:
                ready.append(spec)
                if not scheduled:
                    # Asked by hand, a paused connector is tried now: the probe decides.
                    self.breaker(spec.name).probe_now()
        if not ready:
            busy = next((self.running[s.name] for s in specs if s.name in self.running), None)
            return None if busy is None else self.state.jobs.info(busy)
        ws, ident = await self._workspace()
        plans = [await self._plan(ws, spec, ident) for spec in ready]
        names_now = [p.spec.name for p in plans]

        def record(name: str, outcome: dict[str, Any]) -> None:
            self.outcomes[name] = {**outcome, "at": self.state.clock.now().isoformat()}
            if outcome["status"] == live_sync.NEEDS_REAUTH:
                spec = catalogue.spec(name)
                self.state.credentials.mark_needs_reauth(spec.service, outcome["detail"])

        async def work(run: JobRun) -> dict[str, Any]:
            try:
                return await live_sync.sync_all(run, plans, ident, full=full, on_outcome=record)
            finally:
                for name in names_now:
                    self.running.pop(name, None)

        title = f"sync {', '.join(names_now)}" + (" (full)" if full else "")
        params = {"connectors": names_now, "full": full, "scheduled": scheduled}
        job = await self.state.jobs.start("sync", title, ws, params, work)
        for name in names_now:
            self.running[name] = job["id"]
            self.started[name] = time.monotonic()
        return job

    def due(self, now: float | None = None) -> list[str]:
        """Connected connectors whose interval has passed since their last sync began."""
        now = time.monotonic() if now is None else now
        found = []
        for spec in catalogue.specs():
            if not self.connected(spec) or self.state.credentials.needs_reauth(spec.service):
                continue
            every = self.every.get(spec.name, spec.every)
            last = self.started.get(spec.name)
            if last is None or now - last >= every:
                found.append(spec.name)
        return found

    async def scheduled_pass(self) -> None:
        """The scheduler's check: start one job for every connector that is due."""
        if self.state.stop_requested.is_set():
            return
        if not self.state.workspaces.exists(MAIN):
            return  # nothing can sync before `caseyos init`
        try:
            ws = await self.state.workspaces.open(MAIN)
            async with ws.session() as s:
                for spec in catalogue.specs():
                    chosen = await settings.get(s, f"connectors.{spec.name}") or {}
                    self.every[spec.name] = every_seconds(spec, chosen)
            names = self.due()
            if names:
                await self.start(names, scheduled=True)
        except InvalidParams:
            pass  # no operator yet: nothing can sync until `caseyos init`
        except Exception:
            log.exception("scheduled sync check failed")

    def status_of(self, spec: LiveSpec) -> dict[str, Any]:
        """What the daemon holds about a connector now (not in the database)."""
        breaker = self.breaker(spec.name)
        last = self.started.get(spec.name)
        every = self.every.get(spec.name, spec.every)
        connected = self.connected(spec)
        # Only a sign-in that exists can need doing again (a store that cannot be read is
        # `auth status`'s to explain).
        lost = self.state.credentials.needs_reauth(spec.service) if connected else None
        next_in = None
        if connected and not lost:
            next_in = 0.0 if last is None else max(0.0, every - (time.monotonic() - last))
        return {
            "connected": connected,
            "needs_reauth": lost,
            "circuit": breaker.state,
            "circuit_retry_in": round(breaker.retry_in(), 1) or None,
            "running_job": self.running.get(spec.name),
            "every_seconds": every,
            "next_sync_in": None if next_in is None else round(next_in, 1),
            "last_outcome": self.outcomes.get(spec.name),
        }

    async def describe(self, name: str | None = None) -> tuple[list[dict[str, Any]], str]:
        """Each live connector (or the one named) as `connectors.list` shows it: what the
        database holds about its streams with what this daemon holds now; and the
        operator's time zone."""
        stored: dict[str, list[live_sync.StreamState]] = {}
        zone = "UTC"
        knobs = {spec.name: dict(spec.defaults) for spec in catalogue.specs()}
        # Before `caseyos init` there is no workspace of yours to read (or to create here).
        if self.state.workspaces.exists(MAIN):
            ws = await self.state.workspaces.open(MAIN)
            async with ws.session() as s:
                stored = await live_sync.stream_states(s)
                zone = str(await settings.timezone(s))
                knobs = {spec.name: await live_sync.knobs(s, spec) for spec in catalogue.specs()}
        found = []
        for spec in catalogue.specs():
            if name is not None and spec.name != name:
                continue
            streams = stored.get(spec.name, [])
            now = self.status_of(spec)
            successes = [st.last_success_at for st in streams]
            errors = [st.last_error for st in streams if st.last_error]
            outcome = now.pop("last_outcome") or {}
            if not errors and outcome.get("status") not in (None, live_sync.SYNCED):
                errors = [outcome["error"]]
            found.append(
                {
                    "name": spec.name,
                    "service": spec.service,
                    "summary": spec.summary,
                    **now,
                    "state": live_sync.state_of(now, streams, bool(errors)),
                    "last_sync_at": None if None in successes or not successes else min(successes),  # type: ignore[type-var]
                    "records": sum(st.records for st in streams),
                    "error": errors[0] if errors else None,
                    "streams": streams,
                    "settings": knobs[spec.name],
                }
            )
        return found, zone
