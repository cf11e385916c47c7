"""SVG snapshots of the screens of daily use, at 100x30 and at 80x24: the list filtered,
labels that are cut (emoji, right-to-left), a dialog with its own footer and a failure
toast below it, the scope presets, the command palette.

Update with `pytest tests/app --snapshot-update`, then look at every changed SVG.
"""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import SIZES, build, palette_entries, seed, settle
from tui.core.model import Account
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls


def seed_long_labels(path: Path) -> None:
    store = AccountStore(path)
    seed(store)
    auth, token = endpoint_urls("northwind-traders-international.onmicrosoft.com")
    for label in ("📦📦 Versand-Lager-Nord-Sammelpostfach", "קבלה-ראשית-של-המשרד-הראשי",
                  "a-very-long-label-for-the-shared-mailbox-of-the-finance-team"):
        store.add(Account(label=label, client_id="0c0ffee0-1234-4abc-9def-00000000beef",
                          client_type="public", authorize_url=auth, token_url=token))


@SIZES
def test_list_long_labels(snap_compare, home_config: Path, size) -> None:
    seed_long_labels(home_config)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("end")

    assert snap_compare(build(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_list_filtered(snap_compare, home_config: Path, size) -> None:
    seed_long_labels(home_config)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"contoso", "enter")
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_delete_dialog_with_a_toast(snap_compare, home_config: Path, size) -> None:
    seed(AccountStore(home_config))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        pilot.app.notify("The token endpoint refused the client secret (AADSTS7000215). "
                         "Use the secret's Value, not its ID.", title="Sign-in failed",
                         severity="error", timeout=60)
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_preset_menu(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        pilot.app.screen.query_one("#f-token_params").query("Input").first().focus()
        await pilot.press("ctrl+o")
        await settle(pilot)

    assert snap_compare(build(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_command_palette(snap_compare, home_config: Path, size) -> None:
    seed(AccountStore(home_config))

    async def run_before(pilot) -> None:
        await settle(pilot)
        await palette_entries(pilot)  # open, and wait until its list stops changing

    assert snap_compare(build(home_config), terminal_size=size, run_before=run_before)
