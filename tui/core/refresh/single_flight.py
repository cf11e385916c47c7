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
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import TypeVar

from tui.core.clock import Clock
from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState
from tui.core.oauth.service import OAuthService, TokenResult
from tui.core.store.protocol import Store
from tui.core.troubleshoot.catalog import match

T = TypeVar("T")

# One asyncio lock per store, event loop and account: coroutines of this process queue
# on it instead of polling the file lock against each other.
_local_locks: weakref.WeakKeyDictionary[Store, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


def _local_lock(store: Store, account: Account) -> asyncio.Lock:
    """One asyncio lock per account and event loop (a UI may run workers on other loops)."""
    key = f"{id(asyncio.get_running_loop())}:{account.id}"
    return _local_locks.setdefault(store, {}).setdefault(key, asyncio.Lock())


@contextlib.asynccontextmanager
async def account_lock(store: Store, account: Account) -> AsyncIterator[None]:
    """The per-account lock, shared by coroutines in this process and by other processes;
    waiting for it never blocks the event loop."""
    async with _local_lock(store, account), store.token_lock(account):
        yield


def reauthorize_hint(label: str) -> str:
    return f"sign in again with `exo-oauth authorize {label}`"


async def get_token(store: Store, account: Account, *, service: OAuthService,
                    min_valid: float = DEFAULT_MARGIN_S, force: bool = False,
                    clock: Clock | None = None,
                    request_gate: asyncio.Semaphore | None = None) -> TokenState:
    """A token state whose access token stays valid at least ``min_valid`` seconds.

    ``force`` refreshes even a valid token (unless another process refreshed it while
    we waited for the lock). ``request_gate``, when given, is held only while the
    request to the identity provider is in flight (see batch.refresh_many).
    """
    clock = clock or service.clock
    stamp: int | None = None
    if force:
        # Only "did anybody refresh while we waited for the lock?" matters, and the
        # token file's stamp answers that without reading it (refresh --all reads
        # hundreds of them on one event loop).
        stamp = store.token_stamp(account)
    else:
        # Token states are read on the loop: one small file, faster than the hand-off to
        # a thread and back (which, with hundreds of refreshes in flight, waits for the GIL).
        seen = store.token_state(account)
        if seen.is_fresh(min_valid, clock.time()):
            return seen
    async with account_lock(store, account):
        changed = force and store.token_stamp(account) != stamp
        state = store.token_state(account)
        now = clock.time()
        if state.is_fresh(min_valid, now) and (not force or changed):
            return state
        gate = request_gate or contextlib.nullcontext()
        if not force and state.is_valid(min_valid, now):
            # Only the refresh the identity provider advised (refresh_in) is due: if it
            # fails, the failure is recorded and the still-valid token serves on.
            try:
                return await _refresh_locked(store, account, state, service, clock, False,
                                             gate)
            except (NeedsAuthorization, OAuthError):
                return store.token_state(account)
        return await _refresh_locked(store, account, state, service, clock, force, gate)


async def _refresh_locked(store: Store, account: Account, state: TokenState,
                          service: OAuthService, clock: Clock, force: bool,
                          gate: AbstractAsyncContextManager[object]) -> TokenState:
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
        failed = _failed(state, exc, clock)
        if exc.needs_authorization:
            await asyncio.to_thread(store.save_token_state,
                                    replace(failed, needs_authorization=True))
            policies = "".join(f"; Conditional Access policy {p}" for p in exc.policy_ids)
            raise NeedsAuthorization(
                f"The refresh token of {label!r} was refused ({_summary(exc)}{policies}); "
                f"{reauthorize_hint(label)}.", oauth_error=exc) from exc
        await asyncio.to_thread(store.save_token_state, failed)
        raise
    new_state = result.apply_to(state)  # keeps the old refresh token when none came back
    await asyncio.to_thread(store.save_token_state, new_state)
    return new_state


async def _client_credentials_locked(store: Store, account: Account, state: TokenState,
                                     service: OAuthService, clock: Clock,
                                     gate: AbstractAsyncContextManager[object]
                                     ) -> TokenState:
    """App-only: a new token from the client secret. No person can fix a refusal by
    signing in, so the state is never marked "needs authorization"; the error is kept."""
    try:
        async with gate:
            result = await service.client_credentials(account)
    except OAuthError as exc:
        await asyncio.to_thread(store.save_token_state, _failed(state, exc, clock))
        raise
    new_state = result.apply_to(state, keep_refresh_token=False)
    await asyncio.to_thread(store.save_token_state, new_state)
    return new_state


def _failed(state: TokenState, exc: OAuthError, clock: Clock) -> TokenState:
    """The state with the failure noted (secret-free), for lists and status to show."""
    return replace(state, last_error=_summary(exc), last_error_id=_catalog_id(exc),
                   last_error_at=clock.time())


def _summary(exc: OAuthError) -> str:
    """A short, secret-free line for the token state: error name and AADSTS code."""
    parts = [exc.error or exc.kind]
    if exc.codes:
        parts.append(f"AADSTS{exc.codes[0]}")
    if exc.status and not exc.error:
        parts.append(f"HTTP {exc.status}")
    return " ".join(parts)


def _catalog_id(exc: OAuthError) -> str:
    """The troubleshooting entry that explains ``exc`` ("" if none)."""
    found = match(exc)
    return found[0].entry.id if found else ""


async def save_sign_in(store: Store, account: Account, result: TokenResult) -> TokenState:
    """Store the tokens of a fresh sign-in (replacing any old refresh token), under the lock."""
    async with account_lock(store, account):
        state = result.apply_to(store.token_state(account), keep_refresh_token=False)
        await asyncio.to_thread(store.save_token_state, state)
    return state


async def after_refresh(store: Store, account: Account, write: Callable[[], T]) -> T:
    """Run a blocking store write (save, rename, delete of ``account``) in a thread once
    no refresh of that account in this process is in flight.

    It queues on the account's asyncio lock instead of the token file lock: a refresh
    of this process holds that lock across its request, and a write waiting for it on
    a thread of its own would time out instead of letting the refresh finish. The
    write's own locks still keep other processes out. Meanwhile the event loop runs.
    """
    async with _local_lock(store, account):
        return await asyncio.to_thread(write)
