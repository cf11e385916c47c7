"""Helpers every test folder shares: accounts (offline or on the fake), a person signing in
through the fake, the command line in this process or in a child, and the tests' one clock.

Fixtures are in tests/conftest.py; each folder keeps its own helpers in its helpers.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tui import cli
from tui.core.clock import SYSTEM_CLOCK, Clock, ManualClock
from tui.core.model import Account, ParamRow, TokenState
from tui.core.oauth.redirect import parse_answer
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import save_sign_in
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID, FakeIdP

ROOT = Path(__file__).resolve().parent.parent

# -- accounts ---------------------------------------------------------------------------------

# An account on Microsoft's URLs, for tests that never talk to an identity provider.
GUID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
TENANT = "contoso.onmicrosoft.com"
SECRET = "Zq8~xVb3.Q0aHt5Lr-9WmYk2Pc7NsD4Fg6Je1Uo"
APP_ONLY_SCOPE = "https://outlook.office365.com/.default"


def make_account(label: str = "work", **kw: Any) -> Account:
    authorize_url, token_url = endpoint_urls(TENANT)
    base: dict[str, Any] = dict(label=label, client_id=GUID, client_secret=SECRET,
                                authorize_url=authorize_url, token_url=token_url)
    base.update(kw)
    return Account(**base)


def fake_account(idp: FakeIdP, label: str = "work", *, public: bool = False, app: bool = False,
                 tenant: str = "contoso.example", **kw: Any) -> Account:
    """An account on the fake's URLs with one of its demo clients: the confidential one, or
    the public one (``public``); ``app``: app-only (client credentials, Exchange's /.default)."""
    base: dict[str, Any] = dict(
        label=label, client_id=DEMO_PUBLIC_CLIENT_ID if public else DEMO_CLIENT_ID,
        client_secret="" if public else DEMO_CLIENT_SECRET,
        client_type="public" if public else "confidential",
        authorize_url=idp.authorize_url(tenant), token_url=idp.token_url(tenant),
        redirect_uri="http://localhost:8400")
    if app:
        base.update(flow="app", token_params=(ParamRow("scope", APP_ONLY_SCOPE),))
    base.update(kw)
    return Account(**base)


def set_state(store: AccountStore, account: Account, **changes: Any) -> TokenState:
    """Change fields of the account's stored token state."""
    state = replace(store.token_state(account), **changes)
    store.save_token_state(state)
    return state


# -- a person in the browser, signing in ----------------------------------------------------------


async def browse(url: str, *, approve: bool = True) -> httpx.Response:
    """Play the person in the browser: open the authorize URL, approve (or cancel) consent
    if the fake asks, and stop at the redirect back to the application (never following it)."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        page = await browser.get(url)
        if page.status_code == 200 and "request_id" in page.text:
            action = unescape(re.search(r'action="([^"]+)"', page.text)[1])  # type: ignore[index]
            request_id = unescape(
                re.search(r'name="request_id" value="([^"]+)"', page.text)[1])  # type: ignore[index]
            page = await browser.post(httpx.URL(url).join(action), data={
                "request_id": request_id, "decision": "approve" if approve else "decline"})
        return page


async def final_location(url: str, *, approve: bool = True) -> str:
    """The address the browser ends on after signing in at ``url``."""
    page = await browse(url, approve=approve)
    assert page.status_code == 302, page.text[:300]
    return page.headers["location"]


async def sign_in(store: AccountStore, account: Account, *, clock: Clock | None = None,
                  expired: bool = False, lifetime: float | None = None) -> Account:
    """Sign ``account`` (already in ``store``) in through the fake as a person would (code
    flow with PKCE) and store the tokens; returns the account as stored, tokens included.

    ``clock``: what the tokens' times are measured on (the real clock by default);
    ``lifetime``: seconds the access token is said to last; ``expired``: it already has not.
    """
    clock = clock or SYSTEM_CLOCK
    async with OAuthService(clock=clock) as service:
        request = service.authorize_request(account)
        answer = parse_answer(await final_location(request.url), request.state)
        result = await service.exchange_code(account, answer.code, request)
    state = await save_sign_in(store, account, result)
    if expired:
        store.save_token_state(replace(state, expires_at=clock.time() - 10))
    elif lifetime is not None:
        store.save_token_state(replace(state, expires_at=clock.time() + lifetime))
    return store.get(account.label)


async def add_signed_in(idp: FakeIdP, store: AccountStore, label: str = "work", *,
                        clock: Clock | None = None, expired: bool = False,
                        lifetime: float | None = None, **kw: Any) -> Account:
    """A ``fake_account`` added to ``store`` and signed in (see ``sign_in``)."""
    account = store.add(fake_account(idp, label, **kw))
    return await sign_in(store, account, clock=clock, expired=expired, lifetime=lifetime)


def signed_in(idp: FakeIdP, store: AccountStore, label: str = "work", *,
              clock: Clock | None = None, expired: bool = False,
              lifetime: float | None = None, **kw: Any) -> Account:
    """``add_signed_in`` for tests that run no event loop of their own."""
    return asyncio.run(add_signed_in(idp, store, label, clock=clock, expired=expired,
                                     lifetime=lifetime, **kw))


# -- text from outside ---------------------------------------------------------------------------

# A label a hostile hand edit (or a restored file) may hold: an OSC sequence that retitles
# the terminal, and a right-to-left override.
HOSTILE_LABEL = "a2\x1b]0;pwned\x07\u202e"
# An error reply a hostile identity provider may send: a CSI that clears the screen, an
# OSC, bidi controls.
HOSTILE_ERROR = {"error": "invalid_grant\x1b[2J",
                 "error_description": "AADSTS70000: the grant\x1b]0;x\x07 is \u2066bad\u2069.",
                 "error_codes": [70000]}


def raw_controls(text: str) -> list[str]:
    """The characters in ``text`` a terminal would act on, or that reorder a line."""
    import unicodedata

    return [c for c in text if (unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs")
                                and c not in "\n\t")
            or unicodedata.bidirectional(c) in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI",
                                                "RLI", "FSI", "PDI", "LRM", "RLM", "ALM")]


# -- a server that answers as told -------------------------------------------------------------


class CannedIdP:
    """A token endpoint on loopback that answers every request with the reply it was
    given (``reply``): what a broken or hostile identity provider sends, which the fake
    never does (it answers as Microsoft would). Use it as a context manager.
    """

    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b"{}"
        self.headers: dict[str, str] = {"Content-Type": "application/json"}
        self.requests = 0
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                canned.requests += 1
                self.send_response(canned.status)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            do_GET = do_POST

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.token_url = f"http://127.0.0.1:{self.server.server_address[1]}/t/oauth2/v2.0/token"
        self.authorize_url = self.token_url.replace("/token", "/authorize")

    def reply(self, body: dict[str, Any] | str, status: int = 200, **headers: str) -> None:
        """Answer from now on with ``body`` (a dict is sent as JSON, as it is: NaN too)."""
        self.body = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.status = status
        self.headers = {"Content-Type": "application/json",
                        **{k.replace("_", "-"): v for k, v in headers.items()}}

    def __enter__(self) -> CannedIdP:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def canned_account(canned: CannedIdP, label: str = "work", **kw: Any) -> Account:
    """A confidential account whose endpoints are ``canned``'s."""
    return make_account(label, authorize_url=canned.authorize_url, token_url=canned.token_url,
                        **kw)


# -- the command line ---------------------------------------------------------------------------


def run(config: Path, *args: str) -> int:
    """`exo-oauth --config CONFIG ARGS` in this process; its exit code."""
    return cli.main(["--config", str(config), *args])


def child_env(**extra: str) -> dict[str, str]:
    """The test's (isolated) environment for a child process, able to import tui."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def exo(*args: str) -> list[str]:
    """The command line of `exo-oauth ARGS` as a child process."""
    return [sys.executable, "-m", "tui", *args]


def loaded_after(code: str) -> set[str]:
    """The modules a fresh Python has loaded after running ``code``."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print('\\n'.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=child_env(), cwd=ROOT, check=True)
    return set(out.stdout.split())


def run_process(*args: str, stdin: str | None = None, **extra_env: str
                ) -> subprocess.CompletedProcess[str]:
    """`exo-oauth ARGS` in a child process, run to its end."""
    return subprocess.run(exo(*args), input=stdin, capture_output=True, text=True,
                          env=child_env(**extra_env), cwd=ROOT, timeout=60, check=False)


# -- time ---------------------------------------------------------------------------------------


class MovableClock(ManualClock):
    """The tests' clock: tui.core.clock.ManualClock (it moves only when told; a sleep moves
    it and returns at once, and is recorded in ``sleeps``), plus what the tests need:

    - ``start=None``: wall time plus however far the test moved it, for code that also meets
      real time (token files, other processes, the fake identity provider);
    - ``idp``: the fake identity provider's clock moves along, so both agree on the time;
    - ``pause``: real seconds each sleep takes as well (an app gets to draw between polls);
    - ``wake_early``: the next N sleeps move time by one second only (a poller that polls
      too soon); ``on_sleep``: called with each sleep's seconds after it (a test stops a
      loop after N passes, or changes a file between two of them).

    Calling it gives the time, so it also serves as the app's clock.
    """

    def __init__(self, start: float | None = None, *, idp: FakeIdP | None = None,
                 pause: float = 0.0) -> None:
        super().__init__(start=0.0 if start is None else start)
        self.wall = start is None  # then ``now`` is how far the test moved the clock
        self.idp = idp
        self.pause = pause
        self.wake_early = 0
        self.on_sleep: Callable[[float], object] | None = None

    @classmethod
    def linked(cls, idp: FakeIdP) -> MovableClock:
        """Manual time from the fake's present on, carrying the fake along."""
        return cls(idp.now(), idp=idp)

    def __call__(self) -> float:
        return self.time()

    def time(self) -> float:
        return time.time() + self.now if self.wall else self.now

    def monotonic(self) -> float:
        return time.monotonic() + self.now if self.wall else super().monotonic()

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        if self.idp is not None:
            self.idp.advance(seconds)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        if self.wake_early:
            self.wake_early -= 1
            self.advance(min(1.0, seconds))
        else:
            self.advance(seconds)
        await asyncio.sleep(self.pause)
        if self.on_sleep is not None:
            self.on_sleep(seconds)
