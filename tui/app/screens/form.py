"""The account form screen: save (ctrl+s), leave (escape), and never lose a change.

Saving validates first (errors refuse, naming the first bad field and focusing it;
warnings pass), then writes through the store. An edit checks that nobody changed
the account on disk since it was loaded (``store.update(expected=...)``) and asks
what to do when somebody did. The write runs off the event loop (after a refresh of
the account in flight); its outcome comes back to the screen. The screen returns the
id of the account it saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button, Header

from tui.app.formatting import display_path
from tui.app.host import AppHost, host_of
from tui.app.messages import TokenStateChanged
from tui.app.widgets.account_form import TITLES, AccountForm, field_title
from tui.app.widgets.fields import SecretInput, TokenView
from tui.app.widgets.footer import KeysFooter
from tui.app.widgets.rows import ParamRowsEditor, RowInput
from tui.core.errors import ConflictError, ExoError, NoSuchAccount
from tui.core.model import Account, without_tokens
from tui.core.troubleshoot.crash import shown_error
from tui.core.validate import Issue

from .modals import ConflictAnswer, ConflictQuestion, UnsavedAnswer, UnsavedChanges


def refusal_text(issue: Issue) -> str:
    """The first problem, named by its field unless the message already says which."""
    title = field_title(issue.field)
    if issue.message.split()[:2] == title.split()[:2]:
        return issue.message
    return f"{title}: {issue.message}"


class AccountFormScreen(Screen[str | None]):
    CSS_PATH = ["form.tcss", "../widgets/fields.tcss", "../widgets/rows.tcss"]
    HELP_TITLE = "Account form"
    HELP_TEXT = (
        "All settings of one account, in the order of the usual OAuth2 account form. "
        "Fields marked * are required. Problems show under each field as you leave it: "
        "red errors must be fixed before saving, amber warnings may be saved. Issued "
        "tokens are read-only here; they come from Authorize."
    )
    HELP_KEYS: ClassVar[list[tuple[str, list[type]]]] = []  # filled below the class
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "back", "Back", id="form.back"),
        Binding("ctrl+t", "troubleshoot", "Troubleshoot", id="form.troubleshoot",
                tooltip="Explain the focused field's problem (or the first one)"),
        Binding("ctrl+g", "test_connection", "Test", tooltip="Test the connection: call "
                "Graph /me with the token (app-only: show what the token grants)",
                id="form.test_connection"),
        # F1 opens help on every screen; its footer slot goes to the keys above, so that
        # all of them fit at 80 columns (tests/app/screens/test_footer_fit.py)
        Binding("f1", "app.help", "Help", id="form.help", show=False),
    ]

    def __init__(self, account: Account | None, *, taken_labels: list[str]) -> None:
        super().__init__()
        self.is_new = account is None
        self.original: Account = account if account is not None else Account()
        self.saved_id: str | None = None
        self.saving = False  # a save is under way (it runs off the event loop)
        self.taken_labels = taken_labels

    @property
    def xapp(self) -> AppHost:
        return host_of(self)

    @property
    def form(self) -> AccountForm:
        return self.query_one(AccountForm)

    def compose(self) -> ComposeResult:
        yield Header()
        yield AccountForm(self.original, taken_labels=self.taken_labels,
                          show_all=not self.is_new, id="form")
        yield KeysFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self._update_title()
        self.query_one("#f-label").focus()
        if self.xapp.live_interval:
            self.set_interval(self.xapp.live_interval, self.form.refresh_expiry)

    # -- state ----------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.form.to_model() != self.original

    def _update_title(self) -> None:
        dirty = self.dirty
        name = self.original.label
        self.title = "New account" if self.is_new else f"Account {name!r}"
        self.sub_title = "unsaved changes" if dirty else (
            "not saved yet" if self.is_new else "saved")

    def on_input_changed(self) -> None:
        self._update_title()

    def on_select_changed(self) -> None:
        self._update_title()

    def on_checkbox_changed(self) -> None:
        self._update_title()

    def on_param_rows_editor_changed(self) -> None:
        self._update_title()

    # -- saving ---------------------------------------------------------------------------
    def action_save(self) -> None:
        self.save()

    def save(self, *, then_close: bool = False, overwrite: bool = False,
             then: Callable[[], None] | None = None) -> None:
        """Validate, then write through the store (off the event loop, after a refresh of
        the account in flight); once saved, maybe leave the screen or call ``then``."""
        form = self.form
        issues = form.refresh_issues(show_all=True)
        errors = [i for i in issues if i.is_error]
        if errors:
            first = errors[0]
            others = len(errors) - 1
            more = f" ({others} more problem{'s' if others > 1 else ''})" if others else ""
            self.notify(f"{refusal_text(first)}{more}",
                        title="Not saved", severity="error", timeout=8)
            form.focus_field(first.field)
            return
        if self.saving:
            self.notify("Still saving; a moment.", timeout=3)
            return
        account = form.to_model()
        store = self.xapp.store
        expected = None if overwrite else self.original
        write = (lambda: store.add(account)) if self.is_new else (
            lambda: store.update(account, expected=expected))
        self.saving = True
        self.xapp.start_write(
            "save", account, write,
            lambda saved: self._save_done(saved, account, len(issues), then_close, then),
            lambda exc: self._save_failed(exc, then_close),
            busy=f"Saving {account.label!r}…")

    def _save_done(self, saved: Account, typed: Account, warnings: int, then_close: bool,
                   then: Callable[[], None] | None) -> None:
        self.saving = False
        self._saved(saved, typed)
        note = f" with {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        self.notify(f"Saved {saved.label!r}{note} to {display_path(self.xapp.store.path)}. "
                    "Secrets are stored encrypted.", title="Saved", timeout=5)
        if then_close:
            self.dismiss(self.saved_id)
        if then is not None:
            then()

    def _save_failed(self, exc: BaseException, then_close: bool) -> None:
        self.saving = False
        if isinstance(exc, ConflictError):
            self._ask_conflict(then_close)
        elif isinstance(exc, NoSuchAccount):
            self.is_new = True
            self.notify("This account was deleted from the account file meanwhile. "
                        "Press ctrl+s again to add it back.", title="Not saved",
                        severity="warning", timeout=8)
        else:
            self.notify(shown_error(exc), title="Not saved", severity="error", timeout=10)

    def _saved(self, saved: Account, typed: Account) -> None:
        self.is_new = False
        self.saved_id = saved.id
        form = self.form
        if without_tokens(saved) != without_tokens(typed):  # the store tidied something
            form.load_model(saved)
        self.original = form.to_model()
        self._update_title()

    def _ask_conflict(self, then_close: bool) -> None:
        store = self.xapp.store
        try:
            theirs: Account | None = store.get_by_id(self.original.id)
        except ExoError:
            theirs = None
        changed = [] if theirs is None else [
            TITLES.get(f.name, f.name) for f in fields(Account)
            if f.name not in ("access_token", "refresh_token", "access_token_expires_at")
            and getattr(theirs, f.name) != getattr(self.original, f.name)
        ]

        def answered(answer: ConflictAnswer | None) -> None:
            if answer == "overwrite":
                if theirs is None:
                    self.is_new = True
                self.save(then_close=then_close, overwrite=True)
            elif answer == "reload":
                self.reload_from_disk()
            else:
                self.notify("Nothing saved; your edits are still here.", timeout=4)

        self.app.push_screen(
            ConflictQuestion(self.original.label, changed, deleted=theirs is None), answered)

    def reload_from_disk(self) -> None:
        try:
            theirs = self.xapp.store.get_by_id(self.original.id)
        except ExoError as exc:
            self.notify(str(exc), title="Cannot reload", severity="error")
            return
        self.original = theirs
        self.form.load_model(theirs)
        self._update_title()
        self.notify(f"Loaded {theirs.label!r} as it is on disk now.", timeout=4)

    # -- leaving --------------------------------------------------------------------------
    def action_back(self) -> None:
        if not self.dirty:
            self.dismiss(self.saved_id)
            return

        def answered(answer: UnsavedAnswer | None) -> None:
            if answer == "save":
                self.save(then_close=True)
            elif answer == "discard":
                self.dismiss(self.saved_id)

        self.app.push_screen(UnsavedChanges(self.form.to_model().label), answered)

    def quit_asking(self) -> None:
        """Quitting the app (ctrl+q, the palette's Quit) with unsaved changes: the same
        question as esc, then quit unless the person keeps editing or the save failed."""
        if not self.dirty:
            self.app.exit()
            return

        def answered(answer: UnsavedAnswer | None) -> None:
            if answer == "discard":
                self.app.exit()
            elif answer == "save":
                self.save(then=self.app.exit)

        self.app.push_screen(UnsavedChanges(self.form.to_model().label), answered)

    # -- runtime hooks ------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "f-authorize":
            event.stop()
            self.action_authorize()

    def action_authorize(self) -> None:
        if self.is_new or self.dirty:
            self.notify("Save the account first (ctrl+s); sign-in uses the saved settings.",
                        severity="warning")
            return
        self.xapp.start_authorize(self.original)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "test_connection":
            if self.is_new:
                return False
            has_token = bool(self.original.access_token or self.original.refresh_token)
            return True if has_token or self.original.is_app_only else None  # greyed
        return True

    def action_test_connection(self) -> None:
        if self.is_new or self.dirty:
            self.notify("Save the account first (ctrl+s); the test uses the saved settings.",
                        severity="warning")
            return
        self.xapp.test_connection(self.original)

    def action_troubleshoot(self) -> None:
        self.xapp.open_troubleshooting(self.form.issue_to_explain(),
                                       label=self.original.label or None)

    def on_token_state_changed(self, message: TokenStateChanged) -> None:
        """Fresh tokens for this account show without a reload."""
        state = message.state
        if state.account_id != self.original.id:
            return
        self.form.set_token_state(state)
        self.original = replace(self.original, access_token=state.access_token,
                                refresh_token=state.refresh_token,
                                access_token_expires_at=state.expires_at)
        self._update_title()
        self.refresh_bindings()


AccountFormScreen.HELP_KEYS = [
    ("Form", [AccountFormScreen]),
    ("Client secret", [SecretInput]),
    ("Issued tokens", [TokenView]),
    ("Parameter rows", [ParamRowsEditor, RowInput]),
]
