"""`exo-oauth token`: print a valid access token, refreshing it first when needed.

A still-valid token never gets here: tui.fastpath answers before the parser is built.
Only the token goes to stdout, so `$(exo-oauth token X)` and pipes see nothing else.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tui import token_options
from tui.core.errors import UsageError

from . import common
from .common import open_store

if TYPE_CHECKING:
    from tui.commands.common import Subparsers
    from tui.core.model import Account, TokenState
    from tui.core.store.account_store import AccountStore


def register(sub: Subparsers) -> None:
    p = sub.add_parser("token", help="print a valid access token (refreshing if needed)",
                       description="Print an access token valid for at least --min-valid "
                       "seconds, refreshing it first when needed.")
    p.add_argument("label")
    for option in token_options.OPTIONS:  # the table the fast path reads too
        p.add_argument(option.flag, dest=option.dest, default=option.default,
                       choices=option.choices, metavar=option.metavar, help=option.help,
                       type=float if option.number else str)
    p.set_defaults(func=cmd_token)


def cmd_token(args: argparse.Namespace) -> int:
    import asyncio

    from tui.fastpath import format_token

    problem = token_options.problem(args.format, args.user, args.min_valid)
    if problem:
        raise UsageError(problem)
    store = open_store(args)
    account = store.get(args.label)
    state = asyncio.run(_get(store, account, args.min_valid))
    print(format_token(state.access_token, args.format, token_type=state.token_type,
                       expires_at=state.expires_at, scope=state.scope, user=args.user))
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
