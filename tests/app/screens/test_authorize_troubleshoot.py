"""The troubleshooting panel from inside the authorize modal (ctrl+t, or t where no field
takes letters), against tui.fakeidp: what it preselects, and that signing in goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.app.helpers import cut_off_keys, footer_keys, live_app, panel, wait_until
from tests.helpers import MovableClock, fake_account, final_location
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.troubleshoot import TroubleshootScreen
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

from .test_authorize import modal, open_modal, paste, sign_in_worker, signed_in_everywhere

pytestmark = pytest.mark.usefixtures("over_ssh")  # a headless server reached over SSH


async def test_paste_error_opens_the_panel_and_t_still_types(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    account = store.add(fake_account(idp))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot, "p")
        assert "^t Troubleshoot" in [f"{k} {d}" for k, d, _ in footer_keys(app)]
        assert cut_off_keys(app) == []
        async with OAuthService() as other:  # an answer from some other sign-in
            stale = await final_location(other.authorize_request(account).url)
        await paste(pilot, stale)
        await pilot.pause()
        assert "belongs to another sign-in" in str(screen.query_one("#paste-error",
                                                                      Static).render())
        field = screen.query_one("#paste-input", Input)
        await pilot.press("t")  # in the paste field t is a letter like any other
        await pilot.pause()
        assert modal(app) is screen and field.value == "t"
        await pilot.press("ctrl+t")
        await pilot.pause()
        opened = panel(app)
        assert opened.failure is not None and "state value differs" in opened.failure.raw
        assert opened.failure.label == "work"
        await pilot.press("escape")
        await pilot.pause()
        assert modal(app) is screen and field.has_focus and field.value == "t"
        await pilot.press("ctrl+u")
        # the right answer still works
        await paste(pilot, await final_location(screen.values["url"]))
        await signed_in_everywhere(pilot, store, "work")


async def test_t_in_the_picker_shows_the_accounts_last_failure(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    store.add(fake_account(idp, client_secret="FAKE-wrong-secret-value"))
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot, "p")
        # redeeming it fails: 7000215
        await paste(pilot, await final_location(screen.values["url"]))
        await wait_until(pilot, lambda: isinstance(app.screen, TroubleshootScreen),
                         "the panel the failure opens")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)
        again = await open_modal(pilot)
        assert cut_off_keys(app) == []
        await pilot.press("t")  # the picker takes no letters but its own: t is the panel's
        await pilot.pause()
        opened = panel(app)
        assert opened.failure is not None and opened.highlighted_id() == "aadsts.7000215"
        await pilot.press("escape")
        await pilot.pause()
        assert modal(app) is again


async def test_sign_in_finishing_under_the_panel_waits_for_it(
        config: Path, live: MovableClock, store: AccountStore) -> None:
    with FakeIdP(device_code_lifetime=3600, access_token_lifetime=3600) as idp:
        store.add(fake_account(idp, "kiosk", public=True))
        app = live_app(config, idp, live)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_modal(pilot, "d")
            await wait_until(pilot, lambda: screen.values.get("code"), "the user code")
            assert cut_off_keys(app) == []
            await pilot.press("t")
            await pilot.pause()
            opened = panel(app)
            assert opened.failure is None  # nothing failed: the whole catalog
            signing_in = sign_in_worker(app, screen)
            assert idp.approve_device(screen.values["code"])
            await wait_until(pilot, lambda: signing_in.is_finished, "the sign-in")
            # the modal has its result, and keeps it while the panel is on top
            await wait_until(pilot, lambda: screen._held is not None, "the modal's result")
            assert store.token_state(store.get("kiosk")).access_token
            assert app.screen is opened and app.screen_stack[-2] is screen  # both still open
            await pilot.press("escape")  # back to the modal, which then finishes
            await signed_in_everywhere(pilot, store, "kiosk")
