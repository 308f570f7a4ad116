"""workspace.backup and workspace.restore: copies of a workspace's database, and putting one
back (the way out of a damaged workspace)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import Field, field_validator

from daemon.context import OpContext
from daemon.errors import InvalidParams, NotFound, Unavailable
from daemon.registry import CLI_ONLY, Params, operation
from daemon.store import backup
from daemon.wire import WireModel
from daemon.workspaces import NAME_RE, WorkspaceDamaged


class WorkspaceName(Params):
    name: str = Field("main", description="The workspace: main (yours) or demo.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(f"{v!r} is not a workspace name")
        return v


class BackupOut(WireModel):
    name: str = Field(description="The backup's name, e.g. 2026-11-28 or 2026-11-28-before-0009.")
    path: str
    bytes: int


class BackupsResult(WireModel):
    workspace: str
    backups: list[BackupOut] = Field(description="Newest first.")


def _wall_clock() -> datetime:
    """Backups are files on this machine: named by its real date, even under CASEYOS_NOW."""
    return datetime.now(UTC)


def _listed(ctx: OpContext, name: str) -> list[BackupOut]:
    data = ctx.state.workspaces.root.parent
    return [
        BackupOut(name=p.stem, path=str(p), bytes=p.stat().st_size)
        for p in backup.listed(data, name)
    ]


@operation(
    "workspace.backup",
    params=WorkspaceName,
    result=BackupsResult,
    effect="local",
    needs_session=False,
    description="Back up a workspace now (one a day is kept for a week, and one before each "
    "migration); lists its backups.",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def back_up(ctx: OpContext, p: WorkspaceName) -> BackupsResult:
    try:
        await ctx.state.workspaces.back_up(p.name, _wall_clock())
    except FileNotFoundError:
        raise NotFound(f"no workspace {p.name!r}", field="name") from None
    except backup.BackupError as exc:
        raise Unavailable(f"{exc}; see `caseyos workspace restore`") from None
    return BackupsResult(workspace=p.name, backups=_listed(ctx, p.name))


class RestoreParams(WorkspaceName):
    backup: str | None = Field(
        None, max_length=64, description="Which backup (its name); the newest when left out."
    )


class RestoreResult(WireModel):
    workspace: str
    restored: BackupOut
    replaced: str | None = Field(description="Where the file it replaced was kept.")


@operation(
    "workspace.restore",
    params=RestoreParams,
    result=RestoreResult,
    effect="local",
    needs_session=False,
    description="Put a backup in place of a workspace's database; the file it replaces is kept.",
    expose=CLI_ONLY,
    destructive=True,
    idempotent=False,
)
async def restore(ctx: OpContext, p: RestoreParams) -> RestoreResult:
    found = _listed(ctx, p.name)
    if not found:
        raise NotFound(f"workspace {p.name} has no backups", field="name")
    chosen = found[0] if p.backup is None else next((b for b in found if b.name == p.backup), None)
    if chosen is None:
        have = ", ".join(b.name for b in found)
        raise InvalidParams(f"no backup {p.backup!r} of {p.name}; have: {have}", field="backup")
    try:
        kept = await ctx.state.workspaces.restore(p.name, Path(chosen.path), _wall_clock())
    except backup.BackupError as exc:
        raise Unavailable(str(exc)) from None
    except WorkspaceDamaged as exc:
        raise Unavailable(str(exc)) from None
    ctx.emit("workspace.changed", {"workspace": p.name})
    return RestoreResult(workspace=p.name, restored=chosen, replaced=str(kept) if kept else None)


class RecoverResult(WireModel):
    workspace: str
    rows: dict[str, int] = Field(description="Rows saved per table.")
    damaged_kept: str = Field(description="Where the damaged file was kept.")


@operation(
    "workspace.recover",
    params=WorkspaceName,
    result=RecoverResult,
    effect="local",
    needs_session=False,
    description="Rebuild a damaged workspace from the rows its file can still give; the "
    "damaged file is kept.",
    expose=CLI_ONLY,
    destructive=True,
    idempotent=False,
)
async def recover_workspace(ctx: OpContext, p: WorkspaceName) -> RecoverResult:
    from daemon.store.recover import RecoverError

    try:
        kept, rows = await ctx.state.workspaces.recover(p.name, _wall_clock())
    except FileNotFoundError:
        raise NotFound(f"no workspace {p.name!r}", field="name") from None
    except (RecoverError, WorkspaceDamaged) as exc:
        raise Unavailable(str(exc)) from None
    ctx.emit("workspace.changed", {"workspace": p.name})
    return RecoverResult(workspace=p.name, rows=rows, damaged_kept=str(kept))
