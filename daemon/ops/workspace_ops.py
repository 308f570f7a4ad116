"""operator.*, workspace.*, demo.* and import.*: whose data, and which data set is live."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from connectors.base import ConnectorError, OperatorIdentity
from connectors.files import FILE_KINDS, probe
from daemon.context import OpContext
from daemon.domain import demo, importer, settings
from daemon.domain.ingest import FREE_MAIL
from daemon.errors import InvalidParams, NotFound, Unavailable
from daemon.jobs import JobRun
from daemon.ops.views import JobOut
from daemon.registry import CLI_ONLY, EVERYWHERE, NoParams, Params, operation
from daemon.wire import WireModel
from daemon.workspaces import DEMO, MAIN, NAME_RE, WorkspaceDamaged


class OperatorParams(Params):
    name: str = Field(min_length=1, max_length=200, description="Your full name.")
    emails: list[str] = Field(min_length=1, description="Every address you send from.")
    internal_domains: list[str] = Field(
        default_factory=list, description="Your company's mail domains."
    )
    timezone: str = Field("UTC", description="IANA zone, e.g. Europe/Berlin.")

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        out = [e.strip().lower() for e in v]
        for e in out:
            if "@" not in e or e.startswith("@") or e.endswith("@"):
                raise ValueError(f"{e!r} is not an email address")
        return out

    @field_validator("internal_domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in v if d.strip()]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r}; use an IANA name like America/New_York"
            ) from None
        return v

    def identity(self) -> OperatorIdentity:
        # Without explicit domains, the operator's own company domains are internal; a
        # gmail.com address must not make every gmail.com contact a colleague.
        domains = self.internal_domains or sorted(
            {e.rpartition("@")[2] for e in self.emails} - FREE_MAIL
        )
        return OperatorIdentity(self.name, tuple(self.emails), tuple(domains), self.timezone)


class OperatorOut(WireModel):
    name: str
    emails: list[str]
    internal_domains: list[str]
    timezone: str
    workspace: str


def _out(ident: OperatorIdentity, workspace: str) -> OperatorOut:
    return OperatorOut(
        name=ident.name,
        emails=list(ident.emails),
        internal_domains=list(ident.internal_domains),
        timezone=ident.timezone,
        workspace=workspace,
    )


@operation(
    "operator.init",
    params=OperatorParams,
    result=OperatorOut,
    effect="local",
    workspace="main",
    description="Set who you are in your own workspace and make it the active one.",
    expose=CLI_ONLY,
    # It replaces the identity that tells your mail from your contacts'.
    destructive=True,
    idempotent=True,
)
async def init(ctx: OpContext, p: OperatorParams) -> OperatorOut:
    ident = p.identity()
    await settings.put_operator(ctx.session, ident)
    await ctx.state.workspaces.use(MAIN)
    ctx.emit("workspace.changed", {"workspace": MAIN})
    return _out(ident, MAIN)


@operation(
    "operator.show",
    params=NoParams,
    result=OperatorOut,
    effect="read",
    description="Who the active workspace belongs to.",
    expose=EVERYWHERE,
)
async def show(ctx: OpContext, p: NoParams) -> OperatorOut:
    ident = await settings.operator(ctx.session)
    if ident is None:
        raise NotFound("no operator set in this workspace; run `caseyos init`")
    return _out(ident, ctx.workspace.name)


class WorkspaceInfo(WireModel):
    name: str
    active: bool
    path: str


class WorkspacesResult(WireModel):
    workspaces: list[WorkspaceInfo]
    active: str
    job: JobOut | None = Field(default=None, description="The job building the workspace, if any.")


@operation(
    "workspace.list",
    params=NoParams,
    result=WorkspacesResult,
    effect="read",
    needs_session=False,
    description="The workspaces on this machine and the active one.",
    # Not for the assistant, whose prompts leave the machine: it lists database paths, and
    # the active workspace's name comes with queue.today and operator.show anyway.
    expose={"cli", "mcp"},
)
async def ws_list(ctx: OpContext, p: NoParams) -> WorkspacesResult:
    return _workspaces(ctx)


def _workspaces(ctx: OpContext) -> WorkspacesResult:
    m = ctx.state.workspaces
    return WorkspacesResult(
        workspaces=[
            WorkspaceInfo(name=n, active=n == m.active_name, path=str(m.db_path(n)))
            for n in m.names()
        ],
        active=m.active_name,
    )


class UseParams(Params):
    name: str = Field(description="The workspace to switch to: main, demo or another name.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(
                f"{v!r} is not a workspace name; use lower-case letters, digits, '-' and '_'"
            )
        return v


@operation(
    "workspace.use",
    params=UseParams,
    result=WorkspacesResult,
    effect="local",
    needs_session=False,
    description="Switch the active workspace (main or demo).",
    expose=CLI_ONLY,
    destructive=False,
    idempotent=True,
)
async def ws_use(ctx: OpContext, p: UseParams) -> WorkspacesResult:
    m = ctx.state.workspaces
    job = None
    if p.name == DEMO:
        job = await demo.load(ctx.state)
    elif not m.exists(p.name):
        # A name that is not one of the choices is a usage error, like a misspelt option.
        raise InvalidParams(
            f"no workspace {p.name!r}; have: {', '.join(m.names()) or 'none'}", field="name"
        )
    else:
        try:
            await m.use(p.name)
        except WorkspaceDamaged as exc:
            raise Unavailable(str(exc)) from None
    ctx.emit("workspace.changed", {"workspace": p.name})
    result = _workspaces(ctx)
    result.job = JobOut(**job) if job else None
    return result


class DemoParams(Params):
    reset: bool = Field(False, description="Delete the demo workspace and build it anew.")


class DemoResult(WireModel):
    workspace: str
    rebuilt: bool = Field(description="Whether the demo is being built (see `job`).")
    job: JobOut | None = Field(
        default=None, description="The build job; wait for it with jobs.wait."
    )


@operation(
    "demo.load",
    params=DemoParams,
    result=DemoResult,
    effect="local",
    needs_session=False,
    description="Switch to the demo workspace, building it (or rebuilding with reset).",
    expose=CLI_ONLY,
    # With reset it deletes the demo workspace.
    destructive=True,
    idempotent=False,
)
async def demo_load(ctx: OpContext, p: DemoParams) -> DemoResult:
    job = await demo.load(ctx.state, reset=p.reset)
    ctx.emit("workspace.changed", {"workspace": DEMO})
    return DemoResult(workspace=DEMO, rebuilt=job is not None, job=JobOut(**job) if job else None)


class ImportParams(Params):
    path: str = Field(description="Absolute path of a HubSpot CSV export, an mbox or an ICS.")
    kind: str | None = Field(
        None,
        description="contacts_csv, companies_csv, deals_csv, tasks_csv, notes_csv, mbox or ics; "
        "detected when left out.",
    )


class ImportStarted(WireModel):
    workspace: str
    path: str
    job: JobOut = Field(description="The import job; follow it with jobs.wait or events.")
    demo_note: str | None = Field(
        default=None,
        description="Set when the import switched the active workspace from the demo to "
        "yours: what happened to the demo.",
    )


@operation(
    "import.file",
    params=ImportParams,
    result=ImportStarted,
    effect="local",
    needs_session=False,
    description="Start importing a local file into your own workspace (never the demo).",
    # It reads any path the daemon can read: only the operator may point it at one.
    expose=CLI_ONLY,
    # Records already imported are overwritten with the file's version of them.
    destructive=True,
    idempotent=True,
)
async def import_file(ctx: OpContext, p: ImportParams) -> ImportStarted:
    path = Path(p.path)
    if not path.is_absolute():
        raise InvalidParams("path must be absolute (the CLI resolves it for you)", field="path")
    if path.is_dir():
        raise InvalidParams(f"{path} is a directory; import its files one by one", field="path")
    if not path.is_file():
        raise InvalidParams(f"no such file: {path}", field="path")
    if p.kind is not None and p.kind not in FILE_KINDS:
        # The kind asked for is at fault, not the file: name the option, not the path.
        raise InvalidParams(
            f"kind must be one of {', '.join(FILE_KINDS)}, not {p.kind!r}", field="kind"
        )
    try:
        # A file that is not what it claims to be is refused now, not minutes into a job.
        kind = await asyncio.to_thread(probe, path, p.kind)
    except ConnectorError as exc:
        raise InvalidParams(str(exc), field="path") from None
    m = ctx.state.workspaces
    # Refused before `init`, an import leaves nothing behind: not even an empty workspace.
    ident = None
    if m.exists(MAIN):
        ws = await m.open(MAIN)
        async with ws.session() as s:
            ident = await settings.operator(s)
    if ident is None:
        raise InvalidParams(
            "tell CaseyOS who you are first: `caseyos init` (imports need your "
            "addresses to tell inbound from outbound)",
            field="operator",
        )

    async def work(run: JobRun) -> dict[str, Any]:
        return await importer.import_file(run, path, ident, kind)

    job = await ctx.state.jobs.start(
        "import", f"import {path.name}", ws, {"path": str(path), "kind": kind}, work
    )
    # Said only when it is news: the import switched away from the demo.
    note = None
    if m.active_name != MAIN:
        note = "Your own workspace 'main' is active now."
        if m.exists(DEMO):
            note += " The demo stays in its own database; `caseyos demo` shows it again."
    await m.use(MAIN)
    ctx.emit("workspace.changed", {"workspace": MAIN})
    return ImportStarted(workspace=MAIN, path=str(path), job=JobOut(**job), demo_note=note)
