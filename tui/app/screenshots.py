"""Regenerate the README's SVG screenshots: ``python -m tui.app.screenshots [--out DIR]``.

Every shot is one small async function that drives the app (built by ``make_app``, as
the CLI does) into a state; the runner takes each on a fresh app at 100x30 with a
fixed clock, no cursor blink and no animation, against a fixture account file in a
temporary home folder (so paths show as ``~/...``), and writes ``DIR/<name>.svg``.
The fixture's secrets and tokens are fake, shown masked, and checked: a screenshot
whose SVG text holds one of them is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from textual.app import App

SIZE = (100, 30)
NOW = 1_790_000_000.0  # 2026-09-21 14:13:20 UTC; statuses are relative to it
TITLE = "exo-oauth"
# Fake values; none of them may appear in a screenshot (masked fields only).
SECRET = "FAKE-screenshot-secret-0000"
ACCESS = "FAKE.screenshot.access." + "a" * 1390
REFRESH = "FAKE.screenshot.refresh." + "r" * 690
SECRETS = (SECRET, ACCESS[:24], REFRESH[:24])
TRACE = "3f1c9a52-7d4e-4b8a-9c61-2e5f0a7b8d93"
CORRELATION = "8b2d4e6f-1a3c-4e5d-9f70-b1c2d3e4f5a6"
TENANT = "contoso.onmicrosoft.com"
TENANT_ID = "6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
USER_CODE = "EXAMPLE42"
HOST = "mail-gw01"  # the ssh -L line names this machine; the pictures name a made-up one

Step = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    name: str
    caption: str
    run: Step


SHOTS: dict[str, Shot] = {}


def shot(name: str, caption: str) -> Callable[[Step], Step]:
    def register(run: Step) -> Step:
        SHOTS[name] = Shot(name, caption, run)
        return run

    return register


# -- the fixture -----------------------------------------------------------------------
def seed(config: Path) -> None:
    """Five accounts covering the statuses an admin meets."""
    from tui.core.model import Account, ParamRow, TokenState
    from tui.core.store.account_store import AccountStore
    from tui.core.tenant import endpoint_urls

    auth, token = endpoint_urls(TENANT)
    gauth, gtoken = endpoint_urls(TENANT_ID)
    imap = ParamRow("scope", "https://outlook.office.com/IMAP.AccessAsUser.All offline_access")
    accounts = [
        Account(label="shared-mailbox", client_id="1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
                client_secret=SECRET, authorize_url=auth, token_url=token, auto_refresh=True),
        Account(label="reports-robot", client_id="9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                client_type="public", authorize_url=gauth, token_url=gtoken),
        Account(label="helpdesk", client_id="5a5a5a5a-1111-4222-8333-944445555666",
                client_secret=SECRET, authorize_url=auth, token_url=token,
                token_params=(imap,), auth_params=(imap,)),
        Account(label="archive-imap", client_id="0c0ffee0-1234-4abc-9def-00000000beef",
                client_secret=SECRET, authorize_url=auth, token_url=token),
        Account(label="ops-alerts", client_id="7e57c0de-2468-4ace-8bdf-13579bdf2468",
                client_secret=SECRET, authorize_url=auth, token_url=token),
    ]
    store = AccountStore(config)
    added = [store.add(a) for a in accounts]
    shared, _, helpdesk, archive, ops = added
    for state in (
        TokenState(shared.id, shared.label, ACCESS, REFRESH, NOW + 52 * 60,
                   obtained_at=NOW - 8 * 60, last_refresh_at=NOW - 8 * 60),
        TokenState(helpdesk.id, helpdesk.label, refresh_token=REFRESH,
                   needs_authorization=True, last_error="invalid_grant AADSTS700082",
                   last_error_id="aadsts.700082", last_error_at=NOW - 3600),
        TokenState(archive.id, archive.label, ACCESS, REFRESH, NOW - 3 * 3600,
                   obtained_at=NOW - 4 * 3600, last_refresh_at=NOW - 4 * 3600),
        TokenState(ops.id, ops.label, ACCESS, REFRESH, NOW - 600, obtained_at=NOW - 4200,
                   last_refresh_at=NOW - 4200, last_error="invalid_client AADSTS7000215",
                   last_error_id="aadsts.7000215", last_error_at=NOW - 60),
    ):
        store.save_token_state(state)


def shot_service(clock: Any) -> Any:
    """The app's OAuth service for the pictures: real URL building with a fixed state and
    PKCE challenge, and a device code that waits forever (nothing goes on the network)."""
    from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

    from tui.core.oauth.service import AuthorizeRequest, DeviceCode, DeviceProgress, OAuthService

    class ShotService(OAuthService):
        def authorize_request(self, account: Any, *, redirect_uri: str | None = None,
                              state: str | None = None) -> AuthorizeRequest:
            real = super().authorize_request(account, redirect_uri=redirect_uri, state=state)
            fixed = {"state": "example-state", "code_challenge": "example-pkce-challenge"}
            parts = urlsplit(real.url)
            query = [(k, fixed.get(k, v)) for k, v in parse_qsl(parts.query)]
            url = urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
            return AuthorizeRequest(url, real.state, real.code_verifier, real.redirect_uri)

        async def device_flow(self, account: Any) -> Any:
            device = DeviceCode(device_code="-", user_code=USER_CODE, expires_in=900,
                                verification_uri="https://microsoft.com/devicelogin",
                                interval=5)
            yield DeviceProgress("started", device, 5, 900)
            yield DeviceProgress("pending", device, 5, 890, polls=2)
            await asyncio.Event().wait()  # nobody signs in while the picture is taken

    return ShotService(clock=clock)


def wrong_secret_error() -> Exception:
    """What refreshing ops-alerts raised: Microsoft's answer to a Secret ID pasted as the
    secret, read by the real parser (fixed ids so the picture never changes)."""
    from tui.core.oauth.http import oauth_error_from_fields
    from tui.fakeidp.errors import aad_error

    body = aad_error(7000215, NOW, correlation_id=CORRELATION,
                     client_id="7e57c0de-2468-4ace-8bdf-13579bdf2468")
    body["error_description"] = str(body["error_description"]).replace(
        str(body["trace_id"]), TRACE)
    body["trace_id"] = TRACE
    return oauth_error_from_fields(body, what="Refreshing the token of 'ops-alerts'",
                                   status=401)


@contextlib.contextmanager
def fixture_home() -> Iterator[Path]:
    """A throw-away home folder holding the account file; UTC; the environment restored."""
    root = Path(tempfile.mkdtemp(prefix="exo-oauth-shots-"))
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith("EXO_OAUTH_") or name in ("NO_COLOR", "DISPLAY",
                                                         "WAYLAND_DISPLAY"):
                del os.environ[name]
        os.environ.update(HOME=str(root), XDG_CONFIG_HOME=str(root / ".config"),
                          XDG_STATE_HOME=str(root / ".local" / "state"),
                          XDG_DATA_HOME=str(root / ".local" / "share"), TZ="UTC",
                          USER="admin", LOGNAME="admin",
                          SSH_CONNECTION="203.0.113.7 52144 198.51.100.25 22")
        time.tzset()
        yield root
    finally:
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()
        shutil.rmtree(root, ignore_errors=True)


# -- driving helpers ----------------------------------------------------------------------
async def settle(pilot: Any) -> None:
    """Let loading workers finish and the screen catch up (a sign-in waiting for the
    person never finishes, so those are not waited for)."""
    for _ in range(4):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.group != "authorize"]
        if busy:  # (an empty list would mean "all of them")
            await pilot.app.workers.wait_for_complete(busy)
    await pilot.pause()


async def select(pilot: Any, label: str) -> None:
    """Put the accounts list's cursor on ``label`` (as the arrow keys would)."""
    from textual.widgets import DataTable

    screen = pilot.app.screen
    index = next(i for i, a in enumerate(screen.accounts) if a.label == label)
    screen.query_one(DataTable).move_cursor(row=index, animate=False)
    await pilot.pause()


