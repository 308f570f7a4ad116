"""Runs one operation: validate params, open one session, commit, publish events, close."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from daemon.context import OpContext
from daemon.errors import InvalidParams, OperationError
from daemon.protocol import ErrorCode
from daemon.registry import REGISTRY, Operation
from daemon.state import DaemonState
from daemon.unit_of_work import publish, unit_of_work
from daemon.wire import jsonable
from daemon.workspaces import MAIN


class UnknownOperation(OperationError):
    code = ErrorCode.UNKNOWN_OPERATION


def find(name: Any) -> Operation:
    if not isinstance(name, str) or not name:
        raise InvalidParams("a request needs an 'op' string", field="op")
    op = REGISTRY.get(name)
    if op is None:
        close = difflib.get_close_matches(name, REGISTRY.keys(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `caseyos api list`"
        raise UnknownOperation(f"unknown operation '{name}'{hint}", field="op")
    return op


def validate(op: Operation, raw: Any) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidParams("params must be a JSON object", field="params")
    try:
        return op.params.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "params"
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = f"unknown parameter for {op.name}"
        raise InvalidParams(f"{field}: {msg}", field=field) from None


async def dispatch(state: DaemonState, name: Any, raw_params: Any) -> dict[str, Any]:
    """Validate, then run the handler in one read session or one unit of work."""
    op = find(name)
    params = validate(op, raw_params)
    if op.workspace == "main":
        workspace = await state.workspaces.open(MAIN)
    else:
        workspace = state.workspaces.active()
    ctx = OpContext(state, workspace)
    if not op.needs_session:
        result = await op.handler(ctx, params)
        publish(state.bus, ctx.events)
        return jsonable(result)
    # A workspace being built (the demo) is answered once it is whole, not half-written.
    await state.jobs.until_built(workspace)
    if op.effect == "read":
        async with workspace.session() as session, session.begin():
            ctx._session = session
            result = await op.handler(ctx, params)
    else:
        async with unit_of_work(workspace, state.bus) as uow:
            ctx._session = uow.session
            ctx.events = uow.events
            result = await op.handler(ctx, params)
    ctx._session = None
    return jsonable(result)
