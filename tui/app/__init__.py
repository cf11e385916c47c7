"""The Textual UI. ``make_app`` is the one way in: the CLI, the tests and the screenshot
script all build the app through it, so they all see the same screens.

Importing this package is cheap; Textual is imported only when an app is made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core.refresh.schedule import CHECK_EVERY_S

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore

    from .exo_app import ExoApp
    from .host import AppHost
    from .jobs import ServiceFactory

    def _screens_can_use(app: ExoApp) -> AppHost:
        """Screens reach the app as an AppHost (host.py); this has the type checker
        check that the real app is one."""
        return app

LIVE_INTERVAL_S = 30.0
AUTO_REFRESH_EVERY_S = CHECK_EVERY_S  # as often as `refresh --watch` checks


def make_app(
    config_path: str | os.PathLike[str] | None = None,
    *,
    state_dir: str | os.PathLike[str] | None = None,
    clock: Callable[[], float] | None = None,
    live_interval: float | None = LIVE_INTERVAL_S,
    cursor_blink: bool = True,
    animations: bool = True,
    banner: str = "",
    store: AccountStore | None = None,
    refresh_every: float | None = AUTO_REFRESH_EVERY_S,
    refresh_margin: float = 300.0,
    service_factory: ServiceFactory | None = None,
) -> ExoApp:
    """Build the exo-oauth app.

    ``clock`` returns epoch seconds (``time.time`` by default; tests pass a fixed one).
    ``live_interval``: seconds between status refreshes in the list (None: never, for tests).
    ``cursor_blink`` and ``animations``: False makes screenshots deterministic (and
    scrolling cheaper over a slow link).
    ``banner``: a line shown above the list (the demo says it is a demo).
    ``store``: an AccountStore to use instead of opening one for ``config_path``.
    ``refresh_every``: seconds between auto-refresh checks (at most 30 so a machine that
    slept catches up soon; None: no auto-refresh, for tests). Accounts with auto-refresh
    on are refreshed ``refresh_margin`` seconds before their token expires.
    ``service_factory``: builds the app's one OAuthService from a core clock (the app's
    ``clock`` in the core's shape); tests pass one whose waits return at once.
    """
    from tui.core.paths import config_path as default_config_path

    from .exo_app import ExoApp

    path = Path(config_path) if config_path is not None else default_config_path()
    app = ExoApp(
        config_path=path,
        state_dir=Path(state_dir) if state_dir is not None else None,
        clock=clock,
        live_interval=live_interval,
        cursor_blink=cursor_blink,
        banner=banner,
        store=store,
        refresh_every=refresh_every,
        refresh_margin=refresh_margin,
        service_factory=service_factory,
    )
    if not animations:
        app.animation_level = "none"
    return app


__all__ = ["AUTO_REFRESH_EVERY_S", "LIVE_INTERVAL_S", "make_app"]
