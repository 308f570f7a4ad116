"""settings.*: the workspace's scoring weights, typical deal size and ideal customer profile."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from daemon.context import OpContext
from daemon.domain import tunables
from daemon.errors import InvalidParams
from daemon.registry import CLI_ONLY, EVERYWHERE, NoParams, Params, operation
from daemon.wire import WireModel


class SettingOut(WireModel):
    key: str = Field(description="As `settings set` takes it, e.g. weights.revenue.")
    value: Any = Field(description="Its value now: a number, a list of words, or null.")
    default: Any
    help: str


class SettingsResult(WireModel):
    settings: list[SettingOut]


@operation(
    "settings.list",
    params=NoParams,
    result=SettingsResult,
    effect="read",
    description="The workspace's tunables (APS weights, typical deal size, ideal customer "
    "profile) with their values, defaults and what each changes.",
    expose=EVERYWHERE,
)
async def settings_list(ctx: OpContext, p: NoParams) -> SettingsResult:
    rows = await tunables.values(ctx.session)
    return SettingsResult(settings=[SettingOut(**r) for r in rows])


class SetParams(Params):
    key: str = Field(max_length=64, description="The setting, as `settings list` names it.")
    value: str = Field(
        max_length=2000,
        description="The value as typed: a number, a comma-separated list, none, or default.",
    )


@operation(
    "settings.set",
    params=SetParams,
    result=SettingOut,
    effect="local",
    description="Change one tunable; the next pass (within a minute, or `agents run`) "
    "rescores every open move with it.",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def settings_set(ctx: OpContext, p: SetParams) -> SettingOut:
    try:
        row = await tunables.set_value(ctx.session, p.key, p.value)
    except tunables.TunableError as e:
        raise InvalidParams(str(e), field=e.field) from None
    return SettingOut(**row)
