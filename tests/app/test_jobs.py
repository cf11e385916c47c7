"""Refresh now, auto-refresh, test connection and failures, against tui.fakeidp on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app.helpers import live_app, messages, settle, status_of, wait_until
from tests.helpers import MovableClock, add_signed_in, fake_account, final_location
from tui.app.exo_app import ExoApp
from tui.app.jobs import failure_summary
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.troubleshoot import TroubleshootScreen
from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.model import Account, ParamRow, TokenState
from tui.core.store.account_store import AccountStore
from tui.core.store.seal import Sealer
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_USER_NAME, DEMO_USER_UPN, FakeIdP


def refreshes(idp: FakeIdP) -> int:
    return idp.stats()["issued"].get("refresh_token", 0)


def record_checks(app: ExoApp, monkeypatch: pytest.MonkeyPatch) -> list[list[Account]]:
    """What each of the app's auto-refresh checks finds due, in order."""
    found: list[list[Account]] = []
    plan = app.schedule.plan

    def recording(rows: Any, now: float) -> Any:
        planned = plan(rows, now)
        found.append(list(planned.due))
        return planned

    monkeypatch.setattr(app.schedule, "plan", recording)
    return found


async def next_checks(pilot: Any, checks: list[list[Account]], count: int
                      ) -> list[list[Account]]:
    """Let the app run until ``count`` more auto-refresh checks have decided and their work
    is done (instead of sleeping through a few of them); what those checks found due."""
    start = len(checks)
    await wait_until(pilot, lambda: len(checks) >= start + count, f"{count} auto-refresh checks")
    await settle(pilot)
    return checks[start:]


def actions(app: object) -> dict[str, bool]:
    return {b.binding.action: b.enabled
            for b in app.screen.active_bindings.values()}  # type: ignore[attr-defined]


async def test_refresh_now_and_one_service_for_the_whole_run(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    account = await add_signed_in(idp, store, clock=live, lifetime=1200)
    before = store.token_state(account)
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app._service is None  # nothing made before it is needed
        assert status_of(app, "work") == "Valid, expires in 20 min"
        await pilot.press("r")
        await wait_until(pilot, lambda: refreshes(idp) == 1, "the refresh")
        await settle(pilot)
        assert status_of(app, "work") == "Valid, expires in 60 min"
        assert any(m.startswith("Refreshed:") for m in messages(app))
        after = store.token_state(account)
        assert after.access_token != before.access_token
        assert after.refresh_token != before.refresh_token  # the fake rotates them
        service = app._service
        await pilot.press("c")  # test connection: the same service
        await wait_until(pilot, lambda: any("Connection works" in m for m in messages(app)),
                         "the test")
        assert app._service is service
    assert service is not None and service.client.is_closed


async def test_refused_refresh_token_means_needs_authorization(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    account = await add_signed_in(idp, store, clock=live)
    idp.revoke_all()
    app = live_app(config, idp, live)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, TroubleshootScreen),
                         "the troubleshooting panel")
        panel = app.screen
        assert panel.highlighted_id() == "aadsts.50173"
        assert isinstance(app.failures[account.id], NeedsAuthorization)
        await pilot.press("escape")
        await settle(pilot)
        assert status_of(app, "work").startswith("Needs sign-in; token va")
        assert any(m.startswith("Refresh failed:") for m in messages(app))
    assert store.token_state(account).needs_authorization


