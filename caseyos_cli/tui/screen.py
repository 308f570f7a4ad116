"""The base of the dashboard's screens: the way to the app (its link, workspace, notes)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual.css.query import NoMatches
from textual.screen import Screen

if TYPE_CHECKING:
    from caseyos_cli.tui.app import Dashboard


class DashboardScreen(Screen[None]):
    """A screen of the dashboard."""

    @property
    def dash(self) -> Dashboard:
        """The app, with its link to the daemon."""
        return self.app  # type: ignore[return-value]


S = TypeVar("S", bound=Screen[Any])


def loader(load: Callable[[S], Awaitable[None]]) -> Callable[[S], Awaitable[None]]:
    """A screen's load from the daemon (under `@work`). The screen, or the whole dashboard,
    may close while the daemon answers; the answer then finds the widgets gone, and the
    load ends there quietly instead of failing the dashboard."""

    @functools.wraps(load)
    async def run(screen: S) -> None:
        try:
            await load(screen)
        except NoMatches:
            return

    return run
