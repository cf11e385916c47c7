"""One job at a time per account (r r is one refresh, c c c one test), and auto-refresh says
nothing about an account that was never signed in; against tui.fakeidp on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import live_app, messages, settle, wait_until
from tests.app.test_jobs import next_checks, record_checks, refreshes
from tests.helpers import MovableClock, add_signed_in, fake_account
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


async def test_r_r_is_one_refresh_and_c_c_c_one_test(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    await add_signed_in(idp, store, clock=live)
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        idp.latency_ms = 400  # the answer takes a moment: the second press comes first
        await pilot.press("r", "r")
        await wait_until(pilot, lambda: any(m.startswith("Refreshed:") for m in messages(app)),
                         "the refresh")
        assert refreshes(idp) == 1
        already = [m for m in messages(app) if m.startswith("Already running:")]
        assert already == ["Already running: 'work' is already being refreshed; the result "
                           "shows when it is done."]
        await pilot.press("c", "c", "c")
        await wait_until(pilot, lambda: any("Connection works" in m for m in messages(app)),
                         "the test")
        await settle(pilot)
        assert idp.stats()["endpoints"]["me"] == 1
        assert sum("connection test of 'work' is already running" in m
                   for m in messages(app)) == 2
        # done: the next press runs again
        await pilot.press("r")
        await wait_until(pilot, lambda: refreshes(idp) == 2, "a second refresh")


async def test_auto_refresh_says_nothing_about_an_account_never_signed_in(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store.add(fake_account(idp, "brand-new", auto_refresh=True))
    app = live_app(config, idp, live, refresh_every=0.05)
    checks = record_checks(app, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await next_checks(pilot, checks, 3)
        assert not [m for m in messages(app) if "Auto-refresh" in m or "sign-in" in m]
        assert app.screen.status_of(app.screen.accounts[0]) == "Not authorized"
        assert "brand-new" not in str(app.failures)
