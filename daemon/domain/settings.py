"""Workspace settings: the operator's identity, APS weights, ICP and other tunables."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from connectors.base import OperatorIdentity
from daemon.store.models import Setting

DEFAULT_WEIGHTS = {"revenue": 0.4, "urgency": 0.3, "strategic": 0.2, "effort": 0.1}
DEFAULTS: dict[str, Any] = {
    "aps.weights": DEFAULT_WEIGHTS,
    "typical_deal_size": 25000,
    "icp": {"titles": [], "industries": [], "min_employees": None, "max_employees": None},
}


# Where `preload` keeps every setting for the rest of a session.
_LOADED = "settings.loaded"


async def preload(session: AsyncSession) -> None:
    """Read all settings with one query; `get` answers from them for the rest of `session`.

    For the pipeline, which reads a dozen settings per pass; a setting absent from the table
    would otherwise cost a query every time it is asked for.
    """
    rows = (await session.scalars(select(Setting))).all()
    session.info[_LOADED] = {row.key: row.value for row in rows}


async def get(session: AsyncSession, key: str) -> Any:
    loaded = session.info.get(_LOADED)
    if loaded is not None:
        return loaded[key] if key in loaded else DEFAULTS.get(key)
    row = await session.get(Setting, key)
    if row is None:
        return DEFAULTS.get(key)
    return row.value


async def put(session: AsyncSession, key: str, value: Any) -> None:
    row = await session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    loaded = session.info.get(_LOADED)
    if loaded is not None:
        loaded[key] = value


async def operator(session: AsyncSession) -> OperatorIdentity | None:
    raw = await get(session, "operator")
    if not raw:
        return None
    return OperatorIdentity(
        name=raw["name"],
        emails=tuple(raw["emails"]),
        internal_domains=tuple(raw.get("internal_domains", ())),
        timezone=raw.get("timezone", "UTC"),
    )


async def put_operator(session: AsyncSession, ident: OperatorIdentity) -> None:
    await put(
        session,
        "operator",
        {
            "name": ident.name,
            "emails": list(ident.emails),
            "internal_domains": list(ident.internal_domains),
            "timezone": ident.timezone,
        },
    )


async def timezone(session: AsyncSession) -> ZoneInfo:
    ident = await operator(session)
    return ZoneInfo(ident.timezone if ident else "UTC")


async def weights(session: AsyncSession) -> dict[str, float]:
    raw = await get(session, "aps.weights") or {}
    merged = {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in raw.items() if k in DEFAULT_WEIGHTS}}
    total = sum(merged.values()) or 1.0
    return {k: v / total for k, v in merged.items()}
