"""The parameter row editor, in both places it is used: keys, validation, presets."""

from __future__ import annotations

import pytest
from textual.widgets import Button, OptionList

from tests.app.helpers import paste, settle
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.modals import PresetMenu
from tui.app.widgets.account_form import AccountForm
from tui.app.widgets.rows import EWS_SCOPES, IMAP_SMTP_SCOPES, ParamRowsEditor, RowInput
from tui.core.model import GRAPH_SCOPES, ParamRow, default_rows
from tui.core.store.account_store import AccountStore

EDITORS = ("token_params", "auth_params")


async def open_new_form(pilot) -> AccountForm:
    await settle(pilot)
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AccountFormScreen)
    return pilot.app.screen.query_one(AccountForm)


def cell(editor: ParamRowsEditor, row: int, column: str) -> RowInput:
    return editor._rows[row].cell(column)


@pytest.mark.parametrize("which", EDITORS)
async def test_add_edit_move_remove_rows_by_keyboard(app, which: str) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_new_form(pilot)
        editor = form.editor(which)
        assert editor.to_rows() == default_rows()
        cell(editor, 0, "name").focus()
        await pilot.pause()
        await pilot.press("ctrl+n")  # new row below, name focused
        await pilot.pause()
        assert app.focused is cell(editor, 1, "name")
        await pilot.press(*"prompt", "tab", *"login")
        assert app.focused is cell(editor, 1, "value")
        assert editor.to_rows() == (*default_rows(), ParamRow("prompt", "login"))
        await pilot.press("ctrl+up")  # move it above the scope row
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("prompt", "login"), *default_rows())
        assert app.focused is cell(editor, 0, "value")
        await pilot.press("ctrl+down")
        await pilot.pause()
        assert editor.to_rows()[1] == ParamRow("prompt", "login")
        # inline edit of the scope row's value, reached with the up arrow
        await pilot.press("up")
        assert app.focused is cell(editor, 0, "value")
        await pilot.press("ctrl+u", *"openid")
        assert editor.to_rows()[0] == ParamRow("scope", "openid")
        await pilot.press("down", "ctrl+d")  # remove the prompt row
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("scope", "openid"),)
        assert app.focused is cell(editor, 0, "value")
        await pilot.press("ctrl+d")  # and the last one: focus lands on "Add row"
        await pilot.pause()
        assert editor.to_rows() == ()
        assert isinstance(app.focused, Button) and app.focused.has_class("rows-add")
        await pilot.press("enter")  # the button adds a row too
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("", ""),)
        # the other editor did not move
        other = form.editor(next(e for e in EDITORS if e != which))
        assert other.to_rows() == default_rows()
        assert form.to_model().__getattribute__(which) == (ParamRow("", ""),)


