"""Turning what a user typed into rows and instants, with errors that name the field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from daemon.context import OpContext
from daemon.domain import settings
from daemon.domain.records.search import Ambiguous, Missing
from daemon.errors import InvalidParams, NotFound
from daemon.timeparse import TimeParseError, parse_when


@contextmanager
def record(field: str = "ref") -> Iterator[None]:
    """A record looked up by id, email or name: none is not_found, several a usage error."""
    try:
        yield
    except Missing as exc:
        raise NotFound(str(exc), field=field) from None
    except Ambiguous as exc:
        raise InvalidParams(str(exc), field=field) from None


async def when(ctx: OpContext, text: str | None, field: str) -> datetime | None:
    """An instant such as 'tomorrow', 'fri 5pm' or '2026-12-01', in the operator's zone."""
    if text is None:
        return None
    try:
        return parse_when(text, now=ctx.now(), tz=await settings.timezone(ctx.session))
    except TimeParseError as exc:
        raise InvalidParams(str(exc), field=field) from None
