"""Helpers for the proxy tests: signed-in accounts with proxy users, a proxy in the test's
event loop, and blocking mail clients run in threads."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace

from tests.helpers import fake_account, sign_in
from tests.mail.dovecot import Dovecot
from tui.core.clock import SystemClock
from tui.core.model import Account
from tui.core.oauth.service import OAuthService
from tui.core.proxy.limiter import FailureLimiter
from tui.core.proxy.passwords import hash_password
from tui.core.proxy.server import Bound
from tui.core.proxy.setup import ProxyOptions, make_server
from tui.core.proxy.upstream import Upstream
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_USER_UPN, FakeIdP

USER = DEMO_USER_UPN
PASSWORD = "local-Proxy-pass-123"
_HASHES: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """One slow hash per password for the whole test run."""
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


async def proxy_account(idp: FakeIdP, store: AccountStore, label: str = "work", *,
                        users: Sequence[str] = (USER,), password: str | None = PASSWORD,
                        expired: bool = False, signed_in: bool = True) -> Account:
    account = store.add(fake_account(idp, label=label, proxy_users=tuple(users),
                                     proxy_password_hash=password_hash(password)
                                     if password else ""))
    if signed_in:
        await sign_in(store, account, expired=expired)
    return account


class FakeClock(SystemClock):
    """The fake identity provider's time, so both sides agree when a token expired."""

    def __init__(self, idp: FakeIdP) -> None:
        self.idp = idp

    def time(self) -> float:
        return self.idp.now()


def upstreams(server: Dovecot, *, implicit: bool = False) -> dict[str, Upstream]:
    if implicit:
        return {"imap": Upstream("imap", "localhost", server.imaps, True),
                "pop": Upstream("pop", "localhost", server.pop3s, True),
                "smtp": Upstream("smtp", "localhost", server.submissions, True)}
    return {"imap": Upstream("imap", "localhost", server.imap, False),
            "pop": Upstream("pop", "localhost", server.pop3, False),
            "smtp": Upstream("smtp", "localhost", server.submission, False)}


@dataclass
class Running:
    bound: list[Bound]
    lines: list[str] = field(default_factory=list)

    def port(self, kind: str) -> int:
        return next(b.port for b in self.bound if b.kind == kind)

    def log(self) -> str:
        return "\n".join(self.lines)


@contextlib.asynccontextmanager
async def running_proxy(store: AccountStore, server: Dovecot, idp: FakeIdP, *,
                        implicit: bool = False, limiter: FailureLimiter | None = None,
                        **options: object) -> AsyncIterator[Running]:
    """The proxy on free loopback ports in front of ``server``, in this event loop."""
    opts = ProxyOptions(ports={"imap": 0, "pop": 0, "smtp": 0},
                        upstreams=upstreams(server, implicit=implicit),
                        upstream_ca=str(server.ca.ca_cert))
    opts = replace(opts, **options)  # type: ignore[arg-type]
    lines: list[str] = []
    async with OAuthService(clock=FakeClock(idp)) as service:
        proxy, gate = make_server(store, service, opts, lines.append,
                                  limiter=limiter or FailureLimiter())
        bound = await proxy.start()
        try:
            yield Running(bound, lines)
        finally:
            await proxy.stop()
            await gate.wait_hooks(2.0)


def message(subject: str, body: str = "Hello from the proxy tests.\r\n") -> bytes:
    return (f"From: {USER}\r\nTo: {USER}\r\nSubject: {subject}\r\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime())}\r\n"
            f"Message-ID: <{time.time_ns()}@tests>\r\n\r\n{body}").encode()


async def in_thread(func, *args):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(func, *args)
