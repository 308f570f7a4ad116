"""Runs one operation: validate params, open one session, commit, publish events, close."""

from __future__ import annotations

import difflib
import logging
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from daemon.context import OpContext
from daemon.errors import InvalidParams, OperationError, Unavailable
from daemon.protocol import ErrorCode, is_text, shown
from daemon.registry import REGISTRY, Operation
from daemon.state import DaemonState
from daemon.store import diskspace
from daemon.unit_of_work import publish, unit_of_work
from daemon.vocabulary import plural
from daemon.wire import jsonable
from daemon.workspaces import MAIN, Workspace, WorkspaceDamaged

log = logging.getLogger(__name__)


class UnknownOperation(OperationError):
    code = ErrorCode.UNKNOWN_OPERATION


def find(name: Any) -> Operation:
    if not isinstance(name, str) or not name:
        raise InvalidParams("a request needs an 'op' string", field="op")
    op = REGISTRY.get(name)
    if op is None:
        close = difflib.get_close_matches(name, REGISTRY.keys(), n=3) if len(name) < 100 else []
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `caseyos api list`"
        raise UnknownOperation(f"unknown operation '{shown(name)}'{hint}", field="op")
    return op


def validate(op: Operation, raw: Any) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidParams("params must be a JSON object", field="params")
    storable(raw)
    try:
        return op.params.model_validate(raw)
    except ValidationError as exc:
        field, message = explain(op, exc.errors()[0])
        raise InvalidParams(message, field=field) from None


# SQLite stores integers in 64 bits; Python's sqlite3 raises OverflowError beyond them.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def storable(raw: dict[str, Any]) -> None:
    """Refuse values no operation can take: NUL or lone surrogates in text, integers
    beyond 64 bits. Walks the decoded params once, iteratively, for every operation."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), raw)]
    while stack:
        path, value = stack.pop()
        field = ".".join(path) or "params"
        if isinstance(value, dict):
            for key, item in value.items():
                if not is_text(key) or "\x00" in key:
                    raise InvalidParams(
                        f"{field}: parameter name {shown(key)!r} is not valid text", field=field
                    )
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend((path, item) for item in value)
        elif isinstance(value, str):
            if "\x00" in value:
                raise InvalidParams(f"{field} must not contain NUL characters", field=field)
            if not is_text(value):
                raise InvalidParams(f"{field} is not valid Unicode text", field=field)
        elif isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise InvalidParams(f"{field} is out of range", field=field)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _choices(expected: str) -> str:
    """Pydantic's "'a', 'b' or 'c'" as "a, b or c"."""
    return re.sub(r"'([^']*)'", r"\1", expected)


def explain(op: Operation, error: ErrorDetails) -> tuple[str, str]:
    """(field, message) for pydantic's first complaint, in words a person would use.

    The message starts with the field's name, so a front end can put its own name for the
    field there (the CLI shows `--status must be one of ...`).
    """
    field = ".".join(str(p) for p in error["loc"] if not isinstance(p, int)) or "params"
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        return field, f"{field} is not a parameter of {op.name}"
    if kind == "missing":
        return field, f"{field} is required"
    if kind in ("literal_error", "enum"):
        return field, f"{field} must be one of {_choices(ctx['expected'])}, not {given!r}"
    if kind == "value_error":
        return field, f"{field}: {ctx['error']}"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return field, f"{field} must be {words} {_number(ctx[key])}, not {_number(given)}"
    if kind == "string_too_short":
        if ctx["min_length"] == 1:
            return field, f"{field} must not be empty"
        return field, f"{field} needs at least {plural(ctx['min_length'], 'character')}"
    if kind == "string_too_long":
        return field, f"{field} takes at most {plural(ctx['max_length'], 'character')}"
    if kind == "too_short":
        return field, f"{field} needs at least {plural(ctx['min_length'], 'value')}"
    if kind == "too_long":
        return field, f"{field} takes at most {plural(ctx['max_length'], 'value')}"
    expected = {
        "int": "a whole number",
        "float": "a number",
        "bool": "true or false",
        "string": "text",
        "list": "a list",
        "dict": "an object",
        "model": "an object",
    }
    for prefix, what in expected.items():
        if kind.startswith(prefix + "_"):
            return field, f"{field} must be {what}, not {given!r}"
    msg = error["msg"]
    return field, f"{field}: {msg[:1].lower()}{msg[1:]}"


async def dispatch(state: DaemonState, name: Any, raw_params: Any) -> dict[str, Any]:
    """Validate, then run the handler in one read session or one unit of work."""
    op = find(name)
    params = validate(op, raw_params)
    try:
        if op.workspace == "main":
            workspace = await state.workspaces.open(MAIN)
        else:
            workspace = state.workspaces.active()
    except WorkspaceDamaged as exc:
        if op.needs_session:
            raise Unavailable(str(exc)) from None
        # Stopping the daemon, jobs, switching workspaces: these work on a damaged one.
        ctx = OpContext(state, None, unavailable=str(exc))
        result = await op.handler(ctx, params)
        publish(state.bus, ctx.events)
        return jsonable(result)
    ctx = OpContext(state, workspace)
    try:
        result = await _run(state, op, params, ctx, workspace)
    except Exception as exc:
        if diskspace.is_disk_full(exc):
            raise diskspace.disk_full(state.reserve, workspace.path, op.name) from None
        if diskspace.is_damaged(exc):
            found = WorkspaceDamaged.found(
                workspace.name,
                workspace.path,
                "database disk image is malformed",
                state.workspaces.newest_backup(workspace.name),
            )
            log.error("%s (met during %s)", found, op.name)
            raise Unavailable(str(found)) from None
        raise
    if op.effect != "read" and state.reserve is not None and not state.reserve.held:
        # A write went through after the disk had filled: take the reserve back if it fits.
        state.reserve.ensure()
    return jsonable(result)


async def _run(
    state: DaemonState, op: Operation, params: Any, ctx: OpContext, workspace: Workspace
) -> Any:
    """The handler, in the session its operation declares (none, a read, a unit of work)."""
    if not op.needs_session:
        result = await op.handler(ctx, params)
        publish(state.bus, ctx.events)
        return result
    # A workspace being built (the demo) is answered once it is whole, not half-written.
    await state.jobs.until_built(workspace)
    try:
        if op.effect == "read":
            async with workspace.session() as session, session.begin():
                ctx._session = session
                return await op.handler(ctx, params)
        async with unit_of_work(workspace, state.bus) as uow:
            ctx._session = uow.session
            ctx.events = uow.events
            return await op.handler(ctx, params)
    finally:
        ctx._session = None
