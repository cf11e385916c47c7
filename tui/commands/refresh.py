"""`exo-oauth refresh`: refresh accounts now, or keep them fresh until stopped (--watch).
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from tui.core.errors import UsageError

from . import common
from .common import err, open_store, until

if TYPE_CHECKING:
    from tui.commands.common import Subparsers
    from tui.core.model import Account
    from tui.core.refresh.batch import RefreshOutcome
    from tui.core.store.account_store import AccountStore


def register(sub: Subparsers) -> None:
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


def cmd_refresh(args: argparse.Namespace) -> int:
    import asyncio

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1.")
    store = open_store(args)
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


def _print_outcome(outcome: RefreshOutcome) -> None:
    from tui.core.troubleshoot.crash import shown_error

    label = outcome.account.label
    if outcome.state is not None:
        print(f"{label}: refreshed, valid until {until(outcome.state.expires_at)}", flush=True)
    elif outcome.error is not None:
        print(f"{label}: failed: {shown_error(outcome.error)}", flush=True)


async def _refresh(store: AccountStore, accounts: list[Account], concurrency: int) -> int:
    import asyncio

    from tui.core.refresh.batch import batch_exit_code, refresh_many
    from tui.core.refresh.hook_config import fire_hooks

    async with common.make_service() as service:
        outcomes = await refresh_many(store, accounts, concurrency, service=service,
                                      force=True, on_result=_print_outcome)
    # the hooks `refresh --watch` and the UI run, through the same call; a hook's own
    # trouble is reported on stderr and never changes the exit code
    said: set[str] = set()

    def hook_log(line: str) -> None:  # a mistake in [hooks] would repeat for every account
        if line not in said:
            said.add(line)
            err(line)

    await asyncio.gather(*(fire_hooks(store, o.account, o.result, log=hook_log)
                           for o in outcomes))
    return batch_exit_code(outcomes)


async def _watch(store: AccountStore, concurrency: int, keep_alive_days: float) -> int:
    import asyncio
    import signal

    from tui.core.refresh.watch import watch

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def log(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)

    try:
        async with common.make_service() as service:
            await watch(store, service=service, stop=stop, log=log, concurrency=concurrency,
                        keep_alive_days=keep_alive_days)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0
