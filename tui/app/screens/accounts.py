"""The first screen: every account in a table, with its live status.

Start-up stays light: an account file of ordinary size is read before the first
frame (one layout and paint, with the rows); a big one is read by a thread worker
after an empty first frame. Statuses are recomputed (and token files re-read)
every ``app.live_interval`` seconds without moving the cursor.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static
from textual.worker import get_current_worker

from tui.app import formatting
from tui.app.host import AppHost, host_of
from tui.app.list_rows import COLUMNS, Rows, mtime_of, read_rows, small_file, widths_for
from tui.app.messages import StatusNoteChanged, TokenStateChanged
from tui.app.widgets.footer import KeysFooter
from tui.core.errors import ExoError
from tui.core.model import Account, TokenView
from tui.core.troubleshoot.crash import shown_error


class AccountsTable(DataTable[Any]):
    """The table, with Enter meaning "edit" (and saying so in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.edit", "Edit", id="accounts.edit"),
        Binding("home", "first_row", "First account", show=False, id="accounts.first"),
        Binding("end", "last_row", "Last account", show=False, id="accounts.last"),
    ]

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self.row_count - 1)


class AccountsScreen(Screen[None]):
    HELP_TITLE = "Accounts"
    HELP_TEXT = (
        "Every OAuth2 account exo-oauth keeps, one per row, with the state of its access "
        "token. Add an account with n, open one with Enter. Statuses update on their own "
        "about every 30 seconds; tokens refreshed by `exo-oauth refresh` or cron show up "
        "here too."
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
        Binding("question_mark", "app.help", "Help", id="accounts.help"),
        Binding("q", "app.quit", "Quit", id="accounts.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[Account] = []
        # What the rows show; no token and no client secret is kept here (see _whole).
        self.states: dict[str, TokenView] = {}
        self.loaded = False
        self.load_error = ""
        self._mtime: float | None = None
        self._widths: dict[str, int] = {}
        self.notes: dict[str, str] = {}  # account id -> status shown until new tokens arrive
        self._texts: dict[tuple[str, str], Text] = {}  # see _text

    @property
    def xapp(self) -> AppHost:
        return host_of(self)

    @property
    def HELP_KEYS(self) -> list[tuple[str, list[type]]]:
        return [("Accounts list", [AccountsTable, AccountsScreen])]

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        if self.xapp.banner:
            yield Static(Content(self.xapp.banner), id="banner")
        with Vertical(id="list-body"):
            yield AccountsTable(id="accounts", cursor_type="row", zebra_stripes=True)
            yield Static(id="empty")
            yield Static(id="details")
        yield KeysFooter(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one("#empty").display = False
        self.query_one("#details").display = False
        table = self.query_one(AccountsTable)
        table.display = False
        self._set_columns()
        if self.xapp.live_interval:
            self.set_interval(self.xapp.live_interval, self.refresh_statuses)
        if small_file(self.xapp.config_path):
            # Read now, so the first frame already shows the list: a worker would paint an
            # empty screen, then lay out and paint again, which costs more than the read.
            self._finish_load(self._read_safely(), None)
        else:
            self.reload()

    def on_resize(self) -> None:
        if self._widths_now() != self._widths:
            self._fill()

    def _widths_now(self) -> dict[str, int]:
        labels = max((len(a.label) for a in self.accounts), default=16)
        tenants = max((len(formatting.tenant_text(a, short=True)) for a in self.accounts),
                      default=24)
        return widths_for(self.size.width or self.app.size.width, labels, tenants)

    def _set_columns(self) -> None:
        table = self.query_one(AccountsTable)
        self._widths = self._widths_now()
        table.clear(columns=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key, width=self._widths[key])

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
        self._fill()
        self.notify(message, title="Cannot read the accounts", severity="error", timeout=10)

    def _apply(self, loaded: Rows, select_id: str | None) -> None:
        self.loaded = True
        self.load_error = ""
        self.accounts = list(loaded.accounts)
        self.states = dict(loaded.states)
        self._mtime = loaded.mtime
        self._fill(select_id)

    def refresh_statuses(self) -> None:
        """Re-read token states (another process may have refreshed) and redraw statuses."""
        if self.loaded and not self.load_error:
            self._reread_states()

    @work(thread=True, exclusive=True, group="accounts-status")
    def _reread_states(self) -> None:
        store = self.xapp.store
        if mtime_of(store.path) != self._mtime:  # the account file itself changed
            self._from_thread(self.reload)
            return
        states: dict[str, TokenView] = {}
        for account in list(self.accounts):
            try:
                states[account.id] = store.token_summary(account)
            except (ExoError, OSError):
                continue  # one unreadable token file must not stop the others
        if not get_current_worker().is_cancelled:
            self._from_thread(self._merge_states, states)

    def _merge_states(self, states: dict[str, TokenView]) -> None:
        self.states.update(states)
        self.update_statuses()

    # -- drawing --------------------------------------------------------------------------
    def _cells(self, account: Account, now: float, styles: dict[str, str]) -> list[Any]:
        w = self._widths
        state = self.states.get(account.id)
        auto = self._text("on", "bold") if account.auto_refresh else self._text("off", "dim")
        ctype = account.client_type if w["type"] >= 12 else (
            "conf." if account.client_type == "confidential" else account.client_type)
        return [
            formatting.ellipsize(account.label, w["label"]),
            formatting.ellipsize(formatting.tenant_text(account, short=True), w["tenant"]),
            formatting.short_id(account.client_id),
            ctype,
            self._status_cell(account, state, now, styles),
            auto,
        ]

    def _status_cell(self, account: Account, state: TokenView | None, now: float,
                     styles: dict[str, str] | None = None) -> Text:
        note = self.notes.get(account.id)
        words, style = (note, "bad") if note else formatting.status(state, account, now)
        label = formatting.ellipsize(words, self._widths["status"])
        return self._text(label, (styles or self._styles()).get(style, ""))

    def _text(self, words: str, style: str) -> Text:
        """One Text for all the cells that show the same words in the same style: a list of
        thousands repeats a few statuses (the table never changes a cell's Text). Made
        afresh for each fill and status update, so old ones do not pile up."""
        text = self._texts.get((words, style))
        if text is None:
            text = self._texts[(words, style)] = Text(words, style=style)
        return text

    def _styles(self) -> dict[str, str]:
        """Status style names to Rich styles, from the current theme (once per fill)."""
        theme = self.app.current_theme
        return {name: f"bold {color}" for name, color in (
            ("ok", theme.success), ("warn", theme.warning), ("bad", theme.error)) if color}

    def _fill(self, select_id: str | None = None) -> None:
        table = self.query_one(AccountsTable)
        select_id = select_id or self.selected_id()
        if self._widths_now() != self._widths:
            self._set_columns()
        table.clear()
        now, styles, self._texts = self.xapp.now(), self._styles(), {}
        for account in self.accounts:
            table.add_row(*self._cells(account, now, styles), key=account.id)
        empty = self.query_one("#empty", Static)
        has_rows = bool(self.accounts)
        table.display = has_rows
        empty.display = self.loaded and not has_rows
        self.query_one("#details").display = has_rows
        if not has_rows:
            empty.update(self._empty_text())
            self.refresh_bindings()
            return
        index = next((i for i, a in enumerate(self.accounts) if a.id == select_id), 0)
        table.move_cursor(row=index, animate=False)
        table.focus()
        self._show_details()
        self.refresh_bindings()

    def _empty_text(self) -> Content:
        if self.load_error:
            return Content.assemble(("The account file cannot be used.\n\n", "bold"),
                                    self.load_error, "\n\nNothing will be written to it "
                                    "until it reads cleanly.")
        return Content.assemble(
            ("No accounts yet.\n\n", "bold"),
            "Press ", ("n", "bold reverse"), " to add your first account. You will need the "
            "app's Application (client) ID, a client secret and your tenant, all from the "
            "app registration in the Azure portal.\n\n"
            "Or try everything first against a local stand-in for Microsoft, with no tenant "
            "at all: quit and run ", ("exo-oauth --demo", "bold"), ".\n\n",
            ("Account file: ", "dim"), (formatting.display_path(self.xapp.config_path), "dim"),
        )

    def update_statuses(self) -> None:
        """Redraw the status cells (time moves on); the cursor stays where it is."""
        table = self.query_one(AccountsTable)
        now, styles, self._texts = self.xapp.now(), self._styles(), {}
        for account in self.accounts:
            table.update_cell(account.id, "status",
                              self._status_cell(account, self.states.get(account.id), now,
                                                styles))
        self._show_details()

    def on_token_state_changed(self, message: TokenStateChanged) -> None:
        """One account's tokens changed (a job finished, or they were read again)."""
        summary = message.state.summary()  # the list keeps no token
        account_id = message.state.account_id
        if summary.has_access_token and summary != self.states.get(account_id):
            self.notes.pop(account_id, None)  # new tokens: an old failure note is over
        self.states[account_id] = summary
        account = self.account_by_id(account_id)
        if account is None:
            return
        self.query_one(AccountsTable).update_cell(
            account.id, "status", self._status_cell(account, summary, self.xapp.now()))
        self._show_details()
        self.refresh_bindings()  # refresh / test may apply now

    def on_status_note_changed(self, message: StatusNoteChanged) -> None:
        """A status that is not in the token state (a failed sign-in), or none again."""
        account_id, note = message.account_id, message.note
        if note:
            self.notes[account_id] = note
        else:
            self.notes.pop(account_id, None)
        account = self.account_by_id(account_id)
        if account is not None and self.loaded:
            self.query_one(AccountsTable).update_cell(
                account.id, "status",
                self._status_cell(account, self.states.get(account.id), self.xapp.now()))
            self._show_details()

    def _show_details(self) -> None:
        account = self.selected()
        details = self.query_one("#details", Static)
        if account is None:
            details.update("")
            return
        now = self.xapp.now()
        state = self.states.get(account.id)
        status = self.notes.get(account.id) or formatting.status_text(state, account, now)
        if state is not None and state.has_access_token and state.expires_at:
            # labelled, so the expiry is never read as the time of a failure
            status += (f" · token expires at {formatting.local_time(state.expires_at, now)} "
                       "local time")
        tenant = formatting.tenant_text(account)
        host = urlsplit(account.token_url).hostname or formatting.DASH
        details.update(Content.assemble(
            (account.label, "bold"),
            f"  {account.client_type} client, auto-refresh "
            f"{'on' if account.auto_refresh else 'off'}\n",
            ("Client ID  ", "dim"), account.client_id or formatting.DASH, "\n",
            ("Tenant     ", "dim"), tenant, (f"  on {host}", "dim"), "\n",
            ("Status     ", "dim"), status,
        ))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details()
        self.refresh_bindings()

    # -- selection ------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        table = self.query_one(AccountsTable)
        if not self.accounts or table.row_count == 0:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:
            return None

    def selected(self) -> Account | None:
        sid = self.selected_id()
        return self.account_by_id(sid) if sid else None

    def account_by_id(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    # -- actions ----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "delete", "authorize"):
            return self.selected() is not None
        if action == "refresh":  # greyed when there is nothing to refresh with
            account = self.selected()
            if account is None:
                return False
            state = self.states.get(account.id)
            can = account.is_app_only or (state is not None and state.has_refresh_token)
            return True if can else None
        if action == "test_connection":
            account = self.selected()
            if account is None:
                return False
            state = self.states.get(account.id)
            has_token = state is not None and (state.has_access_token
                                               or state.has_refresh_token)
            return True if has_token or account.is_app_only else None  # greyed: no token
        return True

    def action_new(self) -> None:
        self._open_form(None)

    def _whole(self, account: Account | None) -> Account | None:
        """The account with its secret and tokens, read now: the list holds neither."""
        if account is None:
            return None
        try:
            return self.xapp.store.get_by_id(account.id)
        except (ExoError, OSError) as exc:
            self.notify(str(exc), title="Cannot read the account", severity="error")
            return None

    def action_edit(self) -> None:
        account = self._whole(self.selected())
        if account is not None:
            self._open_form(account)

    def _open_form(self, account: Account | None) -> None:
        from .form import AccountFormScreen

        taken = [a.label for a in self.accounts if account is None or a.id != account.id]
        self.app.push_screen(AccountFormScreen(account, taken_labels=taken),
                             self._form_closed)

    def _form_closed(self, saved_id: str | None) -> None:
        self.reload(saved_id)

    def action_delete(self) -> None:
        from .modals import ConfirmDelete

        account = self.selected()
        if account is None:
            return

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
        account = self._whole(self.selected())
        if account is not None:
            self.xapp.start_authorize(account)

    def action_refresh(self) -> None:
        account = self._whole(self.selected())
        if account is not None:
            self.xapp.start_refresh(account)

    def action_test_connection(self) -> None:
        account = self._whole(self.selected())
        if account is not None:
            self.xapp.test_connection(account)

    def action_troubleshoot(self) -> None:
        """The selected account's failure (this run's, else the one on disk), if any."""
        account = self.selected()
        state = self.states.get(account.id) if account else None
        failure = self.xapp.last_failure(account.id) if account else None
        self.xapp.open_troubleshooting(
            failure or (state.last_error if state and state.last_error else None),
            label=account.label if account else None)
