"""A usable access token for an account: refresh only when needed, once across processes.

``get_token`` is single-flight: the state is re-read after the per-account lock is
taken, so when many processes ask at once exactly one refresh reaches the identity
provider and the rest use its result. A rotated refresh token is saved (atomically,
by the store) before the new access token is handed out; when none comes back the
old one is kept. A refused refresh token marks the token state "needs
authorization" (the configuration is never touched) and raises NeedsAuthorization.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from tui.core.clock import Clock
from tui.core.errors import ExoError, NeedsAuthorization, OAuthError
from tui.core.health import refresh_token_last_used
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState
from tui.core.oauth.service import OAuthService, TokenResult

# notify: the one call the UI and watch use to fire an account's hooks (re-exported here)
from .hook_config import hook_event as hook_event
from .hook_config import notify

# Waiting for another process's lock blocks a thread; those waits get their own pool
# so they can never starve the work a lock holder needs to finish.
_lock_pool: ThreadPoolExecutor | None = None
_local_locks: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


def _pool() -> ThreadPoolExecutor:
    global _lock_pool
    if _lock_pool is None:
        _lock_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="exo-lock")
    return _lock_pool


def _local_lock(store: Any, account: Account) -> asyncio.Lock:
    """One asyncio lock per account and event loop (a UI may run workers on other loops)."""
    key = f"{id(asyncio.get_running_loop())}:{account.id}"
    try:
        locks = _local_locks.setdefault(store, {})
    except TypeError:  # a store that cannot be weakly referenced: no in-process sharing
        return asyncio.Lock()
    return locks.setdefault(key, asyncio.Lock())


@contextlib.asynccontextmanager
async def account_lock(store: Any, account: Account) -> AsyncIterator[None]:
    """The per-account lock, shared by coroutines in this process and by other processes."""
    async with _local_lock(store, account):
        lock = store.token_lock(account)
        if hasattr(lock, "__aenter__"):  # waits without blocking the event loop
            async with lock:
                yield
            return
        future = asyncio.get_running_loop().run_in_executor(_pool(), lock.__enter__)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:  # release the lock once the thread gets it
            future.add_done_callback(
                lambda f: f.cancelled() or f.exception() or lock.__exit__(None, None, None))
            raise
        try:
            yield
        finally:
            lock.__exit__(None, None, None)


def reauthorize_hint(label: str) -> str:
    return f"sign in again with `exo-oauth authorize {label}`"


def _stamp(store: Any, account: Account) -> int | None:
    """The token file's change stamp; None for stores that cannot tell (tests, memory)."""
    stamp = getattr(store, "token_stamp", None)
    return stamp(account) if stamp is not None else None


async def get_token(store: Any, account: Account, *, service: OAuthService,
                    min_valid: float = DEFAULT_MARGIN_S, force: bool = False,
                    clock: Clock | None = None,
                    request_gate: asyncio.Semaphore | None = None) -> TokenState:
    """A token state whose access token stays valid at least ``min_valid`` seconds.

    ``force`` refreshes even a valid token (unless another process refreshed it while
    we waited for the lock). ``request_gate``, when given, is held only while the
    request to the identity provider is in flight (see refresh_many).
    """
    clock = clock or service.clock
    if force:
        # Only "did anybody refresh while we waited for the lock?" matters, and the
        # token file's stamp answers that without reading it (refresh --all reads
        # hundreds of them on one event loop).
        stamp = _stamp(store, account)
    else:
        # Token states are read on the loop: one small file, faster than the hand-off to
        # a thread and back (which, with hundreds of refreshes in flight, waits for the GIL).
        seen = store.token_state(account)
        if seen.is_valid(min_valid, clock.time()):
            return seen
    async with account_lock(store, account):
        changed = force and _stamp(store, account) != stamp
        state = store.token_state(account)
        if state.is_valid(min_valid, clock.time()) and (not force or changed):
            return state
        return await _refresh_locked(store, account, state, service, clock, force,
                                     request_gate or contextlib.nullcontext())


