"""msmtp, configured with a plain password as a cron job or a device would be, sends
through the proxy; the message arrives in the mailbox."""

from __future__ import annotations

import asyncio
import imaplib
import shutil
import time
from pathlib import Path

from tests.core.proxy.helpers import (
    PASSWORD,
    USER,
    in_thread,
    message,
    proxy_account,
    running_proxy,
)
from tests.mail.dovecot import HOST, Dovecot
from tests.mail.fixtures import need_tool
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

MSMTP = shutil.which("msmtp")


async def test_msmtp_with_a_plain_password(mail_idp: FakeIdP, dovecot: Dovecot,
                                           store: AccountStore, tmp_path: Path) -> None:
    need_tool(MSMTP, "msmtp is not installed (Debian: apt-get install msmtp)")
    await proxy_account(mail_idp, store)
    subject = f"msmtp {time.time_ns()}"
    async with running_proxy(store, dovecot, mail_idp, ports={"smtp": 0, "imap": 0}) as proxy:
        rc = tmp_path / "msmtprc"
        rc.write_text(f"account proxy\nhost {HOST}\nport {proxy.port('smtp')}\n"
                      f"auth plain\nuser {USER}\npassword {PASSWORD}\ntls off\n"
                      f"from {USER}\naccount default : proxy\n")
        rc.chmod(0o600)
        proc = await asyncio.create_subprocess_exec(
            MSMTP, "-C", str(rc), USER, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(proc.communicate(message(subject)), 60)
        assert proc.returncode == 0, err.decode()

        def find() -> bytes:
            imap = imaplib.IMAP4(HOST, proxy.port("imap"), timeout=20)
            try:
                imap.login(USER, PASSWORD)
                imap.select("INBOX", readonly=True)
                _, data = imap.search(None, "SUBJECT", f'"{subject}"')
                return data[0]
            finally:
                imap.logout()

        assert await in_thread(find)
    assert PASSWORD not in proxy.log()
