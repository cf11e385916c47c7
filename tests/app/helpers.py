"""Helpers for the app tests: the app built as the CLI builds it, seeded accounts, and the
person at the keyboard (pasting, waiting for what the screen shows).

Time: ``build`` gives the app a clock that moves only when the test moves it
(``MovableClock(FIXED_NOW)``); ``live_app`` gives it wall time that the test, and the OAuth
service's waits, move forward (device-code polls and retry back-off return almost at once
and move the fake's clock too, so a 5-second poll interval costs a few milliseconds and
everybody agrees on the time). Nothing sleeps for real except those short pauses.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widget import Widget
from textual.worker import WorkerState

from tests.helpers import MovableClock
from tui.app import make_app
from tui.app.exo_app import ExoApp
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.troubleshoot import TroubleshootScreen
from tui.core.model import Account, ParamRow, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls
from tui.fakeidp import FakeIdP

# 2026-09-21 14:13:20 UTC: any fixed instant works; statuses are relative to it.
FIXED_NOW = 1_790_000_000.0
# Obviously fake values: none of them may appear in a screenshot or a file in clear.
SECRET = "FAKE-secret-Qz8~not-a-real-one"
ACCESS = "FAKE.access.token." + "x" * 1400
REFRESH = "FAKE.refresh.token." + "y" * 700
CLIENT_IDS = ("1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d", "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
              "5a5a5a5a-1111-4222-8333-944445555666", "0c0ffee0-1234-4abc-9def-00000000beef")

# Snapshot tests render every screen at both sizes an admin is likely to have.
SIZES = pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])


def build(config: Path, clock: MovableClock | None = None, **kwargs: Any) -> ExoApp:
    """The app through make_app, at FIXED_NOW unless given a clock, with no timers (no
    status updates, no look at the account file, no auto-refresh), no cursor blink and no
    animations."""
    options: dict[str, Any] = {"live_interval": None, "watch_interval": None,
                               "refresh_every": None, "cursor_blink": False,
                               "animations": False, **kwargs}
    return make_app(config, clock=clock or MovableClock(FIXED_NOW), **options)


def live_app(config: Path, idp: FakeIdP | None, clock: MovableClock, **kwargs: Any) -> ExoApp:
    """The app as the CLI builds it, with no timers unless asked; its OAuth service waits on
    ``clock`` too, which then carries ``idp``'s clock along and lets the app draw between
    polls."""
    clock.idp = idp
    clock.pause = 0.05  # polls stay quick without flooding the UI
    options: dict[str, Any] = {"live_interval": None, "watch_interval": None,
                               "cursor_blink": False, "animations": False,
                               "refresh_every": None, **kwargs}

    def service(_clock: object) -> OAuthService:
        return OAuthService(clock=clock)

    return make_app(config, clock=clock, service_factory=service, **options)


def sample_accounts() -> list[tuple[Account, TokenState | None]]:
    """Four accounts covering the statuses: valid, never authorized, refused, expired."""
    auth, token = endpoint_urls("contoso.onmicrosoft.com")
    gauth, gtoken = endpoint_urls("c0ffee00-aaaa-4bbb-8ccc-123456789abc")
    shared = Account(label="shared-mailbox", client_id=CLIENT_IDS[0], client_secret=SECRET,
                     authorize_url=auth, token_url=token, auto_refresh=True)
    robot = Account(label="reports-robot", client_id=CLIENT_IDS[1], client_type="public",
                    authorize_url=gauth, token_url=gtoken)
    helpdesk = Account(label="helpdesk", client_id=CLIENT_IDS[2], client_secret=SECRET,
                       authorize_url=auth, token_url=token,
                       token_params=(ParamRow("scope", "https://outlook.office.com/"
                                              "IMAP.AccessAsUser.All offline_access"),))
    archive = Account(label="archive-imap", client_id=CLIENT_IDS[3], client_secret=SECRET,
                      authorize_url=auth, token_url=token)
    return [
        (shared, TokenState(shared.id, shared.label, ACCESS, REFRESH, FIXED_NOW + 52 * 60,
                            obtained_at=FIXED_NOW - 8 * 60)),
        (robot, None),
        (helpdesk, TokenState(helpdesk.id, helpdesk.label, refresh_token=REFRESH,
                              needs_authorization=True)),
        (archive, TokenState(archive.id, archive.label, ACCESS, REFRESH,
                             FIXED_NOW - 3 * 3600, obtained_at=FIXED_NOW - 4 * 3600,
                             last_refresh_at=FIXED_NOW - 4 * 3600)),
    ]


def seed(store: AccountStore) -> list[Account]:
    added = []
    for account, state in sample_accounts():
        added.append(store.add(account))
        if state is not None:
            store.save_token_state(state)
    return added


async def settle(pilot: object) -> None:
    """Let loading workers finish and the screen catch up."""
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(4):
        await pilot.pause()  # type: ignore[attr-defined]
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            return
        await app.workers.wait_for_complete()


async def paste(pilot: object, text: str, into: Widget | None = None) -> None:
    """What a terminal sends when a person pastes (a GUID, a secret) into the focused field.

    Typing long values key by key costs ~50 ms a key in Pilot; people paste them anyway.
    ``into``: the widget that should have the focus by now (waits for it, then checks).
    """
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(20):  # focus() lands a moment later than the key that caused it
        await pilot.pause()  # type: ignore[attr-defined]
        if into is None or app.focused is into:
            break
    assert into is None or app.focused is into, (app.focused, into)
    app.focused.post_message(events.Paste(text))
    await pilot.pause()  # type: ignore[attr-defined]


def footer_keys(app: ExoApp) -> list[tuple[str, str, int]]:
    """(key, description, right edge on screen) of every key the current footer shows."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(Footer)
    return [(key.key_display, key.description, key.region.right)
            for key in footer.query(FooterKey)]


