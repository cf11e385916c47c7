"""A listener for the network (require_tls, as for a non-loopback --listen) takes no login
before TLS, in any of the three protocols; after STARTTLS it does."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib
import ssl
from collections.abc import AsyncIterator
from dataclasses import replace

from tests.core.proxy.helpers import (
    PASSWORD,
    USER,
    FakeClock,
    in_thread,
    proxy_account,
    upstreams,
)
from tests.mail.dovecot import HOST, Dovecot
from tui.core.oauth.service import OAuthService
from tui.core.proxy.server import ProxyServer
from tui.core.proxy.setup import ProxyOptions, make_server
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


@contextlib.asynccontextmanager
async def network_listener(store: AccountStore, server: Dovecot, idp: FakeIdP
                           ) -> AsyncIterator[dict[str, int]]:
    options = ProxyOptions(ports={"imap": 0, "pop": 0, "smtp": 0}, upstreams=upstreams(server),
                           upstream_ca=str(server.ca.ca_cert), local_cert=str(server.ca.cert),
                           local_key=str(server.ca.key))
    async with OAuthService(clock=FakeClock(idp)) as service:
        loopback, _ = make_server(store, service, options, lambda _line: None)
        # the listeners a --listen 0.0.0.0 run gets, bound to loopback for the test
        proxy = ProxyServer(HOST, [(port, replace(listener, require_tls=True))
                                   for port, listener in loopback.listeners])
        bound = await proxy.start()
        try:
            yield {b.kind: b.port for b in bound}
        finally:
            await proxy.stop()


async def test_no_login_before_tls(mail_idp: FakeIdP, dovecot: Dovecot,
                                   store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    trust = ssl.create_default_context(cafile=str(dovecot.ca.ca_cert))
    async with network_listener(store, dovecot, mail_idp) as ports:
        def imap() -> list[str]:
            conn = imaplib.IMAP4(HOST, ports["imap"], timeout=20)
            seen = [" ".join(c for c in conn.capabilities if c in ("LOGINDISABLED", "STARTTLS"))]
            try:
                conn.login(USER, PASSWORD)
            except imaplib.IMAP4.error as exc:
                seen.append(str(exc))
            conn.starttls(trust)
            seen.append(conn.login(USER, PASSWORD)[0])
            conn.logout()
            return seen

        caps, refused, ok = await in_thread(imap)
        assert caps == "STARTTLS LOGINDISABLED" and "PRIVACYREQUIRED" in refused and ok == "OK"

        def pop() -> list[str]:
            conn = poplib.POP3(HOST, ports["pop"], timeout=20)
            seen = []
            try:
                conn.user(USER)
            except poplib.error_proto as exc:
                seen.append(exc.args[0].decode())
            conn.stls(trust)
            conn.user(USER)
            seen.append(conn.pass_(PASSWORD).decode()[:3])
            conn.quit()
            return seen

        assert await in_thread(pop) == ["-ERR [AUTH] Use STLS first", "+OK"]

        def smtp() -> list[int]:
            with smtplib.SMTP(HOST, ports["smtp"], timeout=20) as conn:
                conn.ehlo()
                refused = conn.docmd("AUTH", "PLAIN")[0]
                conn.starttls(context=trust)
                return [refused, conn.login(USER, PASSWORD)[0]]

        assert await in_thread(smtp) == [530, 235]
