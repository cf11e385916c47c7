"""A tenant that will not take a device code: the sign-in modal goes back to its method
picker, says why, and the browser way works from there (against tui.fakeidp on loopback).
The method that worked is remembered and suggested next time."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.app.helpers import live_app, panel, wait_until
from tests.helpers import MovableClock, fake_account, final_location
from tui.app.sign_in_methods import DEVICE, PASTE
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

from .test_authorize import open_modal, paste, shown, signed_in_everywhere

pytestmark = pytest.mark.usefixtures("over_ssh")  # where device code is suggested first


@pytest.mark.parametrize(("policy", "said"), [
    ("block", "Conditional Access does not allow signing in with a device code"),
    ("block_silently", "The device code ran out before the sign-in finished")])
async def test_a_refused_device_code_opens_the_picker_again(
        config: Path, live: MovableClock, store: AccountStore, policy: str,
        said: str) -> None:
    # an hour-long code: it cannot run out (polls move the clock) before the test reads it
    with FakeIdP(device_code_policy=policy, device_code_lifetime=3600,
                 access_token_lifetime=3600) as idp:
        store.add(fake_account(idp, "kiosk", public=True))
        app = live_app(config, idp, live)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_modal(pilot)
            await pilot.press("enter")  # the suggestion over SSH: device code
            await wait_until(pilot, lambda: screen.values.get("code"), "the user code")
            assert screen.method == DEVICE
            idp.approve_device(screen.values["code"])  # the person signs in; policy decides
            if policy == "block_silently":
                live.advance(3600)  # the device hears nothing until the code runs out
            await wait_until(pilot, lambda: screen.method == "", "the picker again",
                             timeout=30)
            await pilot.pause()
            assert app.screen is screen  # the modal stays open
            reason = shown(app, "#pick-reason")
            assert said in reason and "Choose Browser + paste-back or Loopback." in reason
            methods = screen.query_one("#methods", OptionList)
            assert methods.has_focus and methods.highlighted is not None
            assert methods.options[methods.highlighted].id == PASTE
            if policy == "block":  # t explains the refusal itself
                await pilot.press("t")
                await pilot.pause()
                opened = panel(app)
                assert opened.failure is not None and "AADSTS53003" in opened.failure.raw
                await pilot.press("escape")
                await pilot.pause()
                assert app.screen is screen
            await pilot.press("enter")  # paste-back, right there
            await pilot.pause()
            await paste(pilot, await final_location(screen.values["url"]))
            await signed_in_everywhere(pilot, store, "kiosk")
        assert store.get("kiosk").sign_in_method == PASTE
        assert idp.stats()["issued"]["authorization_code"] == 1


async def test_the_method_that_worked_is_suggested_next_time(
        config: Path, idp: FakeIdP, live: MovableClock, store: AccountStore) -> None:
    account = store.add(fake_account(idp))
    store.remember_sign_in(account, PASTE)
    app = live_app(config, idp, live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_modal(pilot)
        methods = screen.query_one("#methods", OptionList)
        assert methods.highlighted is not None
        assert methods.options[methods.highlighted].id == PASTE  # not device, despite SSH
        assert "worked the last time" in shown(app, "#pick-reason")