async def _refresh_locked(store: Any, account: Account, state: TokenState,
                          service: OAuthService, clock: Clock, force: bool,
                          gate: contextlib.AbstractAsyncContextManager[Any]) -> TokenState:
    label = account.label
    if account.is_app_only:
        return await _client_credentials_locked(store, account, state, service, clock, gate)
    if not state.refresh_token:
        raise NeedsAuthorization(f"{label!r} has no refresh token; {reauthorize_hint(label)}.")
    if state.needs_authorization and not force:
        why = f" ({state.last_error})" if state.last_error else ""
        raise NeedsAuthorization(f"{label!r} needs a new sign-in: its refresh token was "
                                 f"refused{why}; {reauthorize_hint(label)}.")
    try:
        async with gate:
            result = await service.refresh(account, state.refresh_token)
    except OAuthError as exc:
        failed = replace(state, last_error=_summary(exc), last_error_id=_catalog_id(exc),
                         last_error_at=clock.time())
        if exc.needs_authorization:
            store.save_token_state(replace(failed, needs_authorization=True))
            err = NeedsAuthorization(
                f"The refresh token of {label!r} was refused ({_summary(exc)}); "
                f"{reauthorize_hint(label)}.")
            err.oauth_error = exc  # type: ignore[attr-defined]
            raise err from exc
        store.save_token_state(failed)
        raise
    new_state = result.apply_to(state)  # keeps the old refresh token when none came back
    await asyncio.to_thread(store.save_token_state, new_state)
    return new_state


async def _client_credentials_locked(store: Any, account: Account, state: TokenState,
                                     service: OAuthService, clock: Clock,
                                     gate: contextlib.AbstractAsyncContextManager[Any]
                                     ) -> TokenState:
    """App-only: a new token from the client secret. No person can fix a refusal by
    signing in, so the state is never marked "needs authorization"; the error is kept."""
    try:
        async with gate:
            result = await service.client_credentials(account)
    except OAuthError as exc:
        store.save_token_state(replace(state, last_error=_summary(exc),
                                       last_error_id=_catalog_id(exc),
                                       last_error_at=clock.time()))
        raise
    new_state = result.apply_to(state, keep_refresh_token=False)
    await asyncio.to_thread(store.save_token_state, new_state)
    return new_state


def _summary(exc: OAuthError) -> str:
    """A short, secret-free line for the token state: error name and AADSTS code."""
    parts = [exc.error or exc.kind]
    if exc.codes:
        parts.append(f"AADSTS{exc.codes[0]}")
    if exc.status and not exc.error:
        parts.append(f"HTTP {exc.status}")
    return " ".join(parts)


def _catalog_id(exc: BaseException) -> str:
    try:
        from tui.core.troubleshoot.catalog import match
    except ImportError:
        return ""
    try:
        found = match(exc)
    except Exception:
        return ""
    for item in found or ():
        ident = getattr(item, "id", None) or getattr(getattr(item, "entry", None), "id", None)
        if ident:
            return str(ident)
    return ""


async def save_sign_in(store: Any, account: Account, result: TokenResult) -> TokenState:
    """Store the tokens of a fresh sign-in (replacing any old refresh token), under the lock."""
    async with account_lock(store, account):
        state = result.apply_to(store.token_state(account), keep_refresh_token=False)
        await asyncio.to_thread(store.save_token_state, state)
    return state


@dataclass(frozen=True)
class RefreshOutcome:
    """One account's result in a batch: ``state`` on success, else ``error``."""

    account: Account
    state: TokenState | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


