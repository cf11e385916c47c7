"""Helpers for the UI tests that talk to tui.fakeidp on loopback.

Time: the app's clock is real time plus an offset the test moves (``LiveClock``);
the OAuth service's waits (device-code polls, retry back-off) return almost at
once and move the app's and the fake's clocks by the time they stood for, so a
5-second poll interval costs a few milliseconds and everybody agrees on the time.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tui.app import make_app
from tui.app.exo_app import ExoApp
from tui.core.model import GRAPH_SCOPES, Account, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID, FakeIdP
from tui.fakeidp.signin import sign_in


class LiveClock:
    """Epoch seconds: real time plus an offset the test (or a quick wait) moves."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class QuickClock:
    """The OAuth service's clock: the app's time, with waits that return quickly."""

    def __init__(self, clock: LiveClock, idp: FakeIdP | None) -> None:
        self.clock = clock
        self.idp = idp
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.clock()

    def monotonic(self) -> float:
        return time.monotonic() + self.clock.offset

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self.clock.advance(seconds)
        if self.idp is not None:
            self.idp.advance(seconds)
        await asyncio.sleep(0.05)  # polls stay quick without flooding the UI


def live_app(config: Path, idp: FakeIdP | None, clock: LiveClock, **kwargs: Any) -> ExoApp:
    """The app as the CLI builds it, with the quick clock and no timers unless asked."""
    options: dict[str, Any] = {"live_interval": None, "cursor_blink": False,
                               "animations": False, "refresh_every": None, **kwargs}

    def service(_clock: object) -> OAuthService:
        return OAuthService(clock=QuickClock(clock, idp))

    return make_app(config, clock=clock, service_factory=service, **options)


def fake_account(idp: FakeIdP, label: str = "work", *, public: bool = False,
                 **kw: Any) -> Account:
    base: dict[str, Any] = dict(
        label=label, client_id=DEMO_PUBLIC_CLIENT_ID if public else DEMO_CLIENT_ID,
        client_secret="" if public else DEMO_CLIENT_SECRET,
        client_type="public" if public else "confidential",
        authorize_url=idp.authorize_url("contoso.example"),
        token_url=idp.token_url("contoso.example"), redirect_uri="http://localhost:8400")
    base.update(kw)
    return Account(**base)


def signed_in(store: AccountStore, idp: FakeIdP, account: Account, clock: LiveClock, *,
              lifetime: float = 3599.0) -> Account:
    """Add ``account`` with genuine tokens from the fake (it must auto-approve)."""
    added = store.add(account)
    issued = sign_in(account.authorize_url, account.token_url, account.client_id,
                     account.client_secret or None, GRAPH_SCOPES)
    now = clock()
    store.save_token_state(TokenState(
        added.id, added.label, issued["access_token"], issued["refresh_token"],
        expires_at=now + lifetime, obtained_at=now, last_refresh_at=now,
        scope=str(issued.get("scope", ""))))
    return added


async def wait_until(pilot: Any, condition: Callable[[], object], what: str,
                     timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (a bounded wait, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


async def browse(url: str) -> str:
    """Play the browser: open the authorize URL (the fake approves at once) and return
    the address it redirects to, without following it."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        reply = await browser.get(url)
    assert reply.status_code in (302, 303), reply.text[:300]
    return reply.headers["location"]


def messages(app: ExoApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def status_of(app: ExoApp, label: str) -> str:
    from textual.widgets import DataTable

    screen = app.screen_stack[0] if app.screen_stack else app.screen
    table = screen.query_one(DataTable)
    account = next(a for a in screen.accounts if a.label == label)
    value = table.get_cell(account.id, "status")
    return str(getattr(value, "plain", value))


def over_ssh_env(monkeypatch: Any) -> None:
    """A headless server reached over SSH, as a fixed user on a fixed host."""
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.10 50000 192.0.2.20 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("LOGNAME", "mailadmin")
    monkeypatch.setenv("USER", "mailadmin")
    monkeypatch.setattr(socket, "gethostname", lambda: "mx1.example.net")