async def paste(pilot: Any, text: str) -> None:
    """What a terminal sends when text is pasted into the focused field."""
    from textual import events

    await pilot.pause()
    pilot.app.focused.post_message(events.Paste(text))
    await pilot.pause()


# -- the shots ----------------------------------------------------------------------------
@shot("accounts", "Accounts list: every account with the state of its token")
async def accounts(pilot: Any) -> None:
    await select(pilot, "helpdesk")


@shot("account-form", "Account form: the seed form's fields, secrets masked")
async def account_form(pilot: Any) -> None:
    await select(pilot, "shared-mailbox")
    await pilot.press("enter")


@shot("row-editor", "Endpoint parameter rows: ordered name = value pairs")
async def row_editor(pilot: Any) -> None:
    from .widgets.account_form import AccountForm

    await select(pilot, "helpdesk")
    await pilot.press("enter")
    await settle(pilot)
    form = pilot.app.screen.query_one(AccountForm)
    form.editor("token_params")._rows[0].cell("value").focus()
    await pilot.press("ctrl+n")
    await paste(pilot, "login_hint")
    await pilot.press("tab")
    await paste(pilot, "helpdesk@contoso.com")


@shot("authorize-device", "Authorize with a device code (no browser on the server)")
async def authorize_device(pilot: Any) -> None:
    await select(pilot, "reports-robot")
    await pilot.press("a")  # over SSH the picker suggests the device code
    await pilot.pause()
    await pilot.press("d")
    await pilot.pause()


