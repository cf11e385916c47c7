"""`exo-oauth token`: print a valid access token, refreshing it first when needed.

A still-valid token never gets here: tui.fastpath answers before the parser is built.
Only the token goes to stdout, so `$(exo-oauth token X)` and pipes see nothing else.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tui.core.errors import UsageError

from . import common
from .common import open_store

if TYPE_CHECKING:
    from tui.core.model import Account, TokenState
    from tui.core.store.account_store import AccountStore


FORMATS = ("raw", "header", "json", "xoauth2")


def register(sub: Any) -> None:
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


def cmd_token(args: argparse.Namespace) -> int:
    import asyncio

    from tui.fastpath import format_token

    if args.format == "xoauth2" and not args.user:
        raise UsageError("--format xoauth2 needs --user EMAIL (the mailbox to sign in to).")
    if args.min_valid < 0:
        raise UsageError("--min-valid must be 0 or more seconds.")
    store = open_store(args)
    account = store.get(args.label)
    state = asyncio.run(_get(store, account, args.min_valid))
    print(format_token(state, args.format, args.user))
    return 0


async def _get(store: AccountStore, account: Account, min_valid: float,
               force: bool = False) -> TokenState:
    from tui.core.errors import NeedsAuthorization
    from tui.core.refresh.single_flight import get_token, reauthorize_hint

    async with common.make_service() as service:
        state = await get_token(store, account, service=service, min_valid=min_valid,
                                force=force)
    if not state.access_token:
        raise NeedsAuthorization(f"{account.label!r} has no access token; "
                                 f"{reauthorize_hint(account.label)}.")
    return state