def cut_off_keys(app: ExoApp) -> list[str]:
    """The footer keys that do not fit on the screen (empty when all of them do)."""
    return [f"{key} {what}" for key, what, right in footer_keys(app) if right > app.size.width]


async def wait_until(pilot: Any, condition: Callable[[], object], what: str,
                     timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (a bounded wait, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.01)


async def list_loaded(pilot: Any) -> AccountsScreen:
    """Wait until the account list has loaded; returns it."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, AccountsScreen) and app.screen.loaded,
                     "the list")
    return app.screen


async def open_form(pilot: Any) -> AccountFormScreen:
    """From the loaded list, open the selected account's form; returns it."""
    await list_loaded(pilot)
    await pilot.press("enter")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen), "the form")
    return app.screen


def panel(app: Any) -> TroubleshootScreen:
    """The troubleshooting panel, which must be the screen on top."""
    assert isinstance(app.screen, TroubleshootScreen), app.screen
    return app.screen


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


async def palette_entries(pilot: object, typed: str = "") -> list[str]:
    """Open the palette, type ``typed``, and read the entries it lists (in order)."""
    from textual.command import CommandList, CommandPalette

    app = pilot.app  # type: ignore[attr-defined]
    if not isinstance(app.screen, CommandPalette):
        await pilot.press("ctrl+p")  # type: ignore[attr-defined]
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    if typed:
        await pilot.press(*typed)  # type: ignore[attr-defined]
    palette = app.screen
    group = CommandPalette._GATHER_COMMANDS_GROUP

    def gathered() -> bool:  # the palette gathers hits in a worker: wait until it is done
        return not any(w.group == group and w.state in (WorkerState.PENDING,
                                                        WorkerState.RUNNING)
                       for w in app.workers)

    await pilot.pause()  # type: ignore[attr-defined]
    await wait_until(pilot, gathered, "the palette's search")
    await pilot.pause()  # type: ignore[attr-defined]
    commands = palette.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt).split("\n")[0].strip()
            for i in range(commands.option_count)]