async def test_rows_are_saved_in_order(app, store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_new_form(pilot)
        form.c["label"].value = "rows"
        form.c["client_id"].value = "11111111-2222-4333-8444-555555555555"
        form.c["client_secret"].value = "FAKE-secret"
        auth = form.editor("auth_params")
        cell(auth, 0, "value").focus()
        await pilot.press("ctrl+n")
        await paste(pilot, "login_hint", into=cell(auth, 1, "name"))
        await pilot.press("tab")
        await paste(pilot, "a@b.c", into=cell(auth, 1, "value"))
        await pilot.press("ctrl+up")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = store.get("rows")
    assert saved.auth_params == (ParamRow("login_hint", "a@b.c"), *default_rows())
    assert saved.token_params == default_rows()


async def test_empty_name_is_an_error_and_duplicate_a_warning(app, config) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_new_form(pilot)
        token = form.editor("token_params")
        token.load_rows((ParamRow("scope", GRAPH_SCOPES), ParamRow("scope", "openid"),
                         ParamRow("", "orphan")))
        await pilot.pause()
        form.refresh_issues(show_all=True)
        await pilot.pause()
        dup, empty = token._rows[1], token._rows[2]
        assert dup.issue_line.has_class("-warning") and dup.name_input.has_class("-warning")
        assert "repeats 'scope'" in str(dup.issue_line.render())
        assert empty.issue_line.has_class("-error") and empty.name_input.has_class("-error")
        # an empty name blocks saving and takes the focus there
        form.c["label"].value = "x"
        form.c["client_id"].value = "11111111-2222-4333-8444-555555555555"
        form.c["client_secret"].value = "FAKE-secret"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused is empty.name_input
        assert not config.exists()
        await pilot.press(*"prompt")
        await pilot.pause()
        assert not empty.issue_line.has_class("-error")
        await pilot.press("ctrl+s")  # the duplicate is only a warning
        await pilot.pause()
        assert config.exists()


async def test_preset_menu(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_new_form(pilot)
        editor = form.editor("token_params")
        cell(editor, 0, "name").focus()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PresetMenu)
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "graph", "imap_smtp", "ews", "reset"]
        await pilot.press("down", "enter")  # IMAP + SMTP
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("scope", IMAP_SMTP_SCOPES),)
        await pilot.press("ctrl+o", "down", "down", "enter")  # EWS
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("scope", EWS_SCOPES),)
        await pilot.press("ctrl+o", "escape")  # closing changes nothing
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("scope", EWS_SCOPES),)
        # with no scope row, a preset adds one at the top
        editor.load_rows((ParamRow("prompt", "consent"),))
        await pilot.pause()
        editor.query_one(".rows-presets", Button).focus()
        await pilot.press("enter")  # the button opens the same menu
        await pilot.pause()
        await pilot.press("enter")  # Graph
        await pilot.pause()
        assert editor.to_rows() == (ParamRow("scope", GRAPH_SCOPES),
                                    ParamRow("prompt", "consent"))
        cell(editor, 1, "name").focus()
        await pilot.press("ctrl+o", "up", "enter")  # last option: reset to default
        await pilot.pause()
        assert editor.to_rows() == default_rows()
        assert isinstance(app.screen, AccountFormScreen)
        # the auth endpoint rows have the same menu, and only they change
        auth = form.editor("auth_params")
        cell(auth, 0, "value").focus()
        await pilot.press("ctrl+o", "down", "down", "enter")
        await pilot.pause()
        assert auth.to_rows() == (ParamRow("scope", EWS_SCOPES),)
        assert editor.to_rows() == default_rows()


async def test_imap_preset_and_auto_refresh_warning(app) -> None:
    """A scope without offline_access and auto-refresh on: the form warns, at the checkbox."""
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_new_form(pilot)
        for which in EDITORS:
            form.editor(which).load_rows((ParamRow("scope", "User.Read"),))
        form.c["auto_refresh"].value = True
        await pilot.pause()
        issues = form.refresh_issues(show_all=True)
        await pilot.pause()
        assert any(i.rule == "config.no_offline_access" for i in issues)
        field = app.screen.query_one("#field-auto_refresh")
        assert field.has_class("-warning")


async def test_proxy_users_are_a_one_column_row_table(app, store: AccountStore) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_new_form(pilot)
        form.c["label"].value = "scan"
        form.c["client_id"].value = "11111111-2222-4333-8444-555555555555"
        form.c["client_secret"].value = "FAKE-secret"
        users = form.editor("proxy_users")
        assert users.to_values() == () and not users.query(".rows-presets")
        assert not users.check_action("presets", ())
        users.query_one(".rows-add", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is cell(users, 0, "value")  # one column: the address
        await paste(pilot, "scanner@contoso.com")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await paste(pilot, "not an address")
        form.refresh_issues(show_all=True)
        await pilot.pause()
        bad = users._rows[1]
        assert bad.issue_line.has_class("-error") and bad.value_input.has_class("-error")
        assert "is not a mailbox address" in str(bad.issue_line.render())
        await pilot.press("ctrl+u", *"*@fabrikam.com")
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = store.get("scan")
    assert saved.proxy_users == ("scanner@contoso.com", "*@fabrikam.com")
    assert saved.token_params == default_rows()
