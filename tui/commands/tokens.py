"""`exo-oauth authorize | token | refresh | test`: signing in and handing out tokens.

Handlers import httpx-backed modules lazily, so building the parser stays cheap;
`token` with a still-valid token never gets here (see tui.fastpath). Progress
and instructions go to stderr, results to stdout, so `$(exo-oauth token X)` and
pipes see only the token.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from tui.core.errors import UsageError

if TYPE_CHECKING:
    from tui.core.doctor.connection import ConnectionCheck
    from tui.core.model import Account, TokenState
    from tui.core.oauth.service import DeviceProgress, OAuthService, TokenResult
    from tui.core.store.account_store import AccountStore

METHODS = ("device", "paste", "loopback", "client-credentials")
FORMATS = ("raw", "header", "json", "xoauth2")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "authorize", help="sign in and store tokens for an account",
        description="Sign in for an account. device (default): enter a short code on any "
        "device's browser. paste: open a link anywhere, then paste back the address the "
        "browser ended on. loopback: a one-shot receiver on 127.0.0.1 (forward it with ssh -L). "
        "client-credentials (default for app-only accounts): the application gets a token "
        "with its own secret; nobody signs in.")
    p.add_argument("label")
    p.add_argument("--method", choices=METHODS, default=None)
    p.add_argument("--port", type=int, metavar="N",
                   help="loopback: port to listen on (default: the redirect URI's port)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                   help="loopback: how long to wait for the browser (default 600)")
    p.set_defaults(func=cmd_authorize)

    p = sub.add_parser("token", help="print a valid access token (refreshing if needed)",
                       description="Print an access token valid for at least --min-valid "
                       "seconds, refreshing it first when needed.")
    p.add_argument("label")
    p.add_argument("--format", choices=FORMATS, default="raw",
                   help="raw token, 'Authorization: Bearer' header, JSON, or SASL XOAUTH2")
    p.add_argument("--user", metavar="EMAIL", help="mailbox address (needed for xoauth2)")
    p.add_argument("--min-valid", type=float, default=300.0, metavar="S",
                   help="refresh unless the token stays valid this long (default 300)")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("refresh", help="refresh tokens now, or keep them fresh (--watch)",
                       description="Refresh the named accounts (or --all) now; with --watch, "
                       "keep every auto-refresh account fresh until stopped. Either way each "
                       "outcome runs the account's hook for it, if the account file sets one.")
    p.add_argument("labels", nargs="*", metavar="LABEL")
    p.add_argument("--all", action="store_true", help="every account in the file")
    p.add_argument("--concurrency", type=int, default=16, metavar="N",
                   help="refreshes in flight at once (default 16)")
    p.add_argument("--watch", action="store_true",
                   help="keep running; refresh auto-refresh accounts before they expire")
    p.add_argument("--keep-alive-days", type=float, default=None, metavar="N",
                   help="with --watch: also refresh accounts without auto-refresh once their "
                        "refresh token has been idle N days (default 30; 0 turns it off)")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("test", help="check the token: call Graph /me (or --url) with it",
                       description="Check a token end to end: GET Graph /me (for the "
                       "account's cloud) or --url, and say whose token it is. An app-only "
                       "account has no user for /me, so without --url it gets its token and "
                       "shows what the token grants (resource, roles, tenant, expiry).")
    p.add_argument("label")
    p.add_argument("--url", help="call this URL instead (for app-only accounts too)")
    p.set_defaults(func=cmd_test)


# -- shared -------------------------------------------------------------------------------


def _store(args: argparse.Namespace) -> AccountStore:
    from tui.core.paths import config_path
    from tui.core.store.account_store import AccountStore

    return AccountStore(config_path(getattr(args, "config", None)))


def make_service() -> OAuthService:
    """The OAuth service the commands use (tests replace it)."""
    from tui.core.oauth.service import OAuthService

    return OAuthService()


def _err(text: str = "") -> None:
    print(text, file=sys.stderr, flush=True)


def _until(epoch: float | None) -> str:
    if not epoch:
        return "an unknown time"
    left = max(0, int(epoch - time.time()))
    return f"{time.strftime('%H:%M', time.localtime(epoch))} (in {left // 60} min)"


# -- authorize ------------------------------------------------------------------------------


def cmd_authorize(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.validate import AUTHORIZE, validate

    store = _store(args)
    account = store.get(args.label)
    problems = [i for i in validate(account, purpose=AUTHORIZE) if i.is_error]
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
        args.method = "client-credentials" if account.is_app_only else "device"
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

    async with make_service() as service:
        if args.method == "client-credentials":
            from tui.core.refresh.single_flight import get_token

            state = await get_token(store, account, service=service, force=True)
            print(f"{account.label}: got an app-only token, valid until "
                  f"{_until(state.expires_at)}; `exo-oauth token {account.label}` gets a new "
                  "one whenever it runs out.")
            return 0
        if args.method == "paste":
            result = await _paste(service, account)
        elif args.method == "loopback":
            result = await _loopback(service, account, args.port, args.timeout)
        else:
            result = await service.run_device_flow(account, _device_progress)
        state = await save_sign_in(store, account, result)
    print(f"{account.label}: signed in; the access token is valid until "
          f"{_until(state.expires_at)}.")
    if not result.refresh_token:
        _err("No refresh token came back, so this sign-in cannot be renewed: add "
             "offline_access to the scope rows to stay signed in.")
    return 0


def _device_progress(step: DeviceProgress) -> None:
    if step.kind == "started":
        device = step.device
        _err(f"To sign in, open {device.verification_uri} in a browser on any device")
        _err(f"and enter the code:  {device.user_code}")
        if device.verification_uri_complete:
            _err(f"(or open {device.verification_uri_complete} directly)")
        _err(f"The code works for {int(device.expires_in) // 60} minutes. Waiting for the "
             "sign-in... (Ctrl-C to give up)")
    elif step.kind == "slow_down":
        _err(f"The identity provider asked us to check less often: now every "
             f"{step.interval:g} s.")


async def _paste(service: OAuthService, account: Account) -> TokenResult:
    from tui.core.oauth.redirect import parse_answer

    request = service.authorize_request(account)
    _err("Open this address in a browser on any machine and sign in:")
    _err()
    _err(request.url)
    _err()
    _err("The browser then ends on a page that may fail to load; that is expected. Copy the "
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
        _err("Open this address in a browser and sign in:")
        _err()
        _err(request.url)
        _err()
        _err(f"The browser must reach 127.0.0.1:{rx.port} on this machine. From another "
             "computer, forward the port first:")
        _err(f"  {ssh_forward_line(rx.port)}")
        _err(f"Waiting up to {timeout / 60:g} minutes for the sign-in... (Ctrl-C to give up)")
        answer = await rx.wait(timeout)
    return await service.exchange_code(account, answer.code, request)


# -- token, refresh, test ---------------------------------------------------------------------


def cmd_token(args: argparse.Namespace) -> int:
    import asyncio

    from tui.fastpath import format_token

    if args.format == "xoauth2" and not args.user:
        raise UsageError("--format xoauth2 needs --user EMAIL (the mailbox to sign in to).")
    if args.min_valid < 0:
        raise UsageError("--min-valid must be 0 or more seconds.")
    store = _store(args)
    account = store.get(args.label)
    state = asyncio.run(_get(store, account, args.min_valid))
    print(format_token(state, args.format, args.user))
    return 0


async def _get(store: AccountStore, account: Account, min_valid: float,
               force: bool = False) -> TokenState:
    from tui.core.errors import NeedsAuthorization
    from tui.core.refresh.single_flight import get_token, reauthorize_hint

    async with make_service() as service:
        state = await get_token(store, account, service=service, min_valid=min_valid,
                                force=force)
    if not state.access_token:
        raise NeedsAuthorization(f"{account.label!r} has no access token; "
                                 f"{reauthorize_hint(account.label)}.")
    return state


def cmd_refresh(args: argparse.Namespace) -> int:
    import asyncio

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1.")
    store = _store(args)
    if args.keep_alive_days is not None and (not args.watch or args.keep_alive_days < 0):
        raise UsageError("--keep-alive-days goes with --watch and must be 0 or more.")
    if args.watch:
        if args.labels or args.all:
            raise UsageError("--watch keeps every auto-refresh account fresh; give no labels.")
        days = 30.0 if args.keep_alive_days is None else args.keep_alive_days
        return asyncio.run(_watch(store, args.concurrency, days))
    if bool(args.labels) == bool(args.all):
        raise UsageError("Name the accounts to refresh, or use --all (not both).")
    # refresh_many reads each token state under its lock: no need to read them all first
    accounts = (store.load(with_tokens=False) if args.all
                else [store.get(label) for label in args.labels])
    if not accounts:
        print("No accounts to refresh.")
        return 0
    return asyncio.run(_refresh(store, accounts, args.concurrency))


def _print_outcome(outcome: Any) -> None:
    label = outcome.account.label
    if outcome.ok:
        print(f"{label}: refreshed, valid until {_until(outcome.state.expires_at)}", flush=True)
    else:
        print(f"{label}: failed: {outcome.error}", flush=True)


async def _refresh(store: AccountStore, accounts: list[Account], concurrency: int) -> int:
    import asyncio

    from tui.core.refresh.single_flight import batch_exit_code, notify, refresh_many

    async with make_service() as service:
        outcomes = await refresh_many(store, accounts, concurrency, service=service,
                                      force=True, on_result=_print_outcome)
    # the hooks `refresh --watch` and the UI run, through the same call; a hook's own
    # trouble is reported on stderr and never changes the exit code
    said: set[str] = set()

    def hook_log(line: str) -> None:  # a mistake in [hooks] would repeat for every account
        if line not in said:
            said.add(line)
            _err(line)

    await asyncio.gather(*(notify(store, o.account, o, log=hook_log) for o in outcomes))
    return batch_exit_code(outcomes)


async def _watch(store: AccountStore, concurrency: int, keep_alive_days: float) -> int:
    import asyncio
    import signal

    from tui.core.refresh.single_flight import watch

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def log(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)

    try:
        async with make_service() as service:
            await watch(store, service=service, stop=stop, log=log, concurrency=concurrency,
                        keep_alive_days=keep_alive_days)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.doctor.connection import report

    store = _store(args)
    account = store.get(args.label)
    found = report(asyncio.run(_test(store, account, args.url)))
    print(f"{account.label}: {found.headline}")
    for line in found.details:
        print(f"  {line}")
    if found.warning:
        _err(f"Warning: {found.warning}")
    return 0


async def _test(store: AccountStore, account: Account, url: str | None) -> ConnectionCheck:
    from tui.core.doctor.connection import check_connection

    async with make_service() as service:
        return await check_connection(store, account, service=service, url=url)
