"""The accounts list: empty state, columns and statuses, live updates, delete, keys."""

from __future__ import annotations

import os
import time
from pathlib import Path

from textual.widgets import DataTable, Static

from tests.app.helpers import ACCESS, REFRESH, SECRET, build, settle, wait_until
from tests.helpers import MovableClock
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.modals import ConfirmDelete
from tui.core.errors import NoSuchAccount
from tui.core.model import Account, TokenState
from tui.core.store import label_index, token_format
from tui.core.store.account_store import AccountStore


def cell(app: object, row: int, column: str) -> str:
    table = app.screen.query_one(DataTable)  # type: ignore[attr-defined]
    value = table.get_cell_at((row, list(table.columns).index(column)))
    return str(getattr(value, "plain", value))


def footer_actions(app: object) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values()}  # type: ignore[attr-defined]


async def test_empty_state_tells_what_to_do(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AccountsScreen)
        text = str(screen.query_one("#empty", Static).render())
        assert "Press n" in text and "exo-oauth --demo" in text
        assert not screen.query_one(DataTable).display
        # nothing to edit, delete, authorize or refresh: those keys are hidden
        actions = footer_actions(app)
        assert {"new", "app.help", "quit"} <= actions
        assert not {"edit", "delete", "authorize", "refresh"} & actions
        await pilot.press("d", "enter", "a")
        assert isinstance(app.screen, AccountsScreen)


async def test_table_shows_each_account_and_status(app, seeded) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 4
        assert cell(app, 0, "label") == "shared-mailbox"
        assert cell(app, 0, "tenant") == "contoso.onmicrosoft.com"
        assert cell(app, 0, "client") == "1b2c3d4e…"
        assert cell(app, 0, "type") == "confidential"
        assert cell(app, 0, "status") == "Valid, expires in 52 min"
        assert cell(app, 0, "auto") == "on"
        assert cell(app, 1, "status") == "Not authorized"
        assert cell(app, 1, "type") == "public"
        assert cell(app, 2, "status").startswith("Needs sign-in")
        assert cell(app, 3, "status") == "Expired"
        assert cell(app, 3, "auto") == "off"
        details = str(app.screen.query_one("#details", Static).render())
        assert "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d" in details
        assert "15:05:20 local time" in details
        # no secret or token in the table or the details
        for secret in (SECRET, ACCESS, REFRESH):
            assert secret not in details