async def refresh_many(store: Any, accounts: Iterable[Account], concurrency: int = 16, *,
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
            except (ExoError, OSError) as exc:
                outcome = RefreshOutcome(account, error=exc)
            except Exception as exc:  # a bug for one account must not sink the batch
                outcome = RefreshOutcome(account, error=exc)
        if on_result is not None:
            on_result(outcome)
        return outcome

    return list(await asyncio.gather(*(one(a) for a in accounts)))


def batch_exit_code(outcomes: Sequence[RefreshOutcome]) -> int:
    """0 when all succeeded; 4 when every failure needs a sign-in; else the first failure's."""
    failures = [o.error for o in outcomes if o.error is not None]
    if not failures:
        return 0
    codes = [int(getattr(e, "exit_code", 1)) for e in failures]
    others = [c for c in codes if c != 4]
    return others[0] if others else 4


# -- watch: auto-refresh, keep-alive, hooks --------------------------------------------------

KEEP_ALIVE_DAYS = 30.0
_DAY_S = 86400.0


def keep_alive_due(state: TokenState, now: float, days: float = KEEP_ALIVE_DAYS) -> bool:
    """Whether a refresh token has been idle ``days`` (0: never), counting from when it was
    last obtained or redeemed; one of unknown age counts as idle. Refreshing it restarts
    Microsoft's 90-day inactivity clock."""
    if days <= 0 or not state.refresh_token or state.needs_authorization:
        return False
    used = refresh_token_last_used(state)
    return used is None or now - used >= days * _DAY_S


def _load_all(store: Any) -> list[tuple[Account, TokenState]]:
    if hasattr(store, "load_all"):  # reads each token state once
        return list(store.load_all())
    return [(a, store.token_state(a)) for a in store.load()]


async def watch(store: Any, *, service: OAuthService, stop: asyncio.Event,
                log: Callable[[str], None], margin: float = DEFAULT_MARGIN_S,
                check_every: float = 30.0, concurrency: int = 16,
                clock: Clock | None = None, keep_alive_days: float = KEEP_ALIVE_DAYS,
                hooks: bool = True) -> None:
    """Keep every auto-refresh account valid until ``stop`` is set.

    Wakes at least every ``check_every`` seconds (<= 30) and judges expiry by the wall
    clock, so a machine that slept through an expiry refreshes as soon as it wakes.
    A failing account is retried after 1, 2, 4 ... minutes (at most 30). App-only
    accounts with auto-refresh get a new client-credentials token before expiry.
    Keep-alive: an account WITHOUT auto-refresh whose refresh token has been idle
    ``keep_alive_days`` (0 turns it off) is refreshed once and logged, so Microsoft's
    90-day inactivity limit is never reached by accident. With ``hooks``, every
    outcome (and an auto-refresh account found needing a sign-in, once per run)
    fires the account's hook through ``notify``.
    """
    clock = clock or service.clock
    check_every = min(check_every, 30.0)
    retry_at: dict[str, float] = {}
    failures: dict[str, int] = {}
    reported: set[str] = set()
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
            rows = _load_all(store)
        except (ExoError, OSError) as exc:  # e.g. a person's half-finished edit: wait it out
            if str(exc) != file_problem:
                file_problem = str(exc)
                log(f"cannot read the accounts ({exc}); trying again in {check_every:g} s")
            rows = []
        else:
            file_problem = ""
        due: list[Account] = []
        idle: list[Account] = []
        signals: list[tuple[Account, BaseException]] = []
        for account, state in rows:
            ready = retry_at.get(account.id, 0.0) <= now
            if account.auto_refresh and account.is_app_only:
                if ready and not state.is_valid(margin, now):
                    due.append(account)
            elif account.auto_refresh:
                if state.needs_authorization or not state.refresh_token:
                    if account.id not in reported:
                        reported.add(account.id)
                        hint = reauthorize_hint(account.label)
                        log(f"{account.label}: needs a sign-in ({hint})")
                        why = f" ({state.last_error})" if state.last_error else ""
                        signals.append((account, NeedsAuthorization(
                            f"{account.label!r} needs a sign-in{why}; {hint}.")))
                    continue
                reported.discard(account.id)
                if ready and not state.is_valid(margin, now):
                    due.append(account)
            elif not account.is_app_only and ready and keep_alive_due(state, now,
                                                                       keep_alive_days):
                idle.append(account)
        outcomes = await refresh_many(store, due, concurrency, service=service, force=False,
                                      min_valid=margin)
        for outcome in outcomes:
            _log_outcome(outcome, log, clock, retry_at, failures, reported)
        states = {a.id: s for a, s in rows}
        kept = await refresh_many(store, idle, concurrency, service=service, force=True,
                                  min_valid=margin)
        for outcome in kept:
            used = refresh_token_last_used(states[outcome.account.id])
            days = "an unknown time" if used is None else f"{(now - used) / _DAY_S:.0f} days"
            _log_outcome(outcome, log, clock, retry_at, failures, reported,
                         note=f" (keep-alive: its refresh token had been idle {days})")
        if hooks:
            fired = [*signals, *((o.account, o) for o in (*outcomes, *kept))]
            await asyncio.gather(*(notify(store, a, o, log=hook_log) for a, o in fired))
        if stop.is_set():
            break
        await _sleep_or_stop(clock, stop, check_every)
    log("stopped")


def _log_outcome(outcome: RefreshOutcome, log: Callable[[str], None], clock: Clock,
                 retry_at: dict[str, float], failures: dict[str, int], reported: set[str],
                 note: str = "") -> None:
    account = outcome.account
    if outcome.state is not None:
        failures.pop(account.id, None)
        retry_at.pop(account.id, None)
        until = outcome.state.expires_at
        when = time.strftime("%H:%M:%S", time.localtime(until)) if until else "unknown"
        log(f"{account.label}: refreshed{note}, valid until {when}")
        return
    if isinstance(outcome.error, NeedsAuthorization):
        reported.add(account.id)
    count = failures.get(account.id, 0) + 1
    failures[account.id] = count
    delay = min(1800.0, 60.0 * 2 ** (count - 1))
    retry_at[account.id] = clock.time() + delay
    log(f"{account.label}: refresh failed{note}: {outcome.error}")


async def _sleep_or_stop(clock: Clock, stop: asyncio.Event, seconds: float) -> None:
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, stopper):
            task.cancel()
