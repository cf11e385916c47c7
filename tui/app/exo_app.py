"""The App: owns the store, the clock and the runtime hooks every screen calls.

Screens only ever call ``start_authorize``, ``start_refresh``, ``test_connection``
(jobs.py: workers, the one OAuth service, auto-refresh, failure routing) and
``open_troubleshooting``, and learn what changed from messages (messages.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.core.model import DEFAULT_MARGIN_S
from tui.core.refresh.schedule import CHECK_EVERY_S

from .jobs import Runtime, ServiceFactory

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore

HERE = Path(__file__).parent
_STORE_LOCK = threading.Lock()
# Only the shared styles and the first screen's are loaded at start (Textual does not
# load a default screen's own CSS_PATH); every other screen names its .tcss files in
# CSS_PATH, read the first time that screen is shown. The list then starts without
# parsing the form's, the panel's and the dialogs' styles.
CSS_FILES = ["app.tcss", "screens/accounts.tcss"]


class ExoApp(Runtime):
    TITLE = "exo-oauth"
    CSS_PATH: ClassVar[list[str | PurePath]] = [HERE / name for name in CSS_FILES]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help", show=False),
        Binding("t", "troubleshoot", "Troubleshoot", id="app.troubleshoot"),
    ]

    def __init__(self, *, config_path: Path, state_dir: Path | None = None,
                 clock: Callable[[], float] | None = None, live_interval: float | None = 30.0,
                 cursor_blink: bool = True, banner: str = "",
                 store: AccountStore | None = None,
                 refresh_every: float | None = CHECK_EVERY_S,
                 refresh_margin: float = DEFAULT_MARGIN_S,
                 service_factory: ServiceFactory | None = None) -> None:
        super().__init__()
        self.config_path = config_path
        self.state_dir = state_dir
        self.clock: Callable[[], float] = clock or time.time
        self.live_interval = live_interval
        self.cursor_blink = cursor_blink
        self.banner = banner
        self._store = store
        from .formatting import display_path

        self.sub_title = display_path(config_path)
        self.init_runtime(refresh_every=refresh_every, margin=refresh_margin,
                          service_factory=service_factory)

    def on_mount(self) -> None:
        self.start_runtime()

    # -- crash report -------------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        self._crash = error  # for _fatal_error, which Textual calls without it
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """What is printed after an unexpected error. Textual's own report lists the local
        variables of every frame, and the code that fails usually holds the client secret
        and the tokens; this one names files, lines and functions and the redacted message
        only (tui.core.troubleshoot.crash), and is terminal-safe."""
        from rich.text import Text

        from tui.core.troubleshoot.crash import traceback_text

        self.bell()
        error = getattr(self, "_crash", None)
        details = traceback_text(error) if error is not None else ""
        self._exit_renderables.append(Text(
            "exo-oauth stopped on an unexpected error. Saved accounts and tokens are as they "
            "were; a form's unsaved changes are lost. What happened (secrets left out):\n\n"
            + details))
        self._close_messages_no_wait()

    async def on_unmount(self) -> None:
        await self.close_runtime()

    # -- shared services ----------------------------------------------------------------
    @property
    def store(self) -> AccountStore:
        """Opened on first use (after the first paint), not at start-up. Workers in threads
        and on the event loop may ask at the same moment: exactly one store is made."""
        if self._store is None:
            with _STORE_LOCK:
                if self._store is None:
                    from tui.core.store.account_store import AccountStore

                    self._store = AccountStore(self.config_path, state_dir=self.state_dir)
        return self._store

    def now(self) -> float:
        return self.clock()

    def get_default_screen(self) -> Screen[Any]:
        from .screens.accounts import AccountsScreen

        return AccountsScreen()

    # -- quitting -----------------------------------------------------------------------
    async def action_quit(self) -> None:
        """ctrl+q and the palette's Quit: a form with unsaved changes asks first, as esc
        does (Save / Discard / Cancel)."""
        from .screens.form import AccountFormScreen
        from .screens.modals import UnsavedChanges

        forms = [s for s in self.screen_stack if isinstance(s, AccountFormScreen)]
        if not forms or not forms[-1].dirty:
            self.exit()
        elif not isinstance(self.screen, UnsavedChanges):  # asked already: answer that
            forms[-1].quit_asking()

    # -- help and palette ---------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The screen's own actions first (those that apply now), then Textual's."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or not binding.description or binding.system:
                continue
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.get_key_display(binding)
            yield SystemCommand(binding.description, f"{binding.tooltip or binding.description}"
                                f" ({key})", _runner(self, binding.action, active.node))
        yield from super().get_system_commands(screen)

    # -- runtime hooks (start_authorize & co. come from Runtime) -------------------------
    def open_troubleshooting(self, source: object | None = None, *,
                             label: str | None = None) -> None:
        """Open the troubleshooting panel; with ``source`` (an exception, OAuthError,
        validate.Issue or text) its best catalog match is highlighted and the failure
        shown, redacted. ``label`` puts the account's label into the suggested commands.
        An open panel is reused."""
        from .screens.troubleshoot import TroubleshootScreen

        if isinstance(self.screen, TroubleshootScreen):
            self.screen.show_source(source, label=label)
            return
        self.push_screen(TroubleshootScreen(source, label=label))

    def action_troubleshoot(self) -> None:
        """``t``: a screen that knows what to preselect (list, form) decides; else browse."""
        own = getattr(self.screen, "action_troubleshoot", None)
        if callable(own):
            own()
        else:
            self.open_troubleshooting()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "troubleshoot":  # not again from inside the panel
            # a marker, not isinstance: importing the panel (and the catalog) here
            # would put it on the start-up path, before the first paint
            return not getattr(self.screen, "IS_TROUBLESHOOT_PANEL", False)
        return True


def _runner(app: App[Any], action: str, node: Any) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action, node)

    return run
