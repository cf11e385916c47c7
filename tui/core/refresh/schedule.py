"""When accounts are refreshed without being asked: one schedule for `refresh --watch`
and the TUI's auto-refresh, so both follow the same rules.

- An account with auto-refresh is refreshed once its access token has less than
  ``margin`` seconds left, judged by the wall clock at every check, so a machine
  that slept through an expiry catches up on its first check after waking. App-only
  accounts with auto-refresh get a new client-credentials token the same way.
- Keep-alive: a delegated account WITHOUT auto-refresh whose refresh token has been
  idle ``keep_alive_days`` (0 turns it off) is refreshed once, which restarts
  Microsoft's 90-day inactivity clock so the sign-in is never lost by accident.
- A failed refresh waits 1, 2, 4 ... minutes (at most 30) before the next try, so
  a broken account does not hammer the identity provider every check.
- An auto-refresh account that needs a sign-in is not tried; it is reported once,
  and again only if it breaks again after somebody fixed it.

No I/O of its own apart from ``run``, which refreshes what ``plan`` chose. Cheap to
import (the TUI holds a schedule from its start): the HTTP side is loaded by ``run``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.health import refresh_token_last_used
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenView

if TYPE_CHECKING:
    from tui.core.clock import Clock
    from tui.core.oauth.service import OAuthService
    from tui.core.store.protocol import Store

    from .batch import RefreshOutcome

CHECK_EVERY_S = 30.0  # the longest wait between two checks
KEEP_ALIVE_DAYS = 30.0
DAY_S = 86400.0
FIRST_RETRY_S = 60.0
MAX_BACKOFF_S = 1800.0

# A token state, or its summary: planning needs no token itself.
Row = tuple[Account, TokenView]


def backoff_s(failures: int) -> float:
    """Seconds to wait after the ``failures``-th failure in a row: 60, 120, 240 ... 1800."""
    return min(MAX_BACKOFF_S, FIRST_RETRY_S * 2.0 ** (max(1, failures) - 1))


def keep_alive_due(state: TokenView, now: float, days: float = KEEP_ALIVE_DAYS) -> bool:
    """Whether a refresh token has been idle ``days`` (0: never), counting from when it was
    last obtained or redeemed; one of unknown age counts as idle."""
    if days <= 0 or not state.has_refresh_token or state.needs_authorization:
        return False
    used = refresh_token_last_used(state)
    return used is None or now - used >= days * DAY_S


def idle_days(state: TokenView, now: float) -> float | None:
    """Days since the refresh token was last obtained or redeemed (None: unknown)."""
    used = refresh_token_last_used(state)
    return None if used is None else (now - used) / DAY_S


@dataclass(frozen=True)
class Plan:
    """What one check should do."""

    due: tuple[Account, ...] = ()  # auto-refresh accounts whose token runs out
    keep_alive: tuple[Row, ...] = ()  # idle refresh tokens to redeem once, with the old state
    needs_sign_in: tuple[Row, ...] = ()  # auto-refresh accounts newly found stuck


@dataclass(frozen=True)
class Check:
    """A check done by ``RefreshSchedule.run``: its plan and the outcomes."""

    plan: Plan
    refreshed: tuple[RefreshOutcome, ...] = ()
    kept_alive: tuple[RefreshOutcome, ...] = ()


@dataclass
class RefreshSchedule:
    """The state of the rules above across checks (back-off, what was already said)."""

    margin: float = DEFAULT_MARGIN_S
    keep_alive_days: float = KEEP_ALIVE_DAYS
    retry_at: dict[str, float] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    told: set[str] = field(default_factory=set)  # "needs a sign-in" already said

    def plan(self, rows: Iterable[Row], now: float) -> Plan:
        due: list[Account] = []
        idle: list[Row] = []
        stuck: list[Row] = []
        for account, state in rows:
            ready = self.retry_at.get(account.id, 0.0) <= now
            if account.auto_refresh and account.is_app_only:
                if ready and not state.is_fresh(self.margin, now):
                    due.append(account)
            elif account.auto_refresh:
                if state.needs_authorization or not state.has_refresh_token:
                    if account.id not in self.told:
                        self.told.add(account.id)
                        stuck.append((account, state))
                    continue
                self.told.discard(account.id)
                if ready and not state.is_fresh(self.margin, now):
                    due.append(account)
            elif (not account.is_app_only and ready
                  and keep_alive_due(state, now, self.keep_alive_days)):
                idle.append((account, state))
        return Plan(tuple(due), tuple(idle), tuple(stuck))

    def succeeded(self, account_id: str) -> None:
        self.failures.pop(account_id, None)
        self.retry_at.pop(account_id, None)

    def failed(self, account_id: str, now: float, *, needs_sign_in: bool = False,
               retry_after: float | None = None) -> float:
        """Record a failure; returns the seconds until the next try (never sooner than the
        server's Retry-After)."""
        if needs_sign_in:
            self.told.add(account_id)  # nothing to retry until somebody signs in
        count = self.failures.get(account_id, 0) + 1
        self.failures[account_id] = count
        delay = max(backoff_s(count), retry_after or 0.0)
        self.retry_at[account_id] = now + delay
        return delay

    def record(self, outcome: RefreshOutcome, now: float) -> None:
        if outcome.ok:
            self.succeeded(outcome.account.id)
        else:
            error = outcome.error
            self.failed(outcome.account.id, now,
                        needs_sign_in=isinstance(error, NeedsAuthorization),
                        retry_after=error.retry_after if isinstance(error, OAuthError) else None)

    async def run(self, store: Store, rows: Iterable[Row], *,
                  service: OAuthService | None = None, concurrency: int,
                  clock: Clock | None = None,
                  whole: Callable[[list[Account]], list[Account]] | None = None,
                  service_of: Callable[[], OAuthService] | None = None) -> Check:
        """One check: plan it at the clock's time, refresh what is due (only while it
        still needs it: another process may have done it), then redeem idle refresh
        tokens; every outcome is recorded as it arrives.

        ``whole``: the rows' accounts came without their secrets (a list's summaries);
        it reads the chosen ones whole (blocking: it runs in a thread) and drops any
        deleted meanwhile. ``service_of`` (with ``clock``) instead of ``service``: the
        service is made only when there is something to refresh (it loads the HTTP
        side, which a check with nothing due never needs)."""
        import asyncio

        if clock is None:
            if service is None:
                raise TypeError("RefreshSchedule.run needs a clock or a service")
            clock = service.clock
        now = clock
        plan = self.plan(rows, now.time())
        due, idle = list(plan.due), [a for a, _ in plan.keep_alive]
        if not due and not idle:
            return Check(plan)
        if whole is not None:
            due, idle = await asyncio.to_thread(lambda: (whole(due), whole(idle)))
        if service is None:
            if service_of is None:
                raise TypeError("RefreshSchedule.run needs a service or service_of")
            service = service_of()

        from .batch import refresh_many  # httpx and the OAuth service: when first needed

        def record(outcome: RefreshOutcome) -> None:
            self.record(outcome, now.time())

        refreshed = await refresh_many(store, due, concurrency, service=service,
                                       force=False, min_valid=self.margin, on_result=record)
        kept = await refresh_many(store, idle, concurrency, service=service, force=True,
                                  min_valid=self.margin, on_result=record)
        return Check(plan, tuple(refreshed), tuple(kept))
