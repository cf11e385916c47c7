"""The first screen: every account in a table, with its live status.

Start-up stays light: an account file of ordinary size is read before the first
frame (one layout and paint, with the rows); a big one is read by a thread worker
after an empty first frame. Statuses are recomputed (and token files re-read)
every ``app.live_interval`` seconds without moving the cursor; the account file
itself is looked at (a stat, nothing more) every ``app.watch_interval`` seconds, so
an account added or changed with the command line shows up on its own.

``/`` filters the rows by label, tenant or status; ``j``/``k`` move like the arrows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Header, Input, Static
from textual.worker import get_current_worker

from tui.app.list_rows import Rows, read_rows, small_file, stamp_of
from tui.app.palette import PaletteCommand, action_command
from tui.app.widgets.account_list import AccountsTable, ListFilter
from tui.app.widgets.footer import KeysFooter
from tui.core.errors import ExoError
from tui.core.model import Account, TokenView
from tui.core.terminal_text import terminal_safe
from tui.core.troubleshoot.crash import shown_error

from .account_rows import AccountRows

# From this width the footer has room for Enter (Edit) and q (Quit) as well as /.
WIDE_FOOTER = 96
# Up to this many accounts the filter applies at every key; above, once typing pauses
# this long (refilling 5,000 rows takes about a second).
FILTER_AT_ONCE = 500
FILTER_PAUSE_S = 0.25


class AccountsScreen(AccountRows):
    AUTO_FOCUS = "#accounts"  # the rows, not the filter line above them
    HELP_TITLE = "Accounts"
    HELP_TEXT = (
        "Every OAuth2 account exo-oauth keeps, one per row, with the state of its access "
        "token. Add an account with n, open one with Enter, narrow the list with / (label, "
        "tenant or status). Statuses update on their own about every 30 seconds; tokens "
        "refreshed by `exo-oauth refresh` or cron, and accounts added or changed with the "
        "command line, show up here too (ctrl+r or F5 reads everything again now)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="accounts.new"),
        Binding("e", "edit", "Edit", id="accounts.edit_e", show=False),
        Binding("d", "delete", "Delete", id="accounts.delete"),
        Binding("a", "authorize", "Authorize", id="accounts.authorize"),
        Binding("r", "refresh", "Refresh", id="accounts.refresh"),
        Binding("c", "test_connection", "Test", tooltip="Test the connection: call Graph /me "
                "with the token (app-only: show what the token grants)",
                id="accounts.test_connection"),
        Binding("t", "troubleshoot", "Troubleshoot", id="accounts.troubleshoot"),
        Binding("slash", "focus_filter", "Filter", id="accounts.filter",
                tooltip="Show only the accounts whose label, tenant or status holds a text"),
        # while a filter is on, Escape takes /'s place in the footer (80 columns hold one)
        Binding("slash", "focus_filter('on')", "Filter", id="accounts.filter_on", show=False),
        Binding("escape", "clear_filter", "Show all", id="accounts.clear_filter",
                tooltip="Clear the filter: every account again"),
        Binding("ctrl+r,f5", "reload", "Reload", id="accounts.reload", show=False,
                tooltip="Read the account file and the token files again now"),
        Binding("question_mark", "app.help", "Help", id="accounts.help"),
        Binding("q", "quit('wide')", "Quit", id="accounts.quit_shown"),
        Binding("q", "quit", "Quit", id="accounts.quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._stamp: tuple[int, int, int] | None = None  # the account file as last read
        self._filter_timer: Timer | None = None

    @property
    def HELP_KEYS(self) -> list[tuple[str, list[type]]]:
        return [("Accounts list", [AccountsTable, AccountsScreen])]

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        if self.xapp.banner:
            yield Static(Content(self.xapp.banner), id="banner")
        with Vertical(id="list-body"):
            with Horizontal(id="filter-row"):
                yield Static("Filter /", id="filter-label")
                yield ListFilter(placeholder="words of a label, tenant or status", compact=True,
                                 id="list-filter")
                yield Static(id="filter-count")
            yield AccountsTable(id="accounts", cursor_type="row", zebra_stripes=True)
            yield Static(id="empty")
            yield Static(id="details")
        yield KeysFooter(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#empty").display = False
        self.query_one("#details").display = False
        self.query_one("#filter-row").display = False
        table = self.query_one(AccountsTable)
        table.display = False
        self._set_columns()
        if self.xapp.live_interval:
            self.set_interval(self.xapp.live_interval, self.refresh_statuses)
        if self.xapp.watch_interval:
            self.set_interval(self.xapp.watch_interval, self.watch_file)
        if small_file(self.xapp.config_path):
            # Read now, so the first frame already shows the list: a worker would paint an
            # empty screen, then lay out and paint again, which costs more than the read.
            self._finish_load(self._read_safely(), None)
        else:
            self.reload()

    # -- loading --------------------------------------------------------------------------
    def reload(self, select_id: str | None = None) -> None:
        """Read accounts and token states in a thread; the table fills in when done."""
        self._load(select_id or self.selected_id())

    @work(thread=True, exclusive=True, group="accounts-load")
    def _load(self, select_id: str | None) -> None:
        result = self._read_safely()
        if not get_current_worker().is_cancelled:
            self._from_thread(self._finish_load, result, select_id)

    def _read_safely(self) -> Rows | str:
        """The accounts, or the one-line reason they cannot be read."""
        try:
            return read_rows(self.xapp.store)
        except ExoError as exc:
            return str(exc)
        except OSError as exc:
            return f"{exc.strerror or exc}: {exc.filename}"

    def _finish_load(self, result: Rows | str, select_id: str | None) -> None:
        if isinstance(result, str):
            self._show_error(result)
        else:
            self._apply(result, select_id)

    def _from_thread(self, callback: Any, *args: Any) -> None:
        """Hand a result to the UI thread, unless the app is already shutting down."""
        with contextlib.suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)

    def _show_error(self, message: str) -> None:
        self.loaded = True
        self.load_error = message
        self.accounts, self.states = [], {}
        self._stamp = stamp_of(self.xapp.config_path)  # a fixed file is read again
        self._fill()
        self.notify(message, title="Cannot read the accounts", severity="error", timeout=10)

    def _apply(self, loaded: Rows, select_id: str | None) -> None:
        self.loaded = True
        self.load_error = ""
        self.accounts = list(loaded.accounts)
        self.states = dict(loaded.states)
        self._stamp = loaded.stamp
        self._fill(select_id)

    def watch_file(self) -> None:
        """Read everything again when the account file changed (a stat; no token file is
        opened): an account added or edited with the command line shows within a second."""
        if self.loaded and stamp_of(self.xapp.config_path) != self._stamp:
            self._stamp = stamp_of(self.xapp.config_path)  # asked once per change
            self.reload()

    def refresh_statuses(self) -> None:
        """Re-read token states (another process may have refreshed) and redraw statuses."""
        if self.loaded and not self.load_error:
            self._reread_states()

    @work(thread=True, exclusive=True, group="accounts-status")
    def _reread_states(self) -> None:
        store = self.xapp.store
        if stamp_of(store.path) != self._stamp:  # the account file itself changed
            self._from_thread(self.reload)
            return
        states: dict[str, TokenView] = {}
        try:  # what the last list saw, with only the token files changed since read again
            states.update((a.id, s) for a, s in store.load_summaries())
        except (ExoError, OSError):
            for account in list(self.accounts):  # file by file, to show all it can
                try:
                    states[account.id] = store.token_summary(account)
                except (ExoError, OSError):
                    continue  # one unreadable token file must not stop the others
        if not get_current_worker().is_cancelled:
            self._from_thread(self._merge_states, states)

    def _merge_states(self, states: dict[str, TokenView]) -> None:
        self.states.update(states)
        self.update_statuses()

    # -- the filter -----------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "list-filter":
            event.stop()
            self.query_text = event.value
            if self._filter_timer is not None:
                self._filter_timer.stop()
            if len(self.accounts) <= FILTER_AT_ONCE:
                self._apply_filter()
            else:  # refilling thousands of rows takes a while: once typing pauses
                self._filter_timer = self.set_timer(FILTER_PAUSE_S, self._apply_filter)

    def _apply_filter(self) -> None:
        self._filter_timer = None
        looks = self._looks(self.accounts)
        if self._filtered(looks) == self.shown:
            self._show_count()  # the same rows: nothing to redraw
        else:
            self._fill(looks=looks)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "list-filter":
            event.stop()
            if self._filter_timer is not None:  # Enter does not wait for the pause
                self._filter_timer.stop()
                self._apply_filter()
            self.action_focus_rows()

    def action_focus_filter(self, _on: str = "") -> None:
        self.query_one("#filter-row").display = True
        self.query_one(ListFilter).focus()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._show_count)  # the filter line hides when left empty

    def action_focus_rows(self) -> None:
        if self.shown:
            self.query_one(AccountsTable).focus()
        self._show_count()

    def action_clear_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self.query_text = ""
        with self.query_one(ListFilter).prevent(Input.Changed):
            self.query_one(ListFilter).value = ""
        self.query_one(AccountsTable).focus()
        self._fill()

    def action_reload(self) -> None:
        self.notify("Reading the accounts again…", timeout=2)
        self.reload()

    # -- actions ----------------------------------------------------------------------------
    def can_refresh(self, account: Account) -> bool:
        state = self.states.get(account.id)
        return account.is_app_only or (state is not None and state.has_refresh_token)

    def can_test(self, account: Account) -> bool:
        state = self.states.get(account.id)
        has_token = state is not None and (state.has_access_token or state.has_refresh_token)
        return has_token or account.is_app_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if parameters == ("wide",) and self.size.width < WIDE_FOOTER and self.accounts:
            return False  # the unshown twin of the binding takes the key
        if action in ("edit", "delete", "authorize"):
            return self.selected() is not None
        if action == "clear_filter":
            return bool(self.query_text.strip())
        if action == "focus_filter":  # the footer shows one of the two / keys
            return bool(self.accounts) and bool(self.query_text.strip()) == (
                parameters == ("on",))
        if action in ("refresh", "test_connection"):  # greyed when there is nothing to use
            account = self.selected()
            if account is None:
                return False
            can = self.can_refresh if action == "refresh" else self.can_test
            return True if can(account) else None
        return True

    def action_new(self) -> None:
        self._open_form(None)

    async def action_quit(self, _where: str = "") -> None:
        await self.app.run_action("app.quit")

    def _whole(self, account: Account | None) -> Account | None:
        """The account with its secret and tokens, read now: the list holds neither."""
        if account is None:
            return None
        try:
            return self.xapp.store.get_by_id(account.id)
        except (ExoError, OSError) as exc:
            self.notify(str(exc), title="Cannot read the account", severity="error")
            return None

    def _act(self, account: Account | None, act: Callable[[Account], object]) -> None:
        """``act`` on the whole of ``account`` (read now; nothing if it is gone)."""
        whole = self._whole(account)
        if whole is not None:
            act(whole)

    def action_edit(self, _where: str = "") -> None:
        self._act(self.selected(), self._open_form)

    def _open_form(self, account: Account | None) -> None:
        from .form import AccountFormScreen

        taken = [a.label for a in self.accounts if account is None or a.id != account.id]
        self.app.push_screen(AccountFormScreen(account, taken_labels=taken),
                             self._form_closed)

    def _form_closed(self, saved_id: str | None) -> None:
        self.reload(saved_id)

    def action_delete(self) -> None:
        account = self.selected()
        if account is not None:
            self._delete(account)

    def _delete(self, account: Account) -> None:
        from .modals import ConfirmDelete

        def answered(yes: bool | None) -> None:
            if not yes:
                self.notify(f"Kept {account.label!r}.", timeout=2)
                return
            self.xapp.start_write("delete", account,
                                  lambda: self.xapp.store.delete(account.id),
                                  lambda _: self._deleted(account), self._not_deleted,
                                  busy=f"Deleting {account.label!r}…")

        self.app.push_screen(ConfirmDelete(account.label), answered)

    def _deleted(self, account: Account) -> None:
        self.notify(f"Deleted {account.label!r}.")
        self.reload()

    def _not_deleted(self, exc: BaseException) -> None:
        self.notify(shown_error(exc), title="Not deleted", severity="error")

    def action_authorize(self) -> None:
        self._act(self.selected(), self.xapp.start_authorize)

    def action_refresh(self) -> None:
        self._act(self.selected(), self.xapp.start_refresh)

    def action_test_connection(self) -> None:
        self._act(self.selected(), self.xapp.test_connection)

    def action_troubleshoot(self) -> None:
        """The selected account's failure (this run's, else the one on disk), if any."""
        account = self.selected()
        state = self.states.get(account.id) if account else None
        failure = self.xapp.last_failure(account.id) if account else None
        self.xapp.open_troubleshooting(
            failure or (state.last_error if state and state.last_error else None),
            label=account.label if account else None)

    # -- the command palette ----------------------------------------------------------------
    def palette_commands(self) -> Iterator[PaletteCommand]:
        """New account and the list's own commands, then for every account what applies to
        it by name ("Refresh shared-mailbox"); only the selected one's are listed before
        anything is typed."""
        yield action_command(self, "New account", "new", "Add an account (n)")
        yield action_command(self, "Filter the list", "focus_filter",
                             "By label, tenant or status (/)")
        if self.query_text.strip():
            yield action_command(self, "Clear the filter", "clear_filter", "Show every account")
        yield action_command(self, "Reload the list", "reload",
                             "Read the account file and token files again (ctrl+r, F5)")
        selected = self.selected()
        for account in ([selected] if selected else []) + [
                a for a in self.accounts if a is not selected]:
            yield from self._account_commands(account, listed=account is selected)

    def _account_commands(self, account: Account, *, listed: bool) -> Iterator[PaletteCommand]:
        label = terminal_safe(account.label)
        xapp = self.xapp
        yield PaletteCommand(f"Edit {label}", "Open its settings",
                             lambda: self._act(account, self._open_form), listed)
        yield PaletteCommand(f"Authorize {label}", "Sign in and store its tokens",
                             lambda: self._act(account, xapp.start_authorize), listed)
        if self.can_refresh(account):
            yield PaletteCommand(f"Refresh {label}", "Get a new access token now",
                                 lambda: self._act(account, xapp.start_refresh), listed)
        if self.can_test(account):
            yield PaletteCommand(f"Test {label}", "Call Graph /me with its token",
                                 lambda: self._act(account, xapp.test_connection), listed)
        yield PaletteCommand(f"Delete {label}", "Asks first", lambda: self._delete(account),
                             listed)
