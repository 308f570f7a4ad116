"""What a live connector declares, and what the daemon hands it to build one.

Each live connector module (HubSpot, Gmail, Calendar, Drive) declares a `SPEC`; the
catalogue (`connectors.catalogue`) lists the modules. The daemon builds a connector per sync
from a `LiveContext`: the operator, the vendor's base URLs, a token source for the
connector's service, the connector's circuit breaker (kept between syncs) and its settings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from connectors.base import Connector, OperatorIdentity
from connectors.http import CircuitBreaker, TokenSource

MINUTE = 60.0


@dataclass(frozen=True)
class Endpoints:
    """Every vendor base URL, configurable for tests, proxies and regional hosts."""

    hubspot: str = "https://api.hubapi.com"
    # The root under which Google's own paths (/gmail/v1/..., /calendar/v3/...) go.
    google: str = "https://www.googleapis.com"
    google_auth: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token: str = "https://oauth2.googleapis.com/token"
    google_revoke: str = "https://oauth2.googleapis.com/revoke"
    slack: str = "https://slack.com/api"

    ENV: ClassVar[dict[str, str]] = {
        "hubspot": "CASEYOS_HUBSPOT_URL",
        "google": "CASEYOS_GOOGLE_URL",
        "google_auth": "CASEYOS_GOOGLE_AUTH_URL",
        "google_token": "CASEYOS_GOOGLE_TOKEN_URL",
        "google_revoke": "CASEYOS_GOOGLE_REVOKE_URL",
        "slack": "CASEYOS_SLACK_URL",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if env is None else env
        given = {field: env[var].rstrip("/") for field, var in cls.ENV.items() if env.get(var)}
        return cls(**given)


@dataclass
class LiveContext:
    operator: OperatorIdentity
    endpoints: Endpoints
    tokens: TokenSource
    breaker: CircuitBreaker
    now: datetime
    # The connector's knobs (Gmail's first-sync window, the calendars to follow...).
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSpec:
    name: str
    # Whose credentials it uses: "hubspot", "google", "slack".
    service: str
    summary: str
    # Seconds between scheduled syncs, by default.
    every: float
    build: Callable[[LiveContext], Connector]
    # Knobs and their defaults (shown by `connectors status`, set in the workspace settings).
    defaults: Mapping[str, Any] = field(default_factory=dict)
