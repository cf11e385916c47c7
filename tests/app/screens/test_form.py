"""The account form by keyboard: create, edit, rename, validation, leaving, conflicts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from tests.app.helpers import ACCESS, REFRESH, SECRET, messages, paste, settle
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.modals import ConflictQuestion, UnsavedChanges
from tui.app.widgets.account_form import AccountForm
from tui.app.widgets.fields import Field
from tui.cli import main
from tui.core.errors import NoSuchAccount
from tui.core.model import ParamRow, TokenState
from tui.core.store.account_store import AccountStore

NEW_SECRET = "FAKE-s3cr3t!"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def said(pilot, match) -> bool:
    """True once a toast whose "title: message" satisfies ``match`` has been shown.

    Toasts arrive as messages; on a busy machine Pilot's idle check can return
    before they land, so look a few times instead of once.
    """
    for _ in range(40):
        if any(match(m) for m in messages(pilot.app)):
            return True
        await pilot.pause()
    return False


def issue_of(app, field: str) -> Field:
    return app.screen.query_one(f"#field-{field}", Field)


async def open_account(pilot, row: int) -> AccountFormScreen:
    await settle(pilot)
    table = pilot.app.screen.query_one(DataTable)
    await pilot.press("home")
    for _ in range(row):
        await pilot.press("down")
    assert table.cursor_row == row
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AccountFormScreen)
    return pilot.app.screen


async def test_create_account_by_keyboard_secret_sealed(app, config: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert app.focused.id == "f-label"
        await type_text(pilot, "team-mailbox")
        await pilot.press("tab")
        assert app.focused.id == "f-client_id"
        await paste(pilot, CLIENT_ID)
        await pilot.press("tab", "tab", "tab")  # client type, secret sent as
        assert app.focused.id == "f-client_secret"
        await paste(pilot, NEW_SECRET)
        await pilot.press("tab")  # the read-only token views are not on the typing path
        assert app.focused.id == "f-tenant"
        await type_text(pilot, "contoso.com")
        await pilot.press("enter")  # fills both URLs
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert await said(pilot, lambda m: "Saved 'team-mailbox'" in m)
        assert app.screen.sub_title == "saved"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.query_one(DataTable).row_count == 1
    raw = config.read_bytes()
    assert NEW_SECRET.encode() not in raw
    assert b"enc:v1:" in raw
    saved = AccountStore(config).get("team-mailbox")
    assert saved.client_secret == NEW_SECRET
    assert saved.client_id == CLIENT_ID
    assert saved.authorize_url == ("https://login.microsoftonline.com/contoso.com"
                                   "/oauth2/v2.0/authorize")
    assert saved.token_url.endswith("/contoso.com/oauth2/v2.0/token")


async def test_edit_and_rename_keeps_tokens(app, seeded, store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        assert app.focused.id == "f-label"
        assert screen.query_one("#f-label", Input).value == "shared-mailbox"
        await pilot.press("ctrl+u")
        await type_text(pilot, "sales")
        await pilot.press("tab")
        await pilot.press("ctrl+u")
        await paste(pilot, CLIENT_ID)
        assert screen.sub_title == "unsaved changes"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        labels = [str(app.screen.query_one(DataTable).get_cell_at((i, 0))) for i in range(4)]
        assert "sales" in labels and "shared-mailbox" not in labels
    renamed = store.get("sales")
    assert renamed.id == seeded[0].id
    assert renamed.client_id == CLIENT_ID
    assert renamed.client_secret == SECRET
    assert renamed.access_token == ACCESS and renamed.refresh_token == REFRESH
    with pytest.raises(NoSuchAccount):
        store.get("shared-mailbox")


async def test_errors_block_save_and_move_focus(app, config: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "hd")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)
        assert app.focused.id == "f-client_id"
        assert await said(pilot, lambda m: m.startswith("Not saved: Client ID"))
        assert issue_of(app, "client_id").has_class("-error")
        assert not config.exists()
        await paste(pilot, CLIENT_ID)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused.id == "f-client_secret"
        assert await said(pilot, lambda m: m.startswith("Not saved: Client secret"))
        assert not config.exists()


async def test_inline_issues_on_blur_errors_and_warnings_differ(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        label = issue_of(app, "label")
        assert label.issue_text == ""  # nothing shouted before the person typed
        await pilot.press("tab")  # leave Label empty
        await pilot.pause()
        assert label.has_class("-error")
        assert "Label is required" in label.issue_text
        assert "Label is required" in str(label.note.render())
        await paste(pilot, "not-a-guid")
        await pilot.press("tab")
        await pilot.pause()
        cid = issue_of(app, "client_id")
        assert cid.has_class("-warning") and not cid.has_class("-error")
        assert cid.issue_text.startswith("! Warning:") and "GUID" in cid.issue_text
        assert cid.note.issue is not None and not cid.note.issue.is_error
        # fixing the label clears its error as soon as it is typed
        app.screen.query_one("#f-label", Input).focus()
        await type_text(pilot, "ok")
        await pilot.pause()
        assert not label.has_class("-error") and label.issue_text == ""


async def test_the_form_and_validate_judge_alike(app, store: AccountStore, config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "lab")
        await pilot.press("tab")
        await paste(pilot, "not-a-guid")  # warning
        app.screen.query_one("#f-client_secret", Input).value = NEW_SECRET
        await pilot.press("ctrl+s")  # URLs still hold <tenant-id>: errors that allow a save
        await pilot.pause()
        assert await said(pilot, lambda m: "Saved 'lab' with 1 warning" in m
                          and "It cannot sign in yet: OAuth2 Endpoint (authorize URL) "
                              "still holds <tenant-id>" in m and "(1 more error)" in m)
        issues = app.screen.query_one(AccountForm).issues()
        shown = {(i.field, i.severity) for i in issues}
        assert issue_of(app, "authorize_url").has_class("-error")
        assert issue_of(app, "client_id").has_class("-warning")
    assert store.get("lab").client_id == "not-a-guid"
    capsys.readouterr()
    assert main(["--config", str(config), "validate", "lab", "--json"]) == 2
    (result,) = json.loads(capsys.readouterr().out)
    assert {(i["field"], i["severity"]) for i in result["issues"]} == shown == {
        ("client_id", "warning"), ("authorize_url", "error"), ("token_url", "error")}


async def test_taken_label_is_an_error(app, seeded, config: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await paste(pilot, "helpdesk")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.focused.id == "f-label"
        assert "already labelled" in issue_of(app, "label").issue_text


async def test_unsaved_changes_guard(app, seeded, store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 1)  # reports-robot
        await pilot.press("escape")  # nothing changed: straight back
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)

        screen = await open_account(pilot, 0)
        await pilot.press("x")
        await pilot.press("escape")
        assert isinstance(app.screen, UnsavedChanges)
        await pilot.press("c")  # cancel: stay, edit kept
        assert app.screen is screen
        assert screen.query_one("#f-label", Input).value == "shared-mailboxx"
        await pilot.press("escape")
        await pilot.press("d")  # discard
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert "shared-mailbox" in store.labels()

        screen = await open_account(pilot, 0)
        await pilot.press("2")
        await pilot.press("escape")
        assert isinstance(app.screen, UnsavedChanges)
        await pilot.press("s")  # save and leave
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
    assert "shared-mailbox2" in store.labels()


async def test_unsaved_new_account_save_with_errors_stays(app, config: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "x")
        await pilot.press("escape")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)  # refused: still here to fix it
        assert app.focused.id == "f-client_id"
        assert not config.exists()


async def test_concurrent_change_is_detected(app, seeded, store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        mine = screen.query_one("#f-redirect_uri", Input)
        # another process changes the same account after the form loaded it
        theirs = replace(store.get("shared-mailbox"), client_id=CLIENT_ID)
        store.update(theirs, expected=store.get("shared-mailbox"))
        mine.value = "http://localhost:9999"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictQuestion)
        assert "Client ID" in str(app.screen.query_one(".dialog-body", Static).render())
        await pilot.press("c")  # cancel: nothing saved, edits kept
        assert app.screen is screen
        assert store.get("shared-mailbox").redirect_uri == "http://localhost:8400"
        assert mine.value == "http://localhost:9999"

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("r")  # reload theirs; my edit is dropped
        await pilot.pause()
        assert screen.query_one("#f-client_id", Input).value == CLIENT_ID
        assert mine.value == "http://localhost:8400"
        assert screen.sub_title == "saved"

        # change again, and this time overwrite theirs
        store.update(replace(store.get("shared-mailbox"), redirect_uri="http://localhost:7000"),
                     expected=store.get("shared-mailbox"))
        mine.value = "http://localhost:9999"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictQuestion)
        await pilot.press("o")
        await pilot.pause()
        assert app.screen is screen
    on_disk = store.get("shared-mailbox")
    assert on_disk.redirect_uri == "http://localhost:9999"
    assert on_disk.client_id == CLIENT_ID


async def test_deleted_meanwhile_can_be_saved_back(app, seeded, store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 1)
        store.delete(seeded[1].id)
        screen.query_one("#f-redirect_uri", Input).value = "http://localhost:9000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictQuestion) and app.screen.deleted
        await pilot.press("o")
        await pilot.pause()
    assert store.get("reports-robot").redirect_uri == "http://localhost:9000"


async def test_tenant_helper_fills_urls(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen.query_one(AccountForm)
        form.c["cloud"].value = "usgov"
        form.c["tenant"].focus()
        await paste(pilot, "fabrikam.com")
        await pilot.press("enter")
        await pilot.pause()
        model = form.to_model()
        assert model.authorize_url == "https://login.microsoftonline.us/fabrikam.com/oauth2/v2.0/authorize"
        assert model.token_url == "https://login.microsoftonline.us/fabrikam.com/oauth2/v2.0/token"
        form.c["tenant"].focus()
        await pilot.press("ctrl+u")
        await paste(pilot, "not a tenant")
        await pilot.press("enter")
        await pilot.pause()
        tenant = issue_of(app, "tenant")
        assert tenant.has_class("-error") and "not a tenant" in tenant.issue_text
        assert form.to_model().token_url.startswith("https://login.microsoftonline.us/fabrikam")


async def test_secret_reveal_and_token_copy(app, seeded, clock) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        secret = screen.query_one("#f-client_secret", Input)
        assert secret.password
        secret.focus()
        await pilot.press("ctrl+r")
        assert not secret.password
        await pilot.press("ctrl+r")
        assert secret.password
        token = screen.query_one("#f-access_token")
        shown = str(token.render())
        assert ACCESS not in shown and "1,418 characters" in shown
        secret.focus()
        await pilot.press("down")  # the arrow keys reach the token views
        assert app.focused is token
        await pilot.press("c", "enter")  # letters and Enter never copy a token
        assert app.clipboard == "" and app.focused is token
        await pilot.press("ctrl+c")
        assert app.clipboard == ACCESS
        await pilot.press("down", "ctrl+c")
        assert app.focused.id == "f-refresh_token" and app.clipboard == REFRESH
        expiry = str(screen.query_one("#f-expiry").render())
        assert expiry == "15:05:20 local time (in 52 min)"
        await pilot.press("escape")
        await settle(pilot)
        screen = await open_account(pilot, 3)
        expiry = str(screen.query_one("#f-expiry").render())
        assert expiry == "11:13:20 local time (expired 3 h ago)"
        # new tokens arrive from a sign-in: the fields follow, the form stays clean
        app.publish_token_state(TokenState(screen.original.id, "archive-imap", "NEW" * 10,
                                           REFRESH, clock.now + 3600))
        await pilot.pause()
        assert "30 characters" in str(screen.query_one("#f-access_token").render())
        assert "(in 60 min)" in str(screen.query_one("#f-expiry").render())
        assert screen.sub_title == "saved"


async def test_opening_an_account_changes_nothing(app, seeded) -> None:
    """The cloud list reports its first value on mount; that must not refill the URLs."""
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        await settle(pilot)
        assert screen.sub_title == "saved" and not screen.dirty
        assert not [m for m in messages(app) if "Filled" in m]


async def test_tab_order_is_visual_order(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        chain = [w.id or type(w).__name__ for w in app.screen.focus_chain]
        expected_prefix = ["f-label", "f-client_id", "f-client_type", "f-client_auth",
                           "f-client_secret", "f-access_token", "f-refresh_token", "f-tenant",
                           "f-cloud", "f-fill", "f-authorize_url", "f-token_url",
                           "f-redirect_uri"]
        assert chain[: len(expected_prefix)] == expected_prefix
        assert chain[-2:] == ["f-auto_refresh", "f-authorize"]
        # Tab really walks that chain, and Shift+Tab walks it back
        for wid in expected_prefix[1:4]:
            await pilot.press("tab")
            assert app.focused.id == wid
        await pilot.press("shift+tab")
        assert app.focused.id == expected_prefix[2]
        # every focusable widget sits lower on the screen than the one before it
        form = app.screen.query_one(AccountForm)
        tops = [w.region.y + form.scroll_y for w in app.screen.focus_chain]
        assert tops == sorted(tops)


async def test_authorize_button_uses_the_runtime_hook(app, seeded) -> None:
    calls: list = []
    app.start_authorize = calls.append  # the sign-in the form starts
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        button = screen.query_one("#f-authorize")
        button.focus()
        await pilot.press("enter")
        for _ in range(40):
            if calls:
                break
            await pilot.pause()
        assert [a.label for a in calls] == ["shared-mailbox"]
        screen.query_one("#f-redirect_uri", Input).value = "http://localhost:9000"
        button.focus()
        for _ in range(40):  # a Button ignores Enter for 0.2 s after a press
            if not button.has_class("-active"):
                break
            await pilot.pause(0.05)
        await pilot.press("enter")
        await pilot.pause()
        assert len(calls) == 1  # unsaved edits: asks to save first
        assert await said(pilot, lambda m: "Save the account first" in m)
        await pilot.press("ctrl+t")  # the troubleshooting panel (screens/test_troubleshoot*)
        await pilot.pause()
        assert type(app.screen).__name__ == "TroubleshootScreen"


async def test_public_client_chosen_by_keyboard_needs_no_secret(app, store) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "kiosk")
        await pilot.press("tab")
        await paste(pilot, CLIENT_ID)
        await pilot.press("tab")
        assert app.focused.id == "f-client_type"
        await pilot.press("enter", "down", "enter")  # open the list, pick "public"
        await pilot.pause()
        assert app.screen.query_one(AccountForm).to_model().client_type == "public"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert await said(pilot, lambda m: "Saved 'kiosk'" in m)
    saved = store.get("kiosk")
    assert saved.client_type == "public" and saved.client_secret == ""


async def test_app_only_flow_is_chosen_in_the_form_and_checked(app, store) -> None:
    """The form offers the sign-in flow; app-only shows its own rules inline."""
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "robot")
        form = app.screen.query_one(AccountForm)
        assert form.to_model().flow == "delegated"
        app.set_focus(app.screen.query_one("#f-flow"))
        await pilot.press("enter", "down", "enter")  # open the list, pick "app-only"
        await pilot.pause()
        assert form.to_model().flow == "app"
        # the default Graph scope row became Graph's /.default (screens/test_form_flow.py)
        assert "config.app_needs_default_scope" not in {i.rule for i in form.issues()}
        form.editor("token_params").load_rows((ParamRow("scope", "Mail.Read"),))
        await pilot.pause()  # a named scope again: the form knows app-only cannot use it
        assert "config.app_needs_default_scope" in {i.rule for i in form.issues()}
        await pilot.press("enter", "up", "enter")  # back to delegated
        await pilot.pause()
        assert form.to_model().flow == "delegated"
        assert "config.app_needs_default_scope" not in {i.rule for i in form.issues()}


async def test_two_accounts_with_one_label_are_both_listed_and_one_can_be_renamed(
        app, seeded, store: AccountStore) -> None:
    """A hand edit gave two accounts one label: the list shows both, and renaming the
    second in the form saves it under the new label (the first keeps the old one)."""
    first, second = seeded[0], seeded[1]
    store.path.write_text(store.path.read_text().replace(
        f"'{second.label}'", f"'{first.label}'").replace(
        f'"{second.label}"', f'"{first.label}"'))
    assert store.ids_for(first.label) == [first.id, second.id]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        labels = [str(table.get_cell_at((i, 0))) for i in range(table.row_count)]
        assert labels.count(first.label) == 2
        row = next(i for i in range(table.row_count)
                   if str(table.get_cell_at((i, 0))) == first.label
                   and i != labels.index(first.label))
        screen = await open_account(pilot, row)
        assert screen.original.id in (first.id, second.id)
        renamed_id = screen.original.id
        await pilot.press("ctrl+u")
        await type_text(pilot, "renamed")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
    assert store.get("renamed").id == renamed_id
    assert store.get(first.label).id in (first.id, second.id)
    assert sorted(store.labels()) == sorted([*(a.label for a in seeded[2:]),
                                             first.label, "renamed"])


@pytest.mark.parametrize("how", ["ctrl+q", "palette"])
async def test_quitting_with_unsaved_changes_asks_first(how: str, app, seeded,
                                                        store: AccountStore) -> None:
    """ctrl+q and the palette's Quit ask Save / Discard / Cancel like esc: cancel keeps
    the edit, save writes it and quits, and quitting with nothing changed just quits."""

    async def quit_app(pilot) -> None:
        if how == "ctrl+q":
            await pilot.press("ctrl+q")
        else:  # the command palette's own Quit entry, run as the palette runs it
            from tui.app.palette import commands_for

            quit_command = next(c for c in commands_for(pilot.app.screen)
                                if c.name == "Quit")
            done = quit_command.run()
            if done is not None:
                await done
        await pilot.pause()

    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)
        await pilot.press("z")
        await quit_app(pilot)
        assert isinstance(app.screen, UnsavedChanges) and app.return_code is None
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is screen and app.return_code is None
        assert screen.query_one("#f-label", Input).value == "shared-mailboxz"
        await quit_app(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.return_code == 0  # saved, then quit
    assert "shared-mailboxz" in store.labels()


async def test_quitting_from_a_form_without_changes_quits(app, seeded) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_account(pilot, 0)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, UnsavedChanges)
        assert app.return_code == 0
