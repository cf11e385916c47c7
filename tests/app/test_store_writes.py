"""Store writes from the UI run off the event loop and wait for a refresh in flight.

The fake answers slowly (its latency option), so a refresh holds the account's token lock
for a while; meanwhile the person deletes the account or saves its form. While the write
waits, the screen still serves keys and timers, the write waits for the refresh instead
of timing out, and neither the refresh's tokens nor the delete get lost.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from tests.app.helpers import list_loaded, live_app, messages, open_form, wait_until
from tests.helpers import MovableClock, add_signed_in
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.help import HelpScreen
from tui.core.store import fileio
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

LATENCY_MS = 4000.0  # each request to the fake takes this long (room for a loaded machine)


def running(app: Any, action: str) -> bool:
    return any(w.name.startswith(f"{action}:") and w.is_running for w in app.workers)


def said(app: Any, text: str) -> bool:
    return any(text in m for m in messages(app))


@contextlib.asynccontextmanager
async def ticks(pilot: Any) -> AsyncIterator[list[int]]:
    """How many times a 20 ms timer of the app fired while inside (none if the loop froze)."""
    count = [0]

    def tick() -> None:
        count[0] += 1

    timer = pilot.app.set_interval(0.02, tick)
    try:
        yield count
    finally:
        timer.stop()


async def serves_a_key_meanwhile(pilot: Any, action: str,
                                 waits_for: Callable[[], bool]) -> None:
    """While the write waits (for what ``waits_for`` says is still going on), F1 opens the
    help and esc closes it again."""
    app = pilot.app
    await wait_until(pilot, lambda: running(app, action), f"the {action} to start")
    await pilot.press("f1")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
    assert running(app, action) and waits_for(), "the write did not wait"
    await pilot.press("escape")


async def start_slow_refresh(pilot: Any, idp: FakeIdP) -> None:
    """Press r on the selected account and wait until its request is with the slow fake."""
    app = pilot.app
    await list_loaded(pilot)
    idp.latency_ms = LATENCY_MS
    await pilot.press("r")
    await wait_until(pilot, lambda: running(app, "refresh"), "the refresh to start")
    await pilot.pause(0.2)
    assert running(app, "refresh")


async def test_delete_during_a_slow_refresh_waits_for_it(config: Path,
                                                         store: AccountStore) -> None:
    live = MovableClock()
    with FakeIdP(auto_approve=0.0, retry_after=0) as idp:
        account = await add_signed_in(idp, store, clock=live)
        token_file = Path(store._token_file(account.id))
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            await start_slow_refresh(pilot, idp)
            async with ticks(pilot) as fired:
                await pilot.press("d", "y")
                await serves_a_key_meanwhile(pilot, "delete", lambda: running(app, "refresh"))
                # a slow write says it is under way (while it waits: the note goes away)
                await wait_until(pilot, lambda: said(app, "Deleting 'work'…"), "the note")
                await wait_until(pilot, lambda: said(app, ": Deleted") or said(app, "Not del"),
                                 "the delete", timeout=40)
            assert not said(app, "Not deleted"), messages(app)
            assert fired[0] >= 10, f"the screen froze ({fired[0]} ticks)"
            assert said(app, "Refreshed: 'work' refreshed")  # the refresh ended first
            await wait_until(pilot, lambda: not app.screen.accounts, "the empty list")
        assert store.labels() == []
        # the refresh wrote its tokens before the delete: nothing brought the file back
        assert not token_file.exists()


async def test_save_during_a_slow_refresh_keeps_its_tokens(config: Path,
                                                           store: AccountStore) -> None:
    live = MovableClock()
    with FakeIdP(auto_approve=0.0, retry_after=0) as idp:
        account = await add_signed_in(idp, store, clock=live)
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            form = await open_form(pilot)
            form.query_one("#f-label").value = "renamed"
            idp.latency_ms = LATENCY_MS
            app.start_refresh(form.original)  # what r on the list (or auto-refresh) starts
            await wait_until(pilot, lambda: running(app, "refresh"), "the refresh to start")
            await pilot.pause(0.2)
            async with ticks(pilot) as fired:
                await pilot.press("ctrl+s")
                await serves_a_key_meanwhile(pilot, "save", lambda: running(app, "refresh"))
                await wait_until(pilot, lambda: said(app, "Saved:") or said(app, "Not saved"),
                                 "the save", timeout=40)
            assert not said(app, "Not saved"), messages(app)
            assert fired[0] >= 10, f"the screen froze ({fired[0]} ticks)"
            assert said(app, "Refreshed: 'work' refreshed")
            await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen),
                             "the form again")
            new = store.get("renamed")
            # the refresh's new tokens are on disk and on the form
            assert new.refresh_token and new.refresh_token != account.refresh_token
            assert form.original.refresh_token == new.refresh_token
            assert form.original.access_token == new.access_token
            assert form.sub_title == "saved"
        assert store.labels() == ["renamed"]


async def test_save_while_another_process_edits_the_file_keeps_the_screen_alive(
        config: Path, store: AccountStore) -> None:
    """Another exo-oauth holds the account file's lock for a moment: the save waits for it
    in a thread, and the screen goes on meanwhile."""
    live = MovableClock()
    with FakeIdP(auto_approve=0.0, retry_after=0) as idp:
        await add_signed_in(idp, store, clock=live)
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            await open_form(pilot)
            app.screen.query_one("#f-label").value = "renamed"
            other = fileio.locked(store.lock_path)
            other.acquire()  # its own descriptor: excludes this one as another process would
            released = threading.Event()

            def release() -> None:
                other.release()
                released.set()

            threading.Timer(3.0, release).start()
            async with ticks(pilot) as fired:
                await pilot.press("ctrl+s")
                await wait_until(pilot, lambda: said(app, "Saving"), "the save to start")
                await pilot.press("ctrl+s")  # a second press while saving starts no second save
                await serves_a_key_meanwhile(pilot, "save", lambda: not released.is_set())
                await wait_until(pilot, lambda: said(app, "Saved:") or said(app, "Not saved"),
                                 "the save", timeout=40)
            assert fired[0] >= 10, f"the screen froze ({fired[0]} ticks)"
            assert said(app, "Still saving"), messages(app)
            assert sum("Saved:" in m for m in messages(app)) == 1
        assert store.labels() == ["renamed"]
