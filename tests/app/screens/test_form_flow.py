"""The form's Sign-in select: switching to app-only fixes the token scope row, and back."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.app.helpers import SECRET, settle
from tui.app.screens.form import AccountFormScreen
from tui.app.widgets.account_form import AccountForm
from tui.core.model import APP_SCOPE, GRAPH_SCOPES, Account, ParamRow, default_rows
from tui.core.store.account_store import AccountStore

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


def notes(app) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]


async def choose_flow(pilot, flow: str) -> None:
    """Open the Sign-in list and pick a flow by keyboard, as a person would."""
    app = pilot.app
    app.set_focus(app.screen.query_one("#f-flow"))
    await pilot.press("enter", "down" if flow == "app" else "up", "enter")
    await pilot.pause()
    assert app.screen.query_one(AccountForm).to_model().flow == flow


async def new_form(pilot) -> AccountForm:
    await settle(pilot)
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AccountFormScreen)
    return pilot.app.screen.query_one(AccountForm)


async def test_switch_to_app_only_swaps_graph_scopes_and_back_restores_them(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await new_form(pilot)
        auth_rows = form.to_model().auth_params
        await choose_flow(pilot, "app")
        model = form.to_model()
        assert model.token_params == (ParamRow("scope", GRAPH_DEFAULT),)
        assert model.auth_params == auth_rows  # not sent for app-only: left as they were
        assert not [i for i in form.issues() if i.field.startswith("token_params")]
        said = [m for t, m in notes(app) if t == "Scope changed"]
        assert len(said) == 1 and "\n" not in said[0]
        assert GRAPH_DEFAULT in said[0] and GRAPH_SCOPES in said[0]
        await choose_flow(pilot, "delegated")
        assert form.to_model().token_params == default_rows()
        assert any(t == "Scope restored" and GRAPH_SCOPES in m for t, m in notes(app))
        await choose_flow(pilot, "app")  # and again: the swap works every time
        assert form.to_model().token_params == (ParamRow("scope", GRAPH_DEFAULT),)


async def test_an_edited_row_is_not_restored(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await new_form(pilot)
        await choose_flow(pilot, "app")
        editor = form.editor("token_params")
        editor._rows[0].cell("value").focus()
        await pilot.press("ctrl+u", *"https://outlook.office365.com/.default")
        app.clear_notifications()
        await choose_flow(pilot, "delegated")
        assert form.to_model().token_params == (ParamRow("scope", APP_SCOPE),)
        assert not any(t == "Scope restored" for t, _ in notes(app))


async def test_outlook_scopes_become_exchange_default_and_save(app, seeded,
                                                               store: AccountStore) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("home", "down", "down", "enter")  # helpdesk: IMAP + offline_access
        await pilot.pause()
        form = app.screen.query_one(AccountForm)
        assert form.to_model().label == "helpdesk"
        await choose_flow(pilot, "app")
        assert form.to_model().token_params == (ParamRow("scope", APP_SCOPE),)
        assert any(t == "Scope changed" and APP_SCOPE in m for t, m in notes(app))
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = store.get("helpdesk")
    assert saved.flow == "app" and saved.token_params == (ParamRow("scope", APP_SCOPE),)


async def test_other_apis_scopes_are_left_to_the_validator(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        form = await new_form(pilot)
        custom = (ParamRow("scope", "api://contoso-reports/Reports.Read offline_access"),)
        form.editor("token_params").load_rows(custom)
        await pilot.pause()
        app.clear_notifications()
        await choose_flow(pilot, "app")
        assert form.to_model().token_params == custom
        assert not any(t == "Scope changed" for t, _ in notes(app))
        issues = [i.rule for i in form.issues() if i.field.startswith("token_params")]
        assert issues == ["config.app_needs_default_scope"]
        line = form.editor("token_params")._rows[0].issue_line  # said on the row itself
        assert line.display and "/.default" in str(line.render())


async def test_opening_an_app_only_account_changes_nothing(app, store: AccountStore) -> None:
    """Loading an account fires the select's first value: that is not a switch, so even
    an app-only account saved with delegated scopes (a warning) is shown as it is."""
    account = store.add(Account(label="robot", flow="app", client_secret=SECRET,
                                client_id="11111111-2222-4333-8444-555555555555"))
    assert account.token_params == default_rows()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert pilot.app.screen.query_one(DataTable).row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen.query_one(AccountForm)
        assert form.to_model() == account and not app.screen.dirty
        assert not any(t.startswith("Scope") for t, _ in notes(app))
