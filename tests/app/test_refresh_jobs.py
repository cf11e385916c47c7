"""The TUI's refresh jobs against tui.fakeidp on loopback: hooks on `r`, keep-alive, and
new token states reaching every screen that shows the account (by message)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.app.helpers import list_loaded, live_app, messages, status_of, wait_until
from tests.core.refresh.helpers import dump_hook, hook_runs
from tests.helpers import MovableClock, add_signed_in
from tui import cli
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.troubleshoot import TroubleshootScreen
from tui.core.refresh.hooks import EVENTS
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

DAY = 86400.0


def record_hooks(store: AccountStore, out: Path) -> None:
    """Every event's hook (for every account) appends its argv and environment to ``out``."""
    table = "".join(f"{event} = {dump_hook(out, event)}\n" for event in EVENTS)
    store.path.write_text("[hooks]\n" + table + "\n" + store.path.read_text())


def refreshes(idp: FakeIdP) -> int:
    return idp.stats()["issued"].get("refresh_token", 0)


def event_of(run: dict[str, Any]) -> tuple[str, str]:
    return run["env"]["EXO_OAUTH_LABEL"], run["env"]["EXO_OAUTH_EVENT"]


def count_checks(app: Any) -> list[object]:
    """A list that grows by one each time an auto-refresh check finishes from now on."""
    done: list[object] = []
    after = app._after_auto_check

    def counted(result: object) -> None:
        after(result)
        done.append(result)

    app._after_auto_check = counted
    return done


async def test_r_fires_the_hooks_as_the_refresh_command_does(
        config: Path, store: AccountStore, tmp_path: Path) -> None:
    live = MovableClock()
    out = tmp_path / "hooks.jsonl"
    with FakeIdP(auto_approve=0.0, retry_after=0, access_token_lifetime=3600) as idp:
        await add_signed_in(idp, store, clock=live)
        record_hooks(store, out)
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            await list_loaded(pilot)
            await pilot.press("r")
            await wait_until(pilot, lambda: len(hook_runs(out)) == 1, "the success hook")
            assert any(m.startswith("Refreshed:") for m in messages(app))
            idp.revoke_all()  # the password changed: the refresh token is refused
            await pilot.press("r")
            await wait_until(pilot, lambda: len(hook_runs(out)) == 2, "the refusal's hook")
            await wait_until(pilot, lambda: isinstance(app.screen, TroubleshootScreen),
                             "the panel")
        # the command line, asked the same thing in the same situation
        code = await asyncio.to_thread(cli.main, ["--config", str(config), "refresh", "work"])
        assert code == 4
    runs = hook_runs(out)
    assert [event_of(r) for r in runs] == [("work", "refresh_success"),
                                           ("work", "needs_authorization"),
                                           ("work", "needs_authorization")]
    ui, command = runs[1]["env"], runs[2]["env"]
    assert "AADSTS50173" in ui["EXO_OAUTH_ERROR"]
    assert ui["EXO_OAUTH_ERROR"] == command["EXO_OAUTH_ERROR"]
    assert refreshes(idp) == 1  # the two refused attempts issued nothing


async def test_auto_refresh_keeps_an_idle_sign_in_alive_once(
        config: Path, store: AccountStore, tmp_path: Path) -> None:
    live = MovableClock()
    out = tmp_path / "hooks.jsonl"
    with FakeIdP(auto_approve=0.0, retry_after=0, access_token_lifetime=3600) as idp:
        idle = await add_signed_in(idp, store, "idle", clock=live)  # auto-refresh off
        live.advance(31 * DAY)  # nobody asked for its token for a month
        await add_signed_in(idp, store, "fresh", clock=live)
        before = store.token_state(idle)
        record_hooks(store, out)
        app = live_app(config, idp, live, refresh_every=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: any(m.startswith("Kept alive:")
                                                for m in messages(app)), "the keep-alive")
            await wait_until(pilot, lambda: status_of(app, "idle") == "Valid, expires in 60 min",
                             "the row's new status")
            await wait_until(pilot, lambda: len(hook_runs(out)) == 1, "the hook")
            checks = count_checks(app)
            await wait_until(pilot, lambda: len(checks) >= 4, "four more checks")
            assert refreshes(idp) == 1  # it is no longer idle
            assert status_of(app, "fresh") == "Valid, expires in 60 min"
    toast = next(m for m in messages(app) if m.startswith("Kept alive:"))
    assert "'idle' had not been refreshed for 31 days" in toast
    assert [event_of(r) for r in hook_runs(out)] == [("idle", "refresh_success")]
    after = store.token_state(idle)
    assert after.refresh_token != before.refresh_token  # rotated and saved
    assert after.last_refresh_at is not None and after.last_refresh_at > live() - 60


async def test_new_tokens_reach_the_open_form_and_the_list_beneath_it(
        config: Path, store: AccountStore) -> None:
    live = MovableClock()
    with FakeIdP(auto_approve=0.0, retry_after=0, access_token_lifetime=3600) as idp:
        await add_signed_in(idp, store, clock=live, lifetime=100)
        live.advance(200)
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            await list_loaded(pilot)
            assert status_of(app, "work") == "Expired"
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen),
                             "the form")
            form = app.screen
            assert "expired" in str(form.query_one("#f-expiry").render())
            await pilot.press("ctrl+g")  # the test refreshes the expired token first
            await wait_until(pilot, lambda: "(in 60 min)" in str(
                form.query_one("#f-expiry").render()), "the form's new expiry")
            await wait_until(pilot, lambda: status_of(app, "work") == "Valid, expires in 60 min",
                             "the list's row")
            assert app.screen is form and form.sub_title == "saved"  # new tokens are no edit
            assert refreshes(idp) == 1
