"""Refreshing many accounts at once (`refresh --all`, watch, the TUI's auto-refresh).

Each account goes through ``get_token`` (single-flight), so a batch and any other
process never refresh the same account twice. One account's failure is its own
outcome; it never stops the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tui.core.errors import ExitCode, ExoError
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.store.protocol import Store

from .single_flight import get_token


@dataclass(frozen=True)
class RefreshOutcome:
    """One account's result in a batch: ``state`` on success, else ``error``."""

    account: Account
    state: TokenState | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def result(self) -> TokenState | BaseException:
        """What happened, in the shape the hooks take: the new state or the failure."""
        if self.error is not None:
            return self.error
        assert self.state is not None, "an outcome holds a state or an error"
        return self.state


async def refresh_many(store: Store, accounts: Iterable[Account], concurrency: int = 16, *,
                       service: OAuthService, force: bool = True,
                       min_valid: float = DEFAULT_MARGIN_S,
                       on_result: Callable[[RefreshOutcome], None] | None = None,
                       ) -> list[RefreshOutcome]:
    """Refresh many accounts with at most ``concurrency`` requests in flight; never raises
    for one account's failure (see each outcome).

    The limit applies to requests, not to the local work around them: while one account
    saves its new tokens (under its lock), the next account's request is already out.
    Twice as many accounts as requests are in progress at most, so a file of thousands
    holds a bounded number of locks.
    """
    requests = asyncio.Semaphore(max(1, concurrency))
    in_progress = asyncio.Semaphore(2 * max(1, concurrency))

    async def one(account: Account) -> RefreshOutcome:
        async with in_progress:
            try:
                state = await get_token(store, account, service=service, min_valid=min_valid,
                                        force=force, request_gate=requests)
                outcome = RefreshOutcome(account, state=state)
            except Exception as exc:  # a bug for one account must not sink the batch
                outcome = RefreshOutcome(account, error=exc)
        if on_result is not None:
            on_result(outcome)
        return outcome

    return list(await asyncio.gather(*(one(a) for a in accounts)))


def batch_exit_code(outcomes: Sequence[RefreshOutcome]) -> int:
    """0 when all succeeded; 4 when every failure needs a sign-in; else the first failure's."""
    codes = [int(o.error.exit_code) if isinstance(o.error, ExoError) else ExitCode.UNEXPECTED
             for o in outcomes if o.error is not None]
    if not codes:
        return ExitCode.OK
    others = [c for c in codes if c != ExitCode.NEEDS_AUTHORIZATION]
    return others[0] if others else ExitCode.NEEDS_AUTHORIZATION
