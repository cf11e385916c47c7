"""`exo-oauth refresh --watch`: keep accounts fresh until stopped, logging what happens.

The rules of when to refresh are the schedule's (schedule.py, shared with the TUI);
this loop reads the accounts, runs a check, logs each outcome, fires hooks, and waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from tui.core.clock import Clock
from tui.core.errors import ExoError, NeedsAuthorization
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.store.protocol import Store
from tui.core.terminal_text import terminal_safe
from tui.core.troubleshoot.crash import shown_error

from .batch import RefreshOutcome
from .hook_config import fire_hooks
from .schedule import CHECK_EVERY_S, KEEP_ALIVE_DAYS, Check, RefreshSchedule, idle_days
from .single_flight import reauthorize_hint

Log = Callable[[str], None]
Fired = tuple[Account, TokenState | BaseException]  # an account and what its hook is told


async def watch(store: Store, *, service: OAuthService, stop: asyncio.Event,
                log: Log, margin: float = DEFAULT_MARGIN_S,
                check_every: float = CHECK_EVERY_S, concurrency: int = 16,
                clock: Clock | None = None, keep_alive_days: float = KEEP_ALIVE_DAYS,
                hooks: bool = True) -> None:
    """Keep every auto-refresh account valid until ``stop`` is set.

    Wakes at least every ``check_every`` seconds (<= 30) and judges expiry by the wall
    clock, so a machine that slept through an expiry refreshes as soon as it wakes.
    Keep-alive (``keep_alive_days``, 0 turns it off) and back-off follow the schedule.
    With ``hooks``, every outcome (and an auto-refresh account found needing a sign-in,
    once per run) fires the account's hook through ``fire_hooks``.
    """
    clock = clock or service.clock
    check_every = min(check_every, CHECK_EVERY_S)
    schedule = RefreshSchedule(margin=margin, keep_alive_days=keep_alive_days)
    said: set[str] = set()

    def hook_log(line: str) -> None:  # a mistake in the hook configuration: once per run
        if not line.startswith("hooks: ") or line not in said:
            said.add(line)
            log(line)

    alive = (f"; keep-alive for the others after {keep_alive_days:g} days idle"
             if keep_alive_days > 0 else "; keep-alive off")
    log(f"watching auto-refresh accounts; refreshing {margin:g} s before expiry{alive}")
    file_problem = ""
    while not stop.is_set():
        now = clock.time()
        try:
            rows = store.load_all()
        except (ExoError, OSError) as exc:  # e.g. a person's half-finished edit: wait it out
            if str(exc) != file_problem:
                file_problem = str(exc)
                log(f"cannot read the accounts ({shown_error(exc)}); trying again in "
                    f"{check_every:g} s")
            rows = []
        else:
            file_problem = ""
        check = await schedule.run(store, rows, service=service, concurrency=concurrency,
                                   clock=clock)
        fired = _log_check(check, log, now)
        if hooks:
            await asyncio.gather(*(fire_hooks(store, account, outcome, log=hook_log)
                                   for account, outcome in fired))
        if stop.is_set():
            break
        await _sleep_or_stop(clock, stop, check_every)
    log("stopped")


def _log_check(check: Check, log: Log, now: float) -> list[Fired]:
    """Log one check; returns what happened to whom, for the hooks."""
    fired: list[Fired] = []
    for account, state in check.plan.needs_sign_in:
        hint = reauthorize_hint(account.label)
        log(terminal_safe(f"{account.label}: needs a sign-in ({hint})"))
        why = f" ({state.last_error})" if state.last_error else ""
        fired.append((account, NeedsAuthorization(
            f"{account.label!r} needs a sign-in{why}; {hint}.")))
    for outcome in check.refreshed:
        _log_outcome(outcome, log)
    idle = {account.id: idle_days(state, now) for account, state in check.plan.keep_alive}
    for outcome in check.kept_alive:
        days = idle[outcome.account.id]
        since = "an unknown time" if days is None else f"{days:.0f} days"
        _log_outcome(outcome, log, note=f" (keep-alive: its refresh token had been idle "
                                        f"{since})")
    fired += [(o.account, o.result) for o in (*check.refreshed, *check.kept_alive)]
    return fired


def _log_outcome(outcome: RefreshOutcome, log: Log, note: str = "") -> None:
    label = terminal_safe(outcome.account.label)
    if outcome.state is not None:
        until = outcome.state.expires_at
        when = time.strftime("%H:%M:%S", time.localtime(until)) if until else "unknown"
        log(f"{label}: refreshed{note}, valid until {when}")
    elif outcome.error is not None:
        log(f"{label}: refresh failed{note}: {shown_error(outcome.error)}")


async def _sleep_or_stop(clock: Clock, stop: asyncio.Event, seconds: float) -> None:
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
