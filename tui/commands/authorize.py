"""`exo-oauth authorize`: sign in with a device code, a pasted address or a loopback receiver.

Progress and instructions go to stderr; handlers import the httpx-backed core lazily so
building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tui.core.errors import UsageError

from . import common
from .common import err, open_store, until

if TYPE_CHECKING:
    from tui.core.model import Account
    from tui.core.oauth.service import DeviceProgress, OAuthService, TokenResult
    from tui.core.store.account_store import AccountStore

    from .common import Subparsers


METHODS = ("device", "paste", "loopback", "client-credentials")


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "authorize", help="sign in and store tokens for an account",
        description="Sign in for an account. device (default): enter a short code on any "
        "device's browser. paste: open a link anywhere, then paste back the address the "
        "browser ended on. loopback: a one-shot receiver on 127.0.0.1 (forward it with ssh -L). "
        "client-credentials (default for app-only accounts): the application gets a token "
        "with its own secret; nobody signs in.")
    p.add_argument("label")
    p.add_argument("--method", choices=METHODS, default=None,
                   help="default: the method that last worked for this account, else device "
                   "(client-credentials for app-only accounts)")
    p.add_argument("--port", type=int, metavar="N",
                   help="loopback: port to listen on (default: the redirect URI's port)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                   help="loopback: how long to wait for the browser (default 600)")
    p.set_defaults(func=cmd_authorize)


def cmd_authorize(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.validate import validate

    store = open_store(args)
    account = store.get(args.label)
    problems = [i for i in validate(account) if i.is_error]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UsageError(f"{account.label!r} cannot be authorized yet: {problems[0].field}: "
                         f"{problems[0].message}{more}. See `exo-oauth validate "
                         f"{account.label}`.")
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError("--port must be between 1 and 65535.")
    if args.timeout <= 0:
        raise UsageError("--timeout must be more than 0 seconds.")
    if args.method is None:
        from tui.core.model import SIGN_IN_METHODS

        remembered = account.sign_in_method if account.sign_in_method in SIGN_IN_METHODS \
            else ""  # a hand-edited value that names no way of signing in is ignored
        args.method = "client-credentials" if account.is_app_only else (
            remembered or "device")
    if (args.method == "client-credentials") != account.is_app_only:
        raise UsageError(
            f"{account.label!r} is an app-only account: it gets its token with client "
            "credentials, so use --method client-credentials (nobody signs in)."
            if account.is_app_only else
            f"--method client-credentials is for app-only accounts; {account.label!r} signs "
            f"in a person. Make it app-only with `exo-oauth edit {account.label} --flow app`, "
            "or choose device, paste or loopback.")
    return asyncio.run(_authorize(store, account, args))


async def _authorize(store: AccountStore, account: Account, args: argparse.Namespace) -> int:
    from tui.core.refresh.single_flight import save_sign_in

    async with common.make_service() as service:
        if args.method == "client-credentials":
            from tui.core.refresh.single_flight import get_token

            state = await get_token(store, account, service=service, force=True)
            print(f"{account.label}: got an app-only token, valid until "
                  f"{until(state.expires_at)}; `exo-oauth token {account.label}` gets a new "
                  "one whenever it runs out.")
            return 0
        if args.method == "paste":
            result = await _paste(service, account)
        elif args.method == "loopback":
            result = await _loopback(service, account, args.port, args.timeout)
        else:
            result = await _device(service, account)
        state = await save_sign_in(store, account, result)
    _remember(store, account, args.method)
    print(f"{account.label}: signed in; the access token is valid until "
          f"{until(state.expires_at)}.")
    if not result.refresh_token:
        err("No refresh token came back, so this sign-in cannot be renewed: add "
             "offline_access to the scope rows to stay signed in.")
    return 0


async def _device(service: OAuthService, account: Account) -> TokenResult:
    """The device flow; a tenant that refuses it gets the other ways to sign in, exactly."""
    from tui.core.errors import NeedsAuthorization, OAuthError
    from tui.core.oauth.device_policy import device_refusal, explain, other_commands

    try:
        return await service.run_device_flow(account, _device_progress)
    except OAuthError as exc:
        refusal = device_refusal(exc)
        if not refusal:
            raise
        err(explain(refusal) + " Sign in with a browser instead:")
        for command in other_commands(account.label):
            err(f"  {command}")
        raise NeedsAuthorization(f"{account.label!r} is not signed in: device code sign-in "
                                 "did not go through.", oauth_error=exc) from exc


def _remember(store: AccountStore, account: Account, method: str) -> None:
    """The next authorize (and the UI) offers first the method that worked; a failure to
    note it never spoils a sign-in that worked."""
    from tui.core.errors import ExoError

    try:
        store.remember_sign_in(account, method)
    except (ExoError, OSError) as exc:
        err(f"(The sign-in worked, but noting its method in the account file did not: {exc})")


def _device_progress(step: DeviceProgress) -> None:
    if step.kind == "started":
        device = step.device
        err(f"To sign in, open {device.verification_uri} in a browser on any device")
        err(f"and enter the code:  {device.user_code}")
        if device.verification_uri_complete:
            err(f"(or open {device.verification_uri_complete} directly)")
        err(f"The code works for {int(device.expires_in) // 60} minutes. Waiting for the "
             "sign-in... (Ctrl-C to give up)")
    elif step.kind == "slow_down":
        err(f"The identity provider asked us to check less often: now every "
             f"{step.interval:g} s.")


async def _paste(service: OAuthService, account: Account) -> TokenResult:
    from tui.core.oauth.redirect import parse_answer

    request = service.authorize_request(account)
    err("Open this address in a browser on any machine and sign in:")
    err()
    err(request.url)
    err()
    err("The browser then ends on a page that may fail to load; that is expected. Copy the "
         "whole address from its address bar (or just the code) and paste it here:")
    line = await _read_line()
    if not line.strip():
        raise UsageError("Nothing was pasted; run authorize again when you have the address.")
    answer = parse_answer(line, request.state)
    return await service.exchange_code(account, answer.code, request)


async def _read_line() -> str:
    """One line of stdin without tying up asyncio's executor: on Ctrl-C the loop must be
    able to close while the reading thread still waits for input."""
    import asyncio
    import contextlib
    import threading

    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def deliver(line: str) -> None:
        if not future.done():
            future.set_result(line)

    def read() -> None:
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError):
            line = ""
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="exo-stdin", daemon=True).start()
    return await future


async def _loopback(service: OAuthService, account: Account, port: int | None,
                    timeout: float) -> TokenResult:
    from tui.core.oauth.loopback import (
        LoopbackReceiver,
        check_loopback_redirect,
        loopback_redirect,
        redirect_path,
        ssh_forward_line,
    )
    from tui.core.oauth.pkce import new_state

    uri_port = check_loopback_redirect(account.redirect_uri, repr(account.label))
    state = new_state()
    chosen = port if port is not None else (uri_port or 0)
    async with LoopbackReceiver(state=state, path=redirect_path(account.redirect_uri),
                                port=chosen) as rx:
        redirect_uri = loopback_redirect(account.redirect_uri, rx.port)
        request = service.authorize_request(account, redirect_uri=redirect_uri, state=state)
        err("Open this address in a browser and sign in:")
        err()
        err(request.url)
        err()
        err(f"The browser must reach 127.0.0.1:{rx.port} on this machine. From another "
             "computer, forward the port first:")
        err(f"  {ssh_forward_line(rx.port)}")
        err(f"Waiting up to {timeout / 60:g} minutes for the sign-in... (Ctrl-C to give up)")
        answer = await rx.wait(timeout)
    return await service.exchange_code(account, answer.code, request)
