"""The list with many accounts: `/` filters, j/k move, the list follows the account file
(an account added with the command line shows up by itself), ctrl+r and F5 reload."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.app.helpers import build, footer_keys, messages, settle, wait_until
from tests.app.screens.test_accounts import cell
from tests.helpers import GUID, MovableClock, run
from tui.app.screens.accounts import AccountsScreen
from tui.app.widgets.account_list import ListFilter
from tui.core.store.account_store import AccountStore


def labels(app: object) -> list[str]:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    return [cell(app, row, "label") for row in range(table.row_count)]


def selected_label(app: object) -> str:
    return app.screen.selected().label  # type: ignore[attr-defined]


async def test_slash_filters_by_label_tenant_or_status(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query_one("#filter-row").display  # no room taken until asked
        await pilot.press("slash")
        assert isinstance(app.focused, ListFilter)
        await pilot.press(*"robot")  # letters type here: n, d, a, r, t do nothing else
        await pilot.pause()
        assert labels(app) == ["reports-robot"]
        assert str(screen.query_one("#filter-count", Static).render()) == "1 of 4"
        assert isinstance(app.screen, AccountsScreen)
        await pilot.press("enter")  # back to the rows, the filter stays
        assert isinstance(app.focused, DataTable)
        assert selected_label(app) == "reports-robot"
        await pilot.press("slash", *["backspace"] * 5, *"contoso")  # a tenant
        await pilot.pause()
        assert labels(app) == ["shared-mailbox", "helpdesk", "archive-imap"]
        await pilot.press(*["backspace"] * 7, *"expired")  # a status, any case
        await pilot.pause()
        assert labels(app) == ["archive-imap"]
        await pilot.press(*"x")
        await pilot.pause()
        empty = str(screen.query_one("#empty", Static).render())
        assert "No account matches 'expiredx'" in empty and "Escape clears it" in empty
        assert not screen.query_one(DataTable).display
        await pilot.press("escape")  # clears it: every account again
        await pilot.pause()
        assert labels(app) == ["shared-mailbox", "reports-robot", "helpdesk", "archive-imap"]
        assert screen.query_one(ListFilter).value == ""
        assert not screen.query_one("#filter-row").display
        assert isinstance(app.focused, DataTable)


async def test_escape_on_the_list_clears_the_filter_and_the_footer_says_so(app, seeded
                                                                          ) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"mailbox", "down")  # down, too, goes back to the rows
        await pilot.pause()
        assert isinstance(app.focused, DataTable)
        assert ("esc", "Show all") in [(key, what) for key, what, _ in footer_keys(app)]
        assert labels(app) == ["shared-mailbox"]
        await pilot.press("escape")
        await pilot.pause()
        assert len(labels(app)) == 4
        assert selected_label(app) == "shared-mailbox"  # the cursor stays on it


async def test_j_and_k_move_like_the_arrows(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert selected_label(app) == "helpdesk"
        await pilot.press("k")
        assert selected_label(app) == "reports-robot"
        details = str(app.screen.query_one("#details", Static).render())
        assert details.startswith("reports-robot")


async def test_an_account_added_with_the_command_line_shows_up(config: Path, seeded,
                                                               clock: MovableClock) -> None:
    app = build(config, clock, watch_interval=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        code = await asyncio.to_thread(run, config, "add", "added-by-cli", "--client-id",
                                       GUID, "--tenant", "fabrikam.example",
                                       "--client-type", "public")
        assert code == 0
        started = time.monotonic()
        await wait_until(pilot, lambda: "added-by-cli" in labels(app), "the new row", 2.0)
        assert time.monotonic() - started < 2.0
        assert selected_label(app) == "reports-robot"  # the cursor did not move
        await pilot.press("end")
        assert selected_label(app) == "added-by-cli"
        # a change to an account shows too (same size, new contents)
        code = await asyncio.to_thread(run, config, "edit", "added-by-cli", "--tenant",
                                       "northwind.example")
        assert code == 0
        await wait_until(pilot, lambda: "northwind.example" in str(
            app.screen.query_one("#details", Static).render()), "the changed row", 2.0)


async def test_the_watch_reads_no_token_file(config: Path, seeded, clock: MovableClock,
                                             monkeypatch) -> None:
    app = build(config, clock, watch_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        opened: list[str] = []
        real = AccountStore.token_state

        def counting(self: AccountStore, account: object) -> object:
            opened.append(str(account))
            return real(self, account)  # type: ignore[arg-type]

        monkeypatch.setattr(AccountStore, "token_state", counting)
        for _ in range(10):  # a dozen looks at an unchanged file
            await pilot.pause(0.05)
        assert opened == []
        assert not [w for w in app.workers if w.group == "accounts-load"]


async def test_ctrl_r_and_f5_read_everything_again(app, seeded, store: AccountStore) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        store.add(replace(store.get("helpdesk"), label="helpdesk-2", id="helpdesk-2-id"))
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "helpdesk-2" in labels(app)
        assert any("Reading the accounts again" in m for m in messages(app))
        store.delete("helpdesk-2-id")
        await pilot.press("f5")
        await settle(pilot)
        assert "helpdesk-2" not in labels(app)


async def test_the_empty_screen_needs_no_secret_for_a_public_client(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#empty", Static).render())
        assert "for a confidential client its client secret" in text
        assert "a public client" in text and "has none" in text


async def test_filter_input_is_the_only_text_field(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(app.screen.query(Input)) == 1


async def test_a_filter_on_status_follows_the_statuses(app, seeded, clock: MovableClock
                                                       ) -> None:
    from tests.app.helpers import ACCESS, REFRESH
    from tui.core.model import TokenState

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"valid", "enter")
        await pilot.pause()
        assert labels(app) == ["shared-mailbox"]
        app.screen.update_statuses()  # time moves on: nothing to add or drop, no error
        await pilot.pause()
        assert labels(app) == ["shared-mailbox"]
        archive = next(a for a in seeded if a.label == "archive-imap")
        app.publish_token_state(TokenState(archive.id, archive.label, ACCESS, REFRESH,
                                           clock.now + 3600))  # refreshed: valid now
        await pilot.pause()
        assert labels(app) == ["shared-mailbox", "archive-imap"]
        clock.advance(53 * 60)  # shared-mailbox's token expires
        app.screen.update_statuses()
        await pilot.pause()
        assert labels(app) == ["archive-imap"]
        assert str(app.screen.query_one("#filter-count", Static).render()) == "1 of 4"


async def test_with_many_accounts_the_filter_waits_for_a_pause(app, seeded,
                                                               monkeypatch) -> None:
    import tui.app.screens.accounts as accounts_screen

    monkeypatch.setattr(accounts_screen, "FILTER_AT_ONCE", 2)  # four accounts are many
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"robot")
        assert len(labels(app)) == 4  # typing on: not yet
        await wait_until(pilot, lambda: labels(app) == ["reports-robot"], "the pause")
        await pilot.press(*["backspace"] * 5, *"helpdesk", "enter")  # Enter applies it now
        assert labels(app) == ["helpdesk"] and isinstance(app.focused, DataTable)
