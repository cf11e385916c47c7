"""SVG snapshots of the screens an admin sees first, at 100x30 and at 80x24.

Deterministic: fixed clock, UTC, no cursor blink, no animation, the account file
under the test's own home folder (shown as ~/...), fake secrets only.
Update with `pytest tests/app --snapshot-update`, then look at every changed SVG.
"""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import SIZES, build, paste, seed, settle
from tui.app.widgets.account_form import AccountForm
from tui.core.store.account_store import AccountStore


@SIZES
def test_accounts_empty(snap_compare, home_config: Path, size) -> None:
    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=settle)


@SIZES
def test_accounts_list(snap_compare, home_config: Path, size) -> None:
    seed(AccountStore(home_config))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down")  # the selected row's details show below the table

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)


@SIZES
def test_form_new(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)


@SIZES
def test_form_validation_errors(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"ops", "tab")
        await paste(pilot, "not-a-guid", into=pilot.app.screen.query_one("#f-client_id"))
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)


@SIZES
def test_row_editor(snap_compare, home_config: Path, size) -> None:
    seed(AccountStore(home_config))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # helpdesk: an IMAP scope row
        await settle(pilot)
        form = pilot.app.screen.query_one(AccountForm)
        editor = form.editor("token_params")
        editor._rows[0].cell("value").focus()
        for row, (name, value) in enumerate((("login_hint", "it@contoso.com"),
                                             ("scope", "openid")), start=1):
            await pilot.press("ctrl+n")
            await paste(pilot, name, into=editor._rows[row].cell("name"))
            await pilot.press("tab")
            await paste(pilot, value, into=editor._rows[row].cell("value"))
        await settle(pilot)
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)
