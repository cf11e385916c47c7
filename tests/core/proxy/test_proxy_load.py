"""200 IMAP sessions at once through the proxy, each a real imaplib client in its own thread."""

from __future__ import annotations

import asyncio
import imaplib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.core.proxy.helpers import PASSWORD, USER, proxy_account, running_proxy
from tests.mail.dovecot import HOST, Dovecot
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

SESSIONS = 200


@pytest.mark.slow
async def test_two_hundred_concurrent_imap_sessions(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    all_in = threading.Barrier(SESSIONS + 1, timeout=120)

    def session(port: int) -> str:
        imap = imaplib.IMAP4(HOST, port, timeout=120)
        try:
            imap.login(USER, PASSWORD)
            imap.select("INBOX")
            all_in.wait()  # every session is open at this moment
            typ, _ = imap.noop()
            imap.logout()
            return str(typ)
        except BaseException:
            all_in.abort()
            raise

    async with running_proxy(store, dovecot, mail_idp, ports={"imap": 0}) as proxy:
        port = proxy.port("imap")
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(SESSIONS + 1) as pool:
            results = [loop.run_in_executor(pool, session, port) for _ in range(SESSIONS)]
            await loop.run_in_executor(pool, all_in.wait)  # all 200 are logged in now
            done = await asyncio.gather(*results)
    assert done == ["OK"] * SESSIONS
    assert sum("logged in upstream" in line for line in proxy.lines) == SESSIONS
