"""The live HubSpot CRM connector: companies, contacts, deals, tasks, notes, logged emails
and meetings, synced incrementally through HubSpot's CRM v3 search API.

`SPEC` is what the daemon's catalogue lists; `build` makes a connector for one sync. The
CSV export path (`connectors.files.hubspot`) reads the same objects; both key deals, tasks
and notes by HubSpot record id, and both read stages, tiers and statuses the same way.
"""

from __future__ import annotations

from connectors.http import Api
from connectors.hubspot.client import HubSpotClient, RatePacer
from connectors.hubspot.connector import PAGE_SIZE, HubSpotConnector
from connectors.live import MINUTE, LiveContext, LiveSpec

DEFAULTS = {
    # HubSpot allows 5 search requests a second per account; stay a little under.
    "search_per_second": 4.0,
    "page_size": PAGE_SIZE,
    # How often records archived (deleted) in HubSpot are looked for; 0: every sync.
    "archived_every_hours": 6.0,
}


def build(ctx: LiveContext) -> HubSpotConnector:
    pacer = RatePacer()
    api = Api("hubspot", ctx.endpoints.hubspot, auth=ctx.tokens, breaker=ctx.breaker, pace=pacer)
    per_second = float(ctx.settings.get("search_per_second", DEFAULTS["search_per_second"]))
    page_size = int(ctx.settings.get("page_size", DEFAULTS["page_size"]))
    sweep_hours = float(ctx.settings.get("archived_every_hours", DEFAULTS["archived_every_hours"]))
    client = HubSpotClient(api, pacer, search_per_second=per_second)
    return HubSpotConnector(
        client,
        ctx.operator,
        page_size=max(1, min(page_size, 200)),
        now=ctx.now,
        sweep_every_ms=int(max(0.0, sweep_hours) * 3600 * 1000),
    )


SPEC = LiveSpec(
    name="hubspot",
    service="hubspot",
    summary="HubSpot CRM: companies, contacts, deals, tasks, notes, logged emails and meetings",
    every=15 * MINUTE,
    build=build,
    defaults=DEFAULTS,
)

__all__ = ["SPEC", "HubSpotClient", "HubSpotConnector", "RatePacer", "build"]