async def test_status_updates_live_without_moving_cursor(config, seeded,
                                                         clock: MovableClock) -> None:
    app = build(config, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        table = app.screen.query_one(DataTable)
        assert table.cursor_row == 2
        clock.advance(50 * 60)
        app.screen.update_statuses()
        await pilot.pause()
        assert cell(app, 0, "status") == "Valid, expires in 2 min"
        clock.advance(5 * 60)
        # a refresh by another process lands in the token file: re-read picks it up
        store = AccountStore(config)
        store.save_token_state(TokenState(seeded[1].id, seeded[1].label, ACCESS, REFRESH,
                                          clock.now + 3600, obtained_at=clock.now))
        app.screen.refresh_statuses()
        await settle(pilot)
        assert cell(app, 0, "status") == "Expired"
        assert cell(app, 1, "status") == "Valid, expires in 60 min"
        assert table.cursor_row == 2


async def test_a_status_re_read_opens_only_the_token_files_that_changed(
        config, seeded, clock: MovableClock, monkeypatch) -> None:
    opened: list[str] = []
    real = token_format.read_stat

    def counting(path: str | os.PathLike[str]) -> tuple[bytes, os.stat_result, int] | None:
        opened.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(token_format, "read_stat", counting)
    app = build(config, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        time.sleep(2 * label_index.SETTLE_NS / 1e9)  # the files' stats can vouch for them
        app.screen.refresh_statuses()  # (this read keeps the now-settled stamps)
        await settle(pilot)
        opened.clear()
        app.screen.refresh_statuses()
        await settle(pilot)
        assert opened == []
        store = AccountStore(config)
        store.save_token_state(TokenState(seeded[1].id, seeded[1].label, ACCESS, REFRESH,
                                          clock.now + 3600, obtained_at=clock.now))
        app.screen.refresh_statuses()
        await settle(pilot)
        assert opened == [os.path.basename(
            token_format.token_path(store.state_dir, config, seeded[1].id))]
        assert cell(app, 1, "status") == "Valid, expires in 60 min"


async def test_live_timer_runs_with_an_interval(config, seeded, clock) -> None:
    app = build(config, clock, live_interval=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        clock.advance(50 * 60)
        await wait_until(pilot, lambda: cell(app, 0, "status") == "Valid, expires in 2 min",
                         "a timed status update")


async def test_runtime_hook_updates_one_row(app, seeded, clock) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        robot = seeded[1]
        app.publish_token_state(TokenState(robot.id, robot.label, ACCESS, REFRESH,
                                           clock.now + 3 * 3600))
        await pilot.pause()
        assert cell(app, 1, "status") == "Valid, expires in 3 h"


async def test_delete_asks_and_cancel_keeps(app, seeded, store, config) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # reports-robot
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDelete)
        assert "reports-robot" in str(app.screen.query_one(".dialog-body", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.query_one(DataTable).row_count == 4
        await pilot.press("d")
        await pilot.press("enter")  # the focused button is "Keep it"
        await settle(pilot)
        assert store.get("reports-robot").id == seeded[1].id
        await pilot.press("d", "y")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert app.screen.query_one(DataTable).row_count == 3
        assert "reports-robot" not in store.labels()
        try:
            store.get("reports-robot")
        except NoSuchAccount:
            pass
        else:  # pragma: no cover
            raise AssertionError("deleted account still there")


async def test_runtime_keys_open_the_runtime(app, seeded) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")  # the authorize modal; escape leaves it untouched
        await pilot.pause()
        assert type(app.screen).__name__ == "AuthorizeScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        await pilot.press("t")  # the troubleshooting panel is real now
        await pilot.pause()
        assert type(app.screen).__name__ == "TroubleshootScreen"
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)


async def test_help_lists_keys_and_closes(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        described = {what for _, rows in app.screen.sections for _, what in rows}
        for words in ("New", "Edit", "Delete", "Authorize", "Refresh", "Troubleshoot",
                      "Quit"):
            assert words in described
        await pilot.press("escape")
        assert isinstance(app.screen, AccountsScreen)


async def test_t_in_help_opens_troubleshooting(app, seeded) -> None:
    from tui.app.screens.troubleshoot import TroubleshootScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", "t")
        await settle(pilot)
        assert isinstance(app.screen, TroubleshootScreen)
        assert not any(isinstance(s, HelpScreen) for s in app.screen_stack)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)


async def test_unreadable_account_file_is_explained(config: Path, clock) -> None:
    config.parent.mkdir(parents=True)
    config.write_text("[[account]\nlabel = 'x'\n")
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#empty", Static).render())
        assert "cannot be used" in text and "line 1" in text
    assert config.read_text() == "[[account]\nlabel = 'x'\n"


async def test_new_account_from_list_returns_and_selects_it(app, seeded, store) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-label").value = "zz-new"
        form.query_one("#f-client_id").value = "11111111-2222-4333-8444-555555555555"
        form.query_one("#f-client_secret").value = SECRET
        form.query_one("#f-tenant").value = "fabrikam.com"
        form.query_one("AccountForm").fill_urls()
        await pilot.press("ctrl+s")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 5
        assert cell(app, table.cursor_row, "label") == "zz-new"
        assert isinstance(store.get("zz-new"), Account)


async def test_runtime_keys_call_one_hook_each(app, seeded) -> None:
    calls: list[tuple[str, object]] = []
    app.start_authorize = lambda account: calls.append(("authorize", account.label))
    app.start_refresh = lambda account: calls.append(("refresh", account.label))
    app.test_connection = lambda account: calls.append(("test", account.label))
    app.open_troubleshooting = lambda subject=None, **kw: calls.append(("troubleshoot", subject))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")  # helpdesk
        await pilot.press("a", "r", "c", "t")
    assert calls == [("authorize", "helpdesk"), ("refresh", "helpdesk"), ("test", "helpdesk"),
                     ("troubleshoot", None)]


async def test_small_file_shows_its_rows_in_the_first_frame(app, seeded) -> None:
    """No worker, no second layout: the rows are there as soon as the screen is."""
    async with app.run_test(size=(100, 30)):
        screen = app.screen
        assert isinstance(screen, AccountsScreen) and screen.loaded
        assert screen.query_one(DataTable).row_count == 4
        assert not [w for w in app.workers if w.group == "accounts-load"]


async def test_big_file_loads_in_a_worker(app, seeded, monkeypatch) -> None:
    import threading

    import tui.app.screens.accounts as accounts_screen

    release = threading.Event()
    real_read = accounts_screen.read_rows

    def slow_read(store: object) -> object:  # the worker waits until the test has looked
        assert threading.current_thread() is not threading.main_thread()
        release.wait(10)
        return real_read(store)

    monkeypatch.setattr(accounts_screen, "small_file", lambda _path: False)
    monkeypatch.setattr(accounts_screen, "read_rows", slow_read)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.screen.loaded  # the screen is up and responsive before the accounts
        release.set()
        await settle(pilot)
        assert app.screen.loaded and app.screen.query_one(DataTable).row_count == 4
        assert cell(app, 0, "label") == "shared-mailbox"


def test_small_file_threshold(tmp_path: Path) -> None:
    from tui.app.list_rows import SMALL_FILE_BYTES, small_file

    path = tmp_path / "accounts.toml"
    assert small_file(path)  # missing: nothing to wait for
    path.write_bytes(b"#" * SMALL_FILE_BYTES)
    assert small_file(path)
    path.write_bytes(b"#" * (SMALL_FILE_BYTES + 1))
    assert not small_file(path)


async def test_a_stored_impossible_expiry_shows_as_expired(app, seeded, store: AccountStore
                                                           ) -> None:
    """A token file holding an expiry of 1e30 (stored before replies were checked) once
    ended the app at start; it reads as needing a refresh."""
    token_file = next(p for p in (store.state_dir / "tokens").glob("*.toml")
                      if "shared-mailbox" in p.read_text())
    text = token_file.read_text()
    start = text.index("expires_at = ")
    end = text.index("\n", start)
    token_file.write_text(text[:start] + "expires_at = 1e30" + text[end:])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert cell(app, 0, "label") == "shared-mailbox"
        assert cell(app, 0, "status") == "Expired"
        await pilot.press("enter")  # the form shows it too
        await settle(pilot)
        assert "shared-mailbox" in app.screen.title
