"""The base of the dashboard's screens: the way to the app (its link, workspace, notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from caseyos_cli.tui.app import Dashboard


class DashboardScreen(Screen[None]):
    """A screen of the dashboard."""

    @property
    def dash(self) -> Dashboard:
        """The app, with its link to the daemon."""
        return self.app  # type: ignore[return-value]