@shot("authorize-loopback", "Authorize through a loopback receiver over ssh -L")
async def authorize_loopback(pilot: Any) -> None:
    await select(pilot, "shared-mailbox")
    await pilot.press("a")
    await pilot.pause()
    await pilot.press("l")
    for _ in range(20):  # the receiver starts in a worker; wait until the URL shows
        await pilot.pause()
        if pilot.app.screen.values.get("url"):
            break


@shot("troubleshoot", "Troubleshooting panel opened from a failed refresh (AADSTS7000215)")
async def troubleshoot(pilot: Any) -> None:
    await select(pilot, "ops-alerts")
    pilot.app.open_troubleshooting(wrong_secret_error(), label="ops-alerts")


@shot("troubleshoot-browse", "Troubleshooting panel: the whole catalog, filtered as you type")
async def troubleshoot_browse(pilot: Any) -> None:
    await pilot.press("t")
    await paste(pilot, "redirect")


@shot("help", "Help: what the screen is for and its keys")
async def help_screen(pilot: Any) -> None:
    await pilot.press("question_mark")


# -- the runner ---------------------------------------------------------------------------
def leaks(svg: str) -> list[str]:
    """Fixture secrets found in an SVG's text (there must be none)."""
    return [s for s in SECRETS if s in svg]


async def take(item: Shot, config: Path) -> str:
    from tui.app import make_app

    app = make_app(config, clock=lambda: NOW, live_interval=None, watch_interval=None,
                   cursor_blink=False, animations=False, refresh_every=None,
                   service_factory=shot_service)
    with mock.patch("socket.gethostname", return_value=HOST):
        return await _drive(app, item)


async def _drive(app: App[Any], item: Shot) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await item.run(pilot)
        await settle(pilot)
        app.clear_notifications()  # toasts come and go; they do not belong in a picture
        await pilot.pause()
        return app.export_screenshot(title=TITLE)


def run(names: list[str], out: Path, *, log: Callable[[str], None] = print) -> int:
    """Take the named shots into ``out``; returns how many failed."""
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with fixture_home() as root:
        config = root / ".config" / "exo-oauth" / "accounts.toml"
        seed(config)
        for name in names:
            item = SHOTS[name]
            try:
                svg = asyncio.run(take(item, config))
            except Exception as exc:  # one broken shot must not stop the others
                failed += 1
                log(f"{name}: FAILED: {type(exc).__name__}: {exc}")
                if os.environ.get("EXO_OAUTH_SHOTS_DEBUG"):
                    traceback.print_exc()
                continue
            found = leaks(svg)
            if found:
                failed += 1
                log(f"{name}: REFUSED: a fixture secret is visible in the picture")
                continue
            (out / f"{name}.svg").write_text(svg, encoding="utf-8")
            log(f"{name}: {out / (name + '.svg')}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tui.app.screenshots",
        description="Regenerate the SVG screenshots shown in the README (100x30, fixed "
        "clock, fake accounts).")
    parser.add_argument("--out", type=Path, default=Path("screenshots"),
                        help="folder for the SVG files (default: screenshots)")
    parser.add_argument("--only", action="append", choices=sorted(SHOTS), metavar="NAME",
                        help="take only this shot (repeatable); see --list")
    parser.add_argument("--list", action="store_true", help="list the shots and exit")
    args = parser.parse_args(argv)
    if args.list:
        for item in SHOTS.values():
            print(f"{item.name:20} {item.caption}")
        return 0
    failed = run(args.only or list(SHOTS), args.out)
    if failed:
        print(f"{failed} screenshot(s) not taken", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
