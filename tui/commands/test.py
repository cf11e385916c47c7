"""`exo-oauth test`: check a token end to end (Graph /me, --url, or what an app-only token grants).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from . import common
from .common import err, open_store

if TYPE_CHECKING:
    from tui.core.doctor.connection import ConnectionCheck
    from tui.core.model import Account
    from tui.core.store.account_store import AccountStore

    from .common import Subparsers


def register(sub: Subparsers) -> None:
    p = sub.add_parser("test", help="check the token: call Graph /me (or --url) with it",
                       description="Check a token end to end: GET Graph /me (for the "
                       "account's cloud) or --url, and say whose token it is. An app-only "
                       "account has no user for /me, so without --url it gets its token and "
                       "shows what the token grants (resource, roles, tenant, expiry).")
    p.add_argument("label")
    p.add_argument("--url", help="call this URL instead (for app-only accounts too)")
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.doctor.connection import report

    store = open_store(args)
    account = store.get(args.label)
    found = report(asyncio.run(_test(store, account, args.url)))
    print(f"{account.label}: {found.headline}")
    for line in found.details:
        print(f"  {line}")
    if found.warning:
        err(f"Warning: {found.warning}")
    return 0


async def _test(store: AccountStore, account: Account, url: str | None) -> ConnectionCheck:
    from tui.core.doctor.connection import check_connection

    async with common.make_service() as service:
        return await check_connection(store, account, service=service, url=url)
