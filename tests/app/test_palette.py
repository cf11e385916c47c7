"""The command palette (ctrl+p): the app's own commands by name, per-account ones too."""

from __future__ import annotations

from tests.app.helpers import (
    list_loaded,
    live_app,
    messages,
    palette_entries,
    settle,
    wait_until,
)
from tests.helpers import MovableClock, add_signed_in
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.modals import ConfirmDelete
from tui.fakeidp import FakeIdP

TEXTUALS_OWN = {"Cursor left", "Page Left", "Copy selected text", "Maximize", "Keys",
                "Screenshot", "Theme", "Minimize"}


async def test_the_list_offers_its_own_commands_once(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = await palette_entries(pilot)
        assert names[:4] == ["New account", "Filter the list", "Reload the list",
                             "Edit shared-mailbox"]
        for name in ("Authorize shared-mailbox", "Refresh shared-mailbox",
                     "Test shared-mailbox", "Delete shared-mailbox", "Help", "Troubleshoot",
                     "Change theme", "Quit"):
            assert name in names
        assert len(names) == len(set(names))  # Quit once, Edit once
        assert not TEXTUALS_OWN & set(names)
        # only the selected account's commands are listed before anything is typed
        assert not [n for n in names if "reports-robot" in n]


async def test_a_search_finds_any_accounts_commands_and_runs_them(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = await palette_entries(pilot, "delete archive")
        assert names[0] == "Delete archive-imap"
        # what does not apply to an account is not offered: never signed in, nothing to
        # refresh or test with
        await pilot.press(*["backspace"] * len("delete archive"))
        robot = await palette_entries(pilot, "reports-robot")
        assert "Authorize reports-robot" in robot and "Edit reports-robot" in robot
        assert "Refresh reports-robot" not in robot and "Test reports-robot" not in robot
        await pilot.press(*["backspace"] * len("reports-robot"))
        await palette_entries(pilot, "delete archive")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDelete), "the question")
        assert "archive-imap" in str(app.screen.message)


async def test_refresh_from_the_palette_refreshes_that_account(config, store) -> None:
    live = MovableClock()
    with FakeIdP(auto_approve=0.0, retry_after=0) as idp:
        await add_signed_in(idp, store, "work", clock=live)
        await add_signed_in(idp, store, "other", clock=live)
        app = live_app(config, idp, live)
        async with app.run_test(size=(80, 24)) as pilot:
            await list_loaded(pilot)
            assert app.screen.selected().label == "work"
            assert (await palette_entries(pilot, "refresh other"))[0] == "Refresh other"
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(m.startswith("Refreshed:") for m in
                                                messages(app)), "the refresh")
            assert "'other' refreshed" in next(m for m in messages(app)
                                              if m.startswith("Refreshed:"))
            assert idp.stats()["issued"].get("refresh_token", 0) == 1


async def test_the_form_offers_its_keys_and_no_letters(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen), "the form")
        names = await palette_entries(pilot)
        assert "Save" in names and "Quit" in names and "Help" in names
        assert len(names) == len(set(names))
        assert not TEXTUALS_OWN & set(names)
        assert not [n for n in names if n.startswith("Edit ")]  # the list's, not here
        await pilot.press("escape")  # closes the palette, not the form
        await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen), "the form")
