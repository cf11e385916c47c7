"""A client's local login, then the account's token and the upstream login.

``Gate.check`` decides locally (address listed by an account, password matches
its hash) and never touches the network, so a wrong password or unknown address
costs the mail server nothing. ``Gate.open`` gets a token valid for at least five
minutes through the single-flight ``get_token`` (one refresh across every
exo-oauth process) and logs in upstream. Every failure after a correct local
password is temporary for the client and explained in the log: which account,
which troubleshooting entry, and the fix; the account's hooks fire as for a
failed refresh.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tui.core.clock import Clock
from tui.core.errors import ExoError, NeedsAuthorization, OAuthError
from tui.core.model import DEFAULT_MARGIN_S, Account
from tui.core.oauth.service import OAuthService
from tui.core.refresh.hook_config import fire_hooks
from tui.core.refresh.single_flight import get_token
from tui.core.terminal_text import terminal_safe

from . import users
from .errors import UpstreamRefused, UpstreamUnavailable
from .limiter import FailureLimiter
from .logline import MAX_SHOWN, Log, SessionLog
from .passwords import VerifiedCache, verify_password
from .upstream import LoggedIn, Upstream, login

# A hook for the same account and event fires at most this often.
HOOK_QUIET_S = 300.0


class Refused(Exception):
    """The local login failed (unknown address or wrong password); ``why`` is for the log."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Temporary(Exception):
    """The password was right, but the upstream login cannot happen now; ``reason`` is the
    short text the client sees."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Entry:
    account: Account
    patterns: tuple[str, ...]


class Gate:
    """Local password checks, tokens and upstream logins for every listener."""

    def __init__(self, store: Any, service: OAuthService, *, labels: Sequence[str] = (),
                 upstream_context: ssl.SSLContext, log: Log,
                 limiter: FailureLimiter | None = None, clock: Clock | None = None,
                 min_valid: float = DEFAULT_MARGIN_S) -> None:
        self.store = store
        self.service = service
        self.labels = tuple(labels)
        self.context = upstream_context
        self.log = log
        self.limiter = limiter or FailureLimiter()
        self.clock = clock or service.clock
        self.min_valid = min_valid
        self.cache = VerifiedCache()
        self._accounts: tuple[tuple[int, int, int], list[_Entry]] | None = None
        self._hooks_fired: dict[tuple[str, str], float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._verifying: dict[bytes, asyncio.Future[bool]] = {}

    # -- accounts ---------------------------------------------------------------------------
    def _signature(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.store.path)
        except OSError:
            return (0, 0, 0)
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def entries(self) -> list[_Entry]:
        """Accounts with proxy users (only the chosen labels), re-read after every edit."""
        signature = self._signature()
        if self._accounts is not None and self._accounts[0] == signature:
            return self._accounts[1]
        accounts = self.store.load(with_tokens=False)
        chosen = [a for a in accounts if not self.labels or a.label in self.labels]
        found = [_Entry(a, tuple(a.proxy_users)) for a in chosen if a.proxy_users]
        self._accounts = (signature, found)
        return found

    # -- the local check ----------------------------------------------------------------------
    async def check(self, address: str, password: str, host: str, slog: SessionLog) -> Account:
        """The account ``address`` may use with ``password``; Refused (after the slow-down
        for repeated failures from ``host``) otherwise."""
        slog.user = address
        try:
            entries = await asyncio.to_thread(self.entries)
        except (ExoError, OSError) as exc:
            slog(f"cannot read the accounts: {terminal_safe(str(exc), limit=MAX_SHOWN)}")
            raise Temporary("the proxy cannot read its accounts; see its log") from exc
        found = users.candidates(((e.account, e.patterns) for e in entries), address)
        why = "no account lists this address as a proxy user"
        for account in found:
            stored = account.proxy_password_hash
            if not stored:
                why = f"account {account.label!r} has no proxy password yet"
                continue
            if await self._verify(password, stored):
                self.limiter.succeeded(host)
                return account
            why = "wrong password"
        delay = self.limiter.failed(host)
        count = self.limiter.failures(host)
        slowed = f"; answered after {delay:g} s ({count} failures from {host})" if delay else ""
        slog(f"login refused: {why}{slowed}")
        if delay:
            await asyncio.sleep(delay)
        raise Refused(why)

    async def _verify(self, password: str, stored: str) -> bool:
        """The slow check, once for many clients logging in at the same moment."""
        if self.cache.known(password, stored):
            return True
        key = self.cache.tag(password, stored)
        pending = self._verifying.get(key)
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(verify_password, password, stored))
            self._verifying[key] = pending
            pending.add_done_callback(lambda _: self._verifying.pop(key, None))
        ok = await asyncio.shield(pending)
        if ok:
            self.cache.remember(password, stored)
        return ok

    # -- token and upstream ------------------------------------------------------------------
    async def open(self, account: Account, address: str, up: Upstream,
                   slog: SessionLog) -> LoggedIn:
        """Token, then the upstream login; Temporary (logged, hooks fired) on any failure."""
        try:
            state = await get_token(self.store, account, service=self.service,
                                    min_valid=self.min_valid, clock=self.clock)
        except (ExoError, OSError) as exc:
            self._explain(account, exc, slog)
            raise Temporary(_client_reason(exc)) from exc
        try:
            session = await login(up, address, state.access_token, self.context)
        except (UpstreamRefused, UpstreamUnavailable) as exc:
            self._explain(account, exc, slog)
            raise Temporary(_client_reason(exc)) from exc
        left = state.valid_for(self.clock.time())
        slog(f"logged in upstream at {up.where} with account {account.label!r} "
             f"(token valid {int(left // 60)} min)")
        return session

    def _explain(self, account: Account, exc: BaseException, slog: SessionLog) -> None:
        entry_id, title, fix = _advice(exc, account.label)
        why = terminal_safe(str(exc), limit=300)
        slog(f"no upstream login with account {account.label!r} (the client is told to "
             f"try again later): {why} "
             f"[{entry_id}: {title}]; fix: {fix}")
        if isinstance(exc, UpstreamUnavailable):
            return  # the mail server is down or untrusted: not the account's token
        self._fire_hook(account, exc)

    def _fire_hook(self, account: Account, exc: BaseException) -> None:
        event = "needs_authorization" if isinstance(exc, NeedsAuthorization) else "failure"
        key = (account.id, event)
        now = time.monotonic()
        if now - self._hooks_fired.get(key, -HOOK_QUIET_S) < HOOK_QUIET_S:
            return
        self._hooks_fired[key] = now
        task = asyncio.get_running_loop().create_task(
            fire_hooks(self.store, account, exc, log=self.log))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_hooks(self, timeout: float) -> None:
        """Give running hooks a moment to finish (on shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def _client_reason(exc: BaseException) -> str:
    """A short reason for the client; never a secret, never the server's own words."""
    if isinstance(exc, NeedsAuthorization):
        return "the account behind this address needs a new sign-in"
    if isinstance(exc, UpstreamRefused):
        return "the mail server refused the account's token"
    if isinstance(exc, UpstreamUnavailable):
        return "the mail server cannot be reached"
    if isinstance(exc, OAuthError):
        return "no access token could be obtained"
    return "the proxy could not log in upstream"


def _advice(exc: BaseException, label: str) -> tuple[str, str, str]:
    """(catalog entry id, its title, its first step) for a failure."""
    from tui.core.troubleshoot import catalog

    own = getattr(exc, "entry", None)
    entry = catalog.get(own) if isinstance(own, str) else None
    if entry is None:
        found = catalog.match(exc)
        entry = found[0].entry if found else None
    if entry is None:
        return "unknown", "no catalog entry", f"see `exo-oauth doctor {label}`"
    steps = catalog.resolution_for(entry, label)
    return entry.id, entry.title, steps[0] if steps else f"see `exo-oauth troubleshoot {entry.id}`"
