"""`exo-oauth --demo`: the app on the demo account file, and its three accounts doing what
the banner promises (sign in by device code, refresh by itself, fail into the panel)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.app.helpers import live_app, messages, settle, status_of, wait_until
from tests.helpers import MovableClock
from tui import demo
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.authorize import AuthorizeScreen
from tui.app.screens.troubleshoot import TroubleshootScreen
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

pytestmark = pytest.mark.usefixtures("over_ssh")


# Microsoft's access tokens (and so the demo's) live 60-90 minutes.
USUAL_LIFETIME = re.compile(r"Valid, expires in (59|[6-8]\d|90) min")


def banner_lines(app: object) -> list[str]:
    banner = app.screen.query_one("#banner", Static)  # type: ignore[attr-defined]
    return [strip.text.rstrip() for strip in banner.render_lines(banner.region.reset_offset)]


async def test_demo_accounts_behave_as_the_banner_says(tmp_path: Path) -> None:
    live = MovableClock()
    with FakeIdP(auto_approve=demo.DEVICE_APPROVAL_S) as idp:
        demo.point_env_at(tmp_path / "demo")  # conftest's monkeypatch restores XDG_* after
        prepared = demo.prepare(tmp_path / "demo", idp, now=live())
        store = AccountStore(prepared.config)
        app = live_app(prepared.config, idp, live, banner=prepared.banner, refresh_every=0.05)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            # the banner wraps instead of being cut, at 80 and at 100 columns
            for width in (80, 100):
                await pilot.resize_terminal(width, 24 if width == 80 else 30)
                await pilot.pause()
                lines = banner_lines(app)
                assert len(lines) >= 2 and all(len(line) <= width for line in lines)
                text = " ".join(" ".join(lines).split())
                assert text == " ".join(prepared.banner.split()), width
            assert [a.label for a in app.screen.accounts] == list(prepared.labels)
            assert status_of(app, "demo-live") == "Valid, expires in 5 min"

            # demo-live: due 20 s after the start; nobody presses a key
            live.advance(25)
            await wait_until(pilot, lambda: idp.stats()["issued"].get("refresh_token"),
                             "the automatic refresh")
            await settle(pilot)
            assert USUAL_LIFETIME.fullmatch(status_of(app, "demo-live"))

            # demo-signin: device code (suggested over SSH), approved by the fake after 3 s
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AuthorizeScreen)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen),
                             "the device sign-in")
            await settle(pilot)
            assert USUAL_LIFETIME.fullmatch(status_of(app, "demo-signin"))
            assert store.token_state(store.get("demo-signin")).refresh_token

            # demo-wrong-secret: the troubleshooting panel explains AADSTS7000215
            await pilot.press("end", "a", "d")
            await wait_until(pilot, lambda: isinstance(app.screen, TroubleshootScreen),
                             "the troubleshooting panel")
            assert app.screen.highlighted_id() == "aadsts.7000215"
            assert any("7000215" in m for m in messages(app))
        assert idp.stats()["issued"]["device_code"] == 1
