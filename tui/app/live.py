"""Auto-refresh bookkeeping while the TUI runs: who is due, and backing off failures.

No Textual here. The app asks ``due()`` on every check (at least every 30 s, by
the wall clock, so a machine that slept catches up on waking) and reports each
outcome back. A failing account waits 1, 2, 4 ... minutes (at most 30) before the
next try, so a broken account does not toast every half minute; the same rules as
`exo-oauth refresh --watch`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState

AUTO_REFRESH_EVERY_S = 30.0
MAX_BACKOFF_S = 1800.0


@dataclass
class AutoRefresh:
    margin: float = DEFAULT_MARGIN_S
    retry_at: dict[str, float] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    told: set[str] = field(default_factory=set)  # "needs a sign-in" already said once

    def due(self, rows: Iterable[tuple[Account, TokenState]],
            now: float) -> tuple[list[Account], list[tuple[Account, TokenState]]]:
        """(accounts to refresh now, auto-refresh accounts newly found needing a sign-in)."""
        refresh: list[Account] = []
        stuck: list[tuple[Account, TokenState]] = []
        for account, state in rows:
            if not account.auto_refresh:
                continue
            if not account.is_app_only and (state.needs_authorization
                                            or not state.refresh_token):
                if account.id not in self.told:
                    self.told.add(account.id)
                    stuck.append((account, state))
                continue
            self.told.discard(account.id)
            if self.retry_at.get(account.id, 0.0) > now:
                continue
            if not state.is_valid(self.margin, now):
                refresh.append(account)
        return refresh, stuck

    def succeeded(self, account_id: str) -> None:
        self.failures.pop(account_id, None)
        self.retry_at.pop(account_id, None)

    def failed(self, account_id: str, now: float, *, needs_sign_in: bool = False) -> float:
        """Record a failure; returns the seconds until the next try."""
        if needs_sign_in:
            self.told.add(account_id)  # nothing to retry until somebody signs in
        count = self.failures.get(account_id, 0) + 1
        self.failures[account_id] = count
        delay = min(MAX_BACKOFF_S, 60.0 * 2 ** (count - 1))
        self.retry_at[account_id] = now + delay
        return delay
