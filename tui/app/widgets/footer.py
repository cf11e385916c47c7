"""Textual's Footer, cheaper to rebuild.

The footer rebuilds all its keys whenever the screen's bindings change, and at
start-up they change several times in one frame (focus, first fill, checks).
This one rebuilds at most once per frame however often it is asked, not at all
when the keys it would show are the same, and builds compact keys already
compact, so no key is restyled alone right after it mounts.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.dom import NoScreen
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A Footer that coalesces rebuilds; use it like Footer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rebuild_pending = False
        self._last_shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # Footer.bindings_changed, except that a rebuild already asked for absorbs this one.
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_pending:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _shown(self) -> tuple[object, ...]:
        """What the keys would show now: a rebuild that changes nothing is skipped."""
        return tuple((b.key, b.description, b.action, enabled, tooltip)
                     for _, b, enabled, tooltip in self.screen.active_bindings.values()
                     if b.show)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached or not self.is_mounted:  # its screen closed meanwhile
            return
        try:
            shown = self._shown()
        except NoScreen:
            return
        if shown == self._last_shown:
            return
        self._last_shown = shown
        await self.recompose()