async def test_auto_refresh_refreshes_without_a_key_press(
        config: Path, live: MovableClock, store: AccountStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fired: list[tuple[str, object]] = []

    async def hook(store: object, account: object, outcome: object, **kw: object) -> None:
        fired.append((account.label, outcome))  # type: ignore[attr-defined]

    monkeypatch.setattr("tui.core.refresh.hook_config.fire_hooks", hook)
    with FakeIdP(auto_approve=0.0, access_token_lifetime=400) as idp:
        account = await add_signed_in(idp, store, auto_refresh=True, clock=live,
                                      lifetime=400)
        await add_signed_in(idp, store, "manual", clock=live, lifetime=400)
        app = live_app(config, idp, live, refresh_every=0.05)
        checks = record_checks(app, monkeypatch)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # a few checks: 400 s left is more than the 300 s margin
            assert not any(await next_checks(pilot, checks, 3)) and refreshes(idp) == 0
            live.advance(150)  # now 250 s left: due
            await wait_until(pilot, lambda: refreshes(idp) == 1, "the auto-refresh")
            await settle(pilot)
            app.screen.update_statuses()  # what the live timer does every 30 s
            assert status_of(app, "work") == "Valid, expires in 7 min"  # the new 400 s
            assert status_of(app, "manual") == "Valid, expires in 4 min"  # auto-refresh off
            assert not any(await next_checks(pilot, checks, 3))  # fresh again: no more
            assert refreshes(idp) == 1
            # a suspended machine wakes up two hours later: the next check catches up
            live.advance(7200)
            await wait_until(pilot, lambda: refreshes(idp) == 2 and len(fired) == 2,
                             "the catch-up refresh and its hook")
        assert [label for label, _ in fired] == ["work", "work"]
        assert all(isinstance(o, TokenState) for _, o in fired)
        assert store.token_state(account).expires_at > live() + 300


async def test_auto_refresh_checks_open_only_what_they_refresh(
        config: Path, live: MovableClock, store: AccountStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks plan from what the list reads; a secret is opened only for a refresh."""
    opened: list[str] = []
    real_open = Sealer.open

    def recording(self: Sealer, account_id: str, field: str, text: str) -> str:
        if field != "key_check":  # the header's check that the key is the right one
            opened.append(account_id)
        return real_open(self, account_id, field, text)

    with FakeIdP(auto_approve=0.0, access_token_lifetime=400) as idp:
        work = await add_signed_in(idp, store, auto_refresh=True, clock=live, lifetime=400)
        for label in ("manual", "other"):
            await add_signed_in(idp, store, label, clock=live, lifetime=400)
        monkeypatch.setattr(Sealer, "open", recording)
        app = live_app(config, idp, live, refresh_every=0.05)
        checks = record_checks(app, monkeypatch)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert not any(await next_checks(pilot, checks, 3))
            assert opened == []  # three checks and the list: nothing opened
            live.advance(150)
            await wait_until(pilot, lambda: refreshes(idp) == 1, "the auto-refresh")
            await settle(pilot)
        assert opened and set(opened) == {work.id}
        assert store.token_state(work).expires_at > live() + 300


async def test_auto_refresh_failure_shows_in_status_and_toast(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fired: list[tuple[str, object]] = []

    async def hook(store: object, account: object, outcome: object, **kw: object) -> None:
        fired.append((account.label, outcome))  # type: ignore[attr-defined]

    monkeypatch.setattr("tui.core.refresh.hook_config.fire_hooks", hook)
    await add_signed_in(idp, store, auto_refresh=True, clock=live, lifetime=100)
    idp.revoke_all()
    app = live_app(config, idp, live, refresh_every=0.05)
    checks = record_checks(app, monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: fired, "the auto-refresh")
        await settle(pilot)
        assert status_of(app, "work").startswith("Needs sign-in")
        assert isinstance(app.screen, AccountsScreen)  # no panel pops up by itself
        toast = next(m for m in messages(app) if m.startswith("Auto-refresh failed:"))
        assert "press t" in toast
        assert not any(await next_checks(pilot, checks, 3))  # it waits for a sign-in
        assert len(fired) == 1 and isinstance(fired[0][1], NeedsAuthorization)
        assert idp.stats()["grant_types"]["refresh_token"] == 1  # no retry storm
        await pilot.press("t")  # the status leads to the panel
        await pilot.pause()
        assert isinstance(app.screen, TroubleshootScreen)
        assert app.screen.highlighted_id() == "aadsts.50173"


async def test_test_connection_shows_who_the_token_belongs_to(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    await add_signed_in(idp, store, clock=live)
    store.add(fake_account(idp, "zz-never"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert actions(app)["test_connection"] is True
        await pilot.press("c")
        await wait_until(pilot, lambda: any("Connection works" in m for m in messages(app)),
                         "the answer")
        found = next(m for m in messages(app) if "Connection works" in m)
        assert f"{DEMO_USER_NAME} <{DEMO_USER_UPN}>" in found
        await pilot.press("enter")  # the same from the form
        await settle(pilot)
        assert isinstance(app.screen, AccountFormScreen)
        app.clear_notifications()
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any("Connection works" in m for m in messages(app)),
                         "the answer from the form")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("down")  # never authorized: the key is greyed
        await pilot.pause()
        assert actions(app)["test_connection"] is False
        assert actions(app)["refresh"] is False  # nothing to refresh with either
    assert idp.stats()["endpoints"]["me"] == 2


async def test_wrong_secret_opens_the_panel_at_7000215(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    store.add(fake_account(idp, "wrong", client_secret="not-the-secret"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a", "p")
        await pilot.pause()
        url = app.screen.values["url"]
        field = app.screen.query_one("#paste-input")
        field.value = await final_location(url)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TroubleshootScreen),
                         "the troubleshooting panel")
        assert app.screen.highlighted_id() == "aadsts.7000215"
        assert any(m.startswith("Sign-in failed:") and "7000215" in m
                   for m in messages(app))
        await pilot.press("escape")
        await settle(pilot)
        wrong = next(a for a in app.screen.accounts if a.label == "wrong")
        assert app.screen.notes[wrong.id] == "Sign-in failed: invalid_client AADSTS7000215"
        assert status_of(app, "wrong").startswith("Sign-in failed")
        assert "AADSTS7000215" in str(app.screen.query_one("#details").render())
        await pilot.press("t")  # the row still leads to the same explanation
        await pilot.pause()
        assert app.screen.highlighted_id() == "aadsts.7000215"


async def test_test_connection_for_an_app_only_account_shows_its_grants(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    """No user behind an app-only token: /me is not called; the toast says what it grants."""
    scope = (ParamRow("scope", "https://graph.microsoft.com/.default"),)
    robot = store.add(fake_account(idp, "robot", flow="app", token_params=scope,
                                   auth_params=scope))
    app = live_app(config, idp, live)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert actions(app)["test_connection"] is True  # no token yet, but it can get one
        await pilot.press("c")
        await wait_until(pilot, lambda: any("app-only token" in m for m in messages(app)),
                         "the answer")
        found = next(m for m in messages(app) if "app-only token" in m)
        assert found.startswith("Got an app-only token: 'robot': got an app-only token.")
        assert "Graph /me is not called" in found and "no user" in found
        assert "Resource: Microsoft Graph, https://graph.microsoft.com" in found
        assert "roles): Mail.ReadWrite, User.Read.All" in found
        assert f"Application (client) ID: {DEMO_CLIENT_ID}" in found
        assert "Valid until " in found and "(in 59 min)" in found
        token = store.token_state(robot).access_token
        assert token and token not in found
        await settle(pilot)
        assert status_of(app, "robot").startswith("Valid")  # the new token shows in the list
        await pilot.press("enter")  # the same from the form
        await settle(pilot)
        assert isinstance(app.screen, AccountFormScreen)
        app.clear_notifications()
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: any("app-only token" in m for m in messages(app)),
                         "the answer from the form")
    assert idp.stats()["endpoints"]["me"] == 0
    assert idp.stats()["issued"]["client_credentials"] == 1  # the second test reused it


async def test_app_only_token_without_permissions_warns(
        config: Path, live: MovableClock, store: AccountStore) -> None:
    scope = (ParamRow("scope", "https://graph.microsoft.com/.default"),)
    with FakeIdP(auto_approve=0.0, retry_after=0, app_roles=()) as idp:
        store.add(fake_account(idp, "robot", flow="app", token_params=scope))
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("c")
            await wait_until(pilot, lambda: any("grants nothing" in m for m in messages(app)),
                             "the warning")
            note = next(n for n in app._notifications if n.title == "Token grants nothing")
            assert note.severity == "warning" and "roles): none" in note.message
            assert "Grant admin consent" in note.message


def test_failure_summary_names_the_error_and_code() -> None:
    exc = OAuthError("no", error="invalid_client", codes=(7000215,))
    assert failure_summary(exc) == "invalid_client AADSTS7000215"
    wrapped = NeedsAuthorization("refused", oauth_error=OAuthError("no", error="invalid_grant",
                                                                     codes=(50173,)))
    assert failure_summary(wrapped) == "invalid_grant AADSTS50173"
    assert failure_summary(ValueError("x")) == "ValueError"
