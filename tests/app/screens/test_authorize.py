"""The authorize modal against tui.fakeidp on loopback: device code, paste-back, loopback,
client credentials, cancelling, and failures reaching the troubleshooting panel.

The tests play the person: they read what the modal shows, copy it with the keys,
"open" addresses with httpx (never following the redirect back) and paste or
type what a browser would show. Nothing sleeps: waits are bounded conditions.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, OptionList, Static
from textual.worker import Worker

from tests.app.helpers import live_app, messages, settle, status_of, wait_until
from tests.helpers import MovableClock, fake_account, final_location
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.authorize import AuthorizeScreen
from tui.app.screens.form import AccountFormScreen
from tui.app.sign_in_methods import DEVICE, LOOPBACK, PASTE, spaced
from tui.core.model import ParamRow
from tui.core.oauth.redirect import parse_answer
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

pytestmark = pytest.mark.usefixtures("over_ssh")


def modal(app: object) -> AuthorizeScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, AuthorizeScreen), screen
    return screen


def shown(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def open_modal(pilot: object, method_key: str | None = None) -> AuthorizeScreen:
    await settle(pilot)
    await pilot.press("a")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    screen = modal(pilot.app)  # type: ignore[attr-defined]
    if method_key:
        await pilot.press(method_key)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def paste(pilot: object, text: str) -> None:
    """What a terminal sends when the person pastes (bracketed paste), then Enter."""
    field = pilot.app.screen.query_one("#paste-input", Input)  # type: ignore[attr-defined]
    assert field.has_focus
    field.post_message(events.Paste(text))
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]


def sign_in_worker(app: Any, screen: AuthorizeScreen) -> Worker[Any]:
    """The modal's running sign-in (the one that polls, or waits for the loopback)."""
    return next(w for w in app.workers if w.node is screen and w.group == "authorize")


async def signed_in_everywhere(pilot: object, store: AccountStore, label: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), "the modal to close")
    await settle(pilot)
    state = store.token_state(store.get(label))
    assert state.access_token and state.refresh_token and not state.needs_authorization
    assert status_of(app, label) == "Valid, expires in 60 min"
    assert any(m.startswith("Signed in:") and repr(label) in m for m in messages(app))


# -- the picker ---------------------------------------------------------------------------


async def test_picker_suggests_device_code_over_ssh_and_says_why(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    store.add(fake_account(idp, redirect_uri="https://app.example.com/callback"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot)
        methods = screen.query_one(OptionList)
        assert [o.id for o in methods.options] == [DEVICE, PASTE, LOOPBACK]
        assert methods.highlighted == 0 and methods.has_focus
        assert "SSH_CONNECTION is set" in shown(app, "#pick-reason")
        loopback = methods.get_option(LOOPBACK)
        assert loopback.disabled  # not a local redirect URI: loopback cannot work
        actions = {b.binding.action for b in screen.active_bindings.values()}
        assert "pick('device')" in actions and "pick('loopback')" not in actions
        assert "copy('code')" not in actions
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        assert any("cancelled" in m for m in messages(app))


async def test_no_account_selected_means_no_authorize(config: Path, idp: FakeIdP,
                                                      live: MovableClock) -> None:
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        actions = {b.binding.action for b in app.screen.active_bindings.values()}
        assert not {"authorize", "refresh", "test_connection"} & actions
        await pilot.press("a", "r", "c")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)


# -- device code ----------------------------------------------------------------------------


async def test_device_code_success(config: Path, live: MovableClock,
                                   store: AccountStore) -> None:
    with FakeIdP(device_code_lifetime=3600, access_token_lifetime=3600) as idp:
        store.add(fake_account(idp, "kiosk", public=True))
        app = live_app(config, idp, live)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_modal(pilot)
            await pilot.press("enter")  # the suggested method: device code
            await wait_until(pilot, lambda: screen.values.get("code"), "the user code")
            code = screen.values["code"]
            assert shown(app, "#device-code") == spaced(code)
            assert shown(app, "#device-url") == "https://microsoft.com/devicelogin"  # as Microsoft
            await wait_until(pilot, lambda: "checked" in shown(app, "#device-status"),
                             "a poll")
            status = shown(app, "#device-status")
            assert "Waiting for you to sign in" in status and "every 5 s" in status
            assert "The code expires in 5" in status  # an hour minus the polls so far
            await pilot.press("c")
            assert app.clipboard == code
            await pilot.press("ctrl+l")
            assert app.clipboard == "https://microsoft.com/devicelogin"
            assert idp.approve_device(code)
            await signed_in_everywhere(pilot, store, "kiosk")
        assert idp.stats()["issued"]["device_code"] == 1


async def test_device_code_escape_stops_polling(config: Path, live: MovableClock,
                                                store: AccountStore) -> None:
    with FakeIdP(device_code_lifetime=3600, access_token_lifetime=3600) as idp:
        store.add(fake_account(idp, "kiosk", public=True))
        app = live_app(config, idp, live)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_modal(pilot, "d")
            await wait_until(pilot, lambda: "checked" in shown(app, "#device-status"),
                             "a poll")
            polling = sign_in_worker(app, screen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: polling.is_finished, "the polling to end")
            await settle(pilot)
            assert not screen.is_attached and isinstance(app.screen, AccountsScreen)
            assert polling.is_cancelled  # nothing is left that could poll again
            polls, waits = idp.stats()["grant_types"]["device_code"], len(live.sleeps)
            assert all(w.node is not screen for w in app.workers)
            assert idp.stats()["grant_types"]["device_code"] == polls and len(live.sleeps) == waits
            assert status_of(app, "kiosk") == "Not authorized"


# -- paste-back -------------------------------------------------------------------------------


async def test_paste_back_success(config: Path, idp: FakeIdP, live: MovableClock,
                                  store: AccountStore) -> None:
    store.add(fake_account(idp))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot, "p")
        url = screen.values["url"]
        assert shown(app, "#paste-url") == url  # in full, not cut
        assert url.startswith(idp.authorize_url("contoso.example") + "?")
        await pilot.press("ctrl+l")
        assert app.clipboard == url
        await paste(pilot, await final_location(url))
        await signed_in_everywhere(pilot, store, "work")
    assert idp.stats()["issued"]["authorization_code"] == 1


