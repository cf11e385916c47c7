"""What the accounts list draws: its columns, rows, statuses, the filter's rows and the
selected account's details; AccountsScreen (accounts.py) adds loading, keys and actions.

The rows show what TokenView summaries say (no token, no client secret is held); each
row's status is judged once per fill, and cells that look alike share one Text.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.app import formatting
from tui.app.host import AppHost, host_of
from tui.app.list_rows import COLUMNS, fit, matches, row_cells, status_want, wants_of, widths_for
from tui.app.messages import StatusNoteChanged, TokenStateChanged
from tui.app.widgets.account_list import AccountsTable, ListFilter
from tui.core.model import Account, TokenView
from tui.core.terminal_text import terminal_safe


class AccountRows(Screen[None]):
    """The list's state and drawing (the screen's base class)."""

    def __init__(self) -> None:
        super().__init__()
        self.accounts: list[Account] = []
        self.shown: list[Account] = []  # the rows on screen: the accounts the filter keeps
        # What the rows show; no token and no client secret is kept here (see _whole).
        self.states: dict[str, TokenView] = {}
        self.loaded = False
        self.load_error = ""
        self._widths: dict[str, int] = {}
        self._wants: dict[str, int] = {}  # the widest cell of each column, as last filled
        self.notes: dict[str, str] = {}  # account id -> status shown until new tokens arrive
        self.query_text = ""
        self._texts: dict[tuple[str, str], Text] = {}  # see _text

    @property
    def xapp(self) -> AppHost:
        return host_of(self)

    def on_resize(self) -> None:
        if self._widths_now() != self._widths:
            self._fill()
        self.refresh_bindings()  # Edit and Quit come and go with the width

    def _widths_now(self, status: int | None = None) -> dict[str, int]:
        """Column widths for the rows shown (``status``: a new want of that column)."""
        wants = self._wants if status is None else {**self._wants, "status": status}
        return widths_for(self.size.width or self.app.size.width, wants)

    def _set_columns(self, widths: dict[str, int] | None = None) -> None:
        table = self.query_one(AccountsTable)
        self._widths = widths or self._widths_now()
        table.clear(columns=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key, width=self._widths[key])

    # -- drawing --------------------------------------------------------------------------
    def status_of(self, account: Account) -> str:
        """The status words of a row: a note (a failed sign-in), else the token's."""
        return self._look(account, self.xapp.now())[0]

    def _look(self, account: Account, now: float) -> tuple[str, str]:
        """(status words, style name: ok, warn, bad or none) of a row, from one look at
        its state."""
        note = self.notes.get(account.id)
        if note:
            return note, "bad"
        return formatting.status(self.states.get(account.id), account, now)

    def _looks(self, accounts: list[Account] | None = None) -> dict[str, tuple[str, str]]:
        """The look of every row shown (or of ``accounts``), judged once."""
        now = self.xapp.now()
        return {a.id: self._look(a, now) for a in (self.shown if accounts is None
                                                    else accounts)}

    def _status_cell(self, look: tuple[str, str], styles: dict[str, str] | None = None
                     ) -> Text:
        words, style = look
        return self._text(fit(words, self._widths["status"]),
                          (styles or self._styles()).get(style, ""))

    def _text(self, words: str, style: str) -> Text:
        """One Text for all the cells that show the same words in the same style: a list of
        thousands repeats a few statuses (the table never changes a cell's Text). Made
        afresh for each fill and status update, so old ones do not pile up."""
        text = self._texts.get((words, style))
        if text is None:
            text = self._texts[(words, style)] = Text(words, style=style, no_wrap=True,
                                                      end="")
        return text

    def _styles(self) -> dict[str, str]:
        """Status style names to Rich styles, from the current theme (once per fill)."""
        theme = self.app.current_theme
        return {name: f"bold {color}" for name, color in (
            ("ok", theme.success), ("warn", theme.warning), ("bad", theme.error)) if color}

    def _filtered(self, looks: dict[str, tuple[str, str]]) -> list[Account]:
        """The accounts the filter keeps (``looks``: every account's)."""
        if not self.query_text.strip():
            return list(self.accounts)
        return [a for a in self.accounts if matches(self.query_text, a, looks[a.id][0])]

    def _fill(self, select_id: str | None = None, *,
              looks: dict[str, tuple[str, str]] | None = None) -> None:
        """Fill the table with the accounts the filter keeps (``looks``: every account's,
        when the caller has them already)."""
        table = self.query_one(AccountsTable)
        select_id = select_id or self.selected_id()
        looks = looks if looks is not None else self._looks(self.accounts)
        self.shown = self._filtered(looks)
        self._wants = wants_of(self.shown, (looks[a.id][0] for a in self.shown))
        widths = self._widths_now()
        if widths != self._widths:
            self._set_columns(widths)
        table.clear()
        styles, self._texts = self._styles(), {}
        on, off = self._text("on", "bold"), self._text("off", "dim")
        for account in self.shown:
            table.add_row(*row_cells(account, self._status_cell(looks[account.id], styles),
                                     on if account.auto_refresh else off, self._widths),
                          key=account.id)
        self._show_count()
        empty = self.query_one("#empty", Static)
        has_rows = bool(self.shown)
        table.display = has_rows
        empty.display = self.loaded and not has_rows
        self.query_one("#details").display = has_rows
        if not has_rows:
            empty.update(self._empty_text())
            self.refresh_bindings()
            return
        index = next((i for i, a in enumerate(self.shown) if a.id == select_id), 0)
        table.move_cursor(row=index, animate=False)
        if not isinstance(self.focused, ListFilter):
            table.focus()
        self._show_details()
        self.refresh_bindings()

    def _show_count(self) -> None:
        active = bool(self.query_text.strip())
        self.query_one("#filter-row").display = active or isinstance(self.focused, ListFilter)
        self.query_one("#filter-count", Static).update(
            f"{len(self.shown)} of {len(self.accounts)}" if active else
            f"{len(self.accounts)} accounts")

    def _empty_text(self) -> Content:
        if self.load_error:
            return Content.assemble(("The account file cannot be used.\n\n", "bold"),
                                    self.load_error, "\n\nNothing will be written to it "
                                    "until it reads cleanly.")
        if self.accounts:  # the filter hides them all
            return Content.assemble(
                ("No account matches ", "bold"), (repr(self.query_text.strip()), "bold"),
                ".\n\nThe filter looks at labels, tenants and statuses. Escape clears it.")
        return Content.assemble(
            ("No accounts yet.\n\n", "bold"),
            "Press ", ("n", "bold reverse"), " to add your first account. You will need the "
            "app's Application (client) ID and your tenant from the app registration in the "
            "Azure portal, and for a confidential client its client secret too (a public "
            "client, as used for device code sign-in, has none).\n\n"
            "Or try everything first against a local stand-in for Microsoft, with no tenant "
            "at all: quit and run ", ("exo-oauth --demo", "bold"), ".\n\n",
            ("Account file: ", "dim"), (formatting.display_path(self.xapp.config_path), "dim"),
        )

    def update_statuses(self) -> None:
        """Redraw the status cells (time moves on); the cursor stays where it is."""
        filtering = bool(self.query_text.strip())
        looks = self._looks(self.accounts if filtering else None)
        if filtering:
            if self._filtered(looks) != self.shown:
                self._fill()  # a status the filter looks at changed
                return
            looks = {a.id: looks[a.id] for a in self.shown}
        if self._widths_now(status_want(w for w, _ in looks.values())) != self._widths:
            self._fill()  # a status no longer fits, or the long one is gone
            return
        table = self.query_one(AccountsTable)
        styles, self._texts = self._styles(), {}
        for account_id, look in looks.items():
            table.update_cell(account_id, "status", self._status_cell(look, styles))
        self._show_details()

    def _redraw_status(self, account_id: str) -> None:
        account = self.account_by_id(account_id)
        if account is None or not self.loaded:
            return
        if self.query_text.strip():
            self.update_statuses()  # the row may come or go with the filter
        elif account in self.shown:
            look = self._look(account, self.xapp.now())
            if cell_len(look[0]) > self._widths["status"]:
                self.update_statuses()  # wider than its column: widths may change
                return
            self.query_one(AccountsTable).update_cell(account.id, "status",
                                                      self._status_cell(look))
            self._show_details()

    def on_token_state_changed(self, message: TokenStateChanged) -> None:
        """One account's tokens changed (a job finished, or they were read again)."""
        summary = message.state.summary()  # the list keeps no token
        account_id = message.state.account_id
        if summary.has_access_token and summary != self.states.get(account_id):
            self.notes.pop(account_id, None)  # new tokens: an old failure note is over
        self.states[account_id] = summary
        self._redraw_status(account_id)
        self.refresh_bindings()  # refresh / test may apply now

    def on_status_note_changed(self, message: StatusNoteChanged) -> None:
        """A status that is not in the token state (a failed sign-in), or none again."""
        account_id, note = message.account_id, message.note
        if note:
            self.notes[account_id] = note
        else:
            self.notes.pop(account_id, None)
        self._redraw_status(account_id)

    def _show_details(self) -> None:
        account = self.selected()
        details = self.query_one("#details", Static)
        if account is None:
            details.update("")
            return
        now = self.xapp.now()
        state = self.states.get(account.id)
        status = terminal_safe(self.status_of(account))
        if state is not None and state.has_access_token and state.expires_at:
            # labelled, so the expiry is never read as the time of a failure
            status += (f" · token expires at {formatting.local_time(state.expires_at, now)} "
                       "local time")
        tenant = terminal_safe(formatting.tenant_text(account))
        host = urlsplit(account.token_url).hostname or formatting.DASH
        details.update(Content.assemble(
            (terminal_safe(account.label), "bold"),
            f"  {account.client_type} client, auto-refresh "
            f"{'on' if account.auto_refresh else 'off'}\n",
            ("Client ID  ", "dim"), terminal_safe(account.client_id) or formatting.DASH, "\n",
            ("Tenant     ", "dim"), tenant, (f"  on {terminal_safe(host)}", "dim"), "\n",
            ("Status     ", "dim"), status,
        ))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details()
        self.refresh_bindings()

    # -- selection ------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        table = self.query_one(AccountsTable)
        if not self.shown or table.row_count == 0:
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
