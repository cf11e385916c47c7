"""SVG snapshots of the authorize modal: picker, device code waiting, paste-back with an
error, loopback waiting; at 100x30 and 80x24.

Deterministic: a fixed clock, UTC, no cursor blink or animation, and a stand-in OAuth
service that hands out fixed, obviously fake values (user code, state, challenge),
a fixed host, user and loopback port. Nothing here talks to any network.
Update with `pytest tests/app --snapshot-update`, then look at every changed SVG.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from textual import events

from tests.app.helpers import CLIENT_IDS, FIXED_NOW, SECRET, SIZES, build, settle
from tests.helpers import MovableClock
from tui.core.model import Account
from tui.core.oauth.service import AuthorizeRequest, DeviceCode, DeviceProgress
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls

STATE = "FAKE-state-for-screenshots"
USER_CODE = "FAKE2CODE"


class StandIn:
    """Just enough of OAuthService for the modal to draw each state; waits forever."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock

    def authorize_request(self, account: Account, *, redirect_uri: str | None = None,
                          state: str | None = None) -> AuthorizeRequest:
        redirect = redirect_uri or account.redirect_uri
        query = urlencode([("client_id", account.client_id), ("response_type", "code"),
                           ("redirect_uri", redirect), ("state", STATE),
                           ("code_challenge", "FAKE-challenge-for-screenshots"),
                           ("code_challenge_method", "S256"),
                           ("scope", account.auth_params[0].value)], quote_via=quote)
        return AuthorizeRequest(f"{account.authorize_url}?{query}", STATE, "FAKE-verifier",
                                redirect)

    async def device_flow(self, account: Account) -> AsyncIterator[DeviceProgress]:
        device = DeviceCode("FAKE-device-code", USER_CODE,
                            "https://microsoft.com/devicelogin", 900.0, 5.0)
        yield DeviceProgress("started", device, 5.0, 900.0)
        yield DeviceProgress("pending", device, 5.0, 890.0, polls=2)
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        return None


class StandInReceiver:
    """The loopback receiver on a fixed port, binding nothing."""

    def __init__(self, *, state: str, path: str = "/", port: int = 0) -> None:
        self.port = port or 8400

    async def start(self) -> int:
        return self.port

    async def wait(self, timeout: float | None = None) -> Any:
        await asyncio.Event().wait()

    async def close(self) -> None:
        return None


@pytest.fixture
def home_config(home_config: Path, over_ssh: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The account file at the default place with one account, on a server over SSH."""
    monkeypatch.setattr("tui.core.oauth.loopback.LoopbackReceiver", StandInReceiver)
    auth, token = endpoint_urls("contoso.onmicrosoft.com")
    AccountStore(home_config).add(Account(label="shared-mailbox", client_id=CLIENT_IDS[0],
                                          client_secret=SECRET, authorize_url=auth,
                                          token_url=token))
    return home_config


def app_for(path: Path) -> Any:
    return build(path, service_factory=StandIn)


async def open_with(pilot: Any, *keys: str) -> None:
    """Open the modal and pick a method; its worker waits forever, so only pause."""
    await settle(pilot)
    await pilot.press("a", *keys)
    for _ in range(3):
        await pilot.pause()


@SIZES
def test_authorize_picker(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await open_with(pilot)

    assert snap_compare(app_for(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_authorize_device_code_waiting(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await open_with(pilot, "d")
        await pilot.pause()

    assert snap_compare(app_for(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_authorize_paste_back_error(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await open_with(pilot, "p")
        field = pilot.app.screen.query_one("#paste-input")
        field.post_message(events.Paste("http://localhost:8400/?code=FAKE-code&state=other"))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app_for(home_config), terminal_size=size, run_before=run_before)


@SIZES
def test_authorize_loopback_waiting(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await open_with(pilot, "l")
        await pilot.pause()

    assert snap_compare(app_for(home_config), terminal_size=size, run_before=run_before)


def test_no_secret_in_the_modal_snapshots() -> None:
    """The pictures hold only the stand-in's labelled fake values, never a secret."""
    folder = Path(__file__).parent / "__snapshots__" / "test_authorize_snapshots"
    pictures = sorted(folder.glob("*.svg"))
    assert len(pictures) == 8
    for picture in pictures:
        text = picture.read_text()
        for secret in (SECRET, "FAKE-verifier", "FAKE-device-code", "eyJ"):
            assert secret not in text, (picture.name, secret)
        assert "&#160;".join(USER_CODE) in text or "device" not in picture.name


async def test_device_status_follows_slow_down_and_the_app_clock(home_config: Path) -> None:
    class SlowDown(StandIn):
        async def device_flow(self, account: Account) -> AsyncIterator[DeviceProgress]:
            device = DeviceCode("FAKE-device-code", USER_CODE, "https://microsoft.com/devicelogin",
                                900.0, 5.0)
            yield DeviceProgress("started", device, 5.0, 900.0)
            yield DeviceProgress("slow_down", device, 10.0, 880.0, polls=3)
            await asyncio.Event().wait()

    clock = MovableClock(FIXED_NOW)
    app = build(home_config, clock, service_factory=SlowDown)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_with(pilot, "d")
        screen = app.screen
        status = str(screen.query_one("#device-status").render())
        assert "check less often: now every 10 s (checked 3 times)" in status
        assert "The code expires in 15:00." in status
        clock.advance(61)
        screen._tick()  # what the 1-second timer does
        assert "The code expires in 13:59." in str(screen.query_one("#device-status").render())
        clock.advance(900)
        screen._tick()
        assert "The code has expired." in str(screen.query_one("#device-status").render())
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.is_attached