async def test_paste_back_state_mismatch_keeps_the_modal_open(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    account = store.add(fake_account(idp))
    app = live_app(config, idp, live)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_modal(pilot, "p")
        async with OAuthService() as other:  # an answer from some other sign-in
            stale = await final_location(other.authorize_request(account).url)
        await paste(pilot, stale)
        await pilot.pause()
        assert modal(app) is screen
        error = screen.query_one("#paste-error", Static)
        assert error.display and "belongs to another sign-in" in str(error.render())
        field = screen.query_one("#paste-input", Input)
        assert field.has_focus and field.value == ""
        assert idp.stats()["grant_types"].get("authorization_code", 0) == 0  # never sent
        # the right answer still works afterwards; the bare code works too
        location = await final_location(screen.values["url"])
        await paste(pilot, parse_answer(location, None).code)
        await signed_in_everywhere(pilot, store, "work")


# -- loopback ----------------------------------------------------------------------------------


async def test_loopback_success(config: Path, idp: FakeIdP, live: MovableClock,
                                store: AccountStore) -> None:
    store.add(fake_account(idp, redirect_uri="http://localhost/"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot, "l")
        await wait_until(pilot, lambda: screen.values.get("ssh"), "the receiver")
        line = screen.values["ssh"]
        port = int(line.split()[2].split(":")[0])
        assert line == f"ssh -L {port}:127.0.0.1:{port} mailadmin@mx1.example.net"
        assert shown(app, "#loopback-ssh") == line
        assert f"127.0.0.1:{port}" in shown(app, "#loopback-status")
        await pilot.press("s")
        assert app.clipboard == line
        location = await final_location(screen.values["url"])
        assert location.startswith(f"http://localhost:{port}/?code=")
        import httpx

        async with httpx.AsyncClient() as browser:  # the browser comes back to us
            page = await browser.get(location.replace("localhost", "127.0.0.1"))
        assert page.status_code == 200 and "Signed in" in page.text
        await signed_in_everywhere(pilot, store, "work")


async def test_loopback_cancel_releases_the_port(config: Path, idp: FakeIdP,
                                                 live: MovableClock, store: AccountStore) -> None:
    store.add(fake_account(idp, redirect_uri="http://localhost/"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_modal(pilot, "l")
        await wait_until(pilot, lambda: screen.values.get("ssh"), "the receiver")
        port = int(screen.values["ssh"].split()[2].split(":")[0])
        with pytest.raises(OSError):  # taken while the modal waits
            socket.create_server(("127.0.0.1", port)).close()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        socket.create_server(("127.0.0.1", port)).close()  # free again


# -- client credentials ------------------------------------------------------------------------


async def test_app_only_account_gets_a_token_with_client_credentials(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    scope = (ParamRow("scope", "https://outlook.office365.com/.default"),)
    store.add(fake_account(idp, "robot", flow="app", token_params=scope, auth_params=scope))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot)
        assert [o.id for o in screen.query_one(OptionList).options] == ["client-credentials"]
        assert "app-only" in shown(app, "#pick-reason")
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen), "the token")
        await settle(pilot)
        assert status_of(app, "robot") == "Valid, expires in 60 min"
        assert not any("No refresh token" in m for m in messages(app))
    assert idp.stats()["issued"]["client_credentials"] == 1


# -- from the form --------------------------------------------------------------------------


async def test_authorize_from_the_form_updates_its_token_fields(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    store.add(fake_account(idp))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AccountFormScreen)
        assert "no access token yet" in str(form.query_one("#f-access_token").render())
        form.query_one("#f-authorize").focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = modal(app)
        await pilot.press("p")
        await paste(pilot, await final_location(screen.values["url"]))
        await wait_until(pilot, lambda: app.screen is form, "back to the form")
        await settle(pilot)
        assert "characters" in str(form.query_one("#f-access_token").render())
        assert "(in 60 min)" in str(form.query_one("#f-expiry").render())
        assert form.sub_title == "saved"
        await pilot.press("escape")
        await settle(pilot)
        assert status_of(app, "work") == "Valid, expires in 60 min"
