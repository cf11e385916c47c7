"""What happens around tokens and servers: expiry, a revoked sign-in, the server down,
sessions that outlive their token, and repeated wrong passwords."""

from __future__ import annotations

import imaplib
import smtplib
import time
from pathlib import Path

from tests.core.proxy.helpers import PASSWORD, USER, in_thread, proxy_account, running_proxy
from tests.core.refresh.helpers import dump_hook, hook_runs
from tests.mail.dovecot import HOST, Dovecot, free_port
from tui.core.proxy.limiter import FailureLimiter
from tui.core.proxy.upstream import Upstream
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


def imap_login(port: int, password: str = PASSWORD) -> str:
    """'OK' or the refusal's text."""
    imap = imaplib.IMAP4(HOST, port, timeout=20)
    try:
        typ, _ = imap.login(USER, password)
        imap.select("INBOX")
        imap.logout()
        return str(typ)
    except imaplib.IMAP4.error as exc:
        imap.shutdown()
        return str(exc)


async def test_an_expired_token_is_refreshed_on_the_next_login(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    account = await proxy_account(mail_idp, store)
    first = store.token_state(account).access_token
    mail_idp.advance(2 * 3600)  # both the fake and the proxy (FakeClock) see it expired
    try:
        mail_idp.reset_stats()
        async with running_proxy(store, dovecot, mail_idp) as proxy:
            assert await in_thread(imap_login, proxy.port("imap")) == "OK"
            assert await in_thread(imap_login, proxy.port("imap")) == "OK"
        assert mail_idp.stats()["grant_types"].get("refresh_token") == 1  # once, not twice
        state = store.token_state(account)
        assert state.access_token != first
        assert state.valid_for(mail_idp.now()) >= 300
    finally:
        mail_idp.advance(-2 * 3600)


async def test_a_revoked_sign_in_is_a_temporary_failure_with_a_clear_log_and_hooks(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore, tmp_path: Path) -> None:
    account = await proxy_account(mail_idp, store, expired=True)
    out = tmp_path / "hooks.jsonl"
    store.path.write_text(f"[hooks]\nneeds_authorization = {dump_hook(out)}\n\n"
                          + store.path.read_text())
    mail_idp.revoke_all()  # as after a password reset: AADSTS50173
    async with running_proxy(store, dovecot, mail_idp) as proxy:
        said = await in_thread(imap_login, proxy.port("imap"))
        assert "[UNAVAILABLE] the account behind this address needs a new sign-in" in said

        def smtp_try() -> tuple[int, bytes]:
            with smtplib.SMTP(HOST, proxy.port("smtp"), timeout=20) as smtp:
                smtp.ehlo()
                try:
                    smtp.login(USER, PASSWORD)
                except smtplib.SMTPAuthenticationError as exc:
                    return exc.smtp_code, exc.smtp_error
            return 235, b""

        code, text = await in_thread(smtp_try)
        assert (code, text[:5]) == (454, b"4.7.0")
    line = next(x for x in proxy.lines if "no upstream login with account" in x)
    assert "account 'work'" in line and "[aadsts.50173:" in line
    assert "fix: Run `exo-oauth authorize work`" in line
    runs = hook_runs(out)
    assert [r["env"]["EXO_OAUTH_EVENT"] for r in runs] == ["needs_authorization"]  # once
    assert "AADSTS50173" in runs[0]["env"]["EXO_OAUTH_ERROR"]
    state = store.token_state(account)
    assert state.needs_authorization
    for secret in (PASSWORD, state.refresh_token):
        assert secret not in proxy.log()


async def test_the_mail_server_down_is_a_temporary_failure(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    dead = free_port()
    ups = {"imap": Upstream("imap", HOST, dead, False)}
    async with running_proxy(store, dovecot, mail_idp, ports={"imap": 0},
                             upstreams=ups) as proxy:
        assert (await in_thread(imap_login, proxy.port("imap"))).count("[UNAVAILABLE]") == 1
    line = next(x for x in proxy.lines if "no upstream login with account" in x)
    assert f"cannot reach {HOST}:{dead}" in line and "[proxy.upstream_unreachable:" in line


async def test_an_untrusted_server_certificate_gets_no_token(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    logins = dovecot.log().count("Login:")
    async with running_proxy(store, dovecot, mail_idp, upstream_ca=None) as proxy:
        assert (await in_thread(imap_login, proxy.port("imap"))).count("[UNAVAILABLE]") == 1
    line = next(x for x in proxy.lines if "no upstream login with account" in x)
    assert "[proxy.upstream_tls:" in line and "--upstream-ca" in line
    assert dovecot.log().count("Login:") == logins


async def test_a_session_outlives_its_token(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    async with running_proxy(store, dovecot, mail_idp) as proxy:
        imap = await in_thread(imaplib.IMAP4, HOST, proxy.port("imap"), 20)
        await in_thread(imap.login, USER, PASSWORD)
        await in_thread(imap.select, "INBOX")
        mail_idp.advance(3 * 3600)  # the token is long dead now
        try:
            def idle_and_noop() -> str:
                tag = imap._new_tag()
                imap.send(tag + b" IDLE\r\n")
                assert imap.readline().startswith(b"+")
                time.sleep(0.3)
                imap.send(b"DONE\r\n")
                while not (line := imap.readline()).startswith(tag):
                    pass
                typ, _ = imap.noop()
                return f"{line.split()[1].decode()} {typ}"

            assert await in_thread(idle_and_noop) == "OK OK"
            await in_thread(imap.logout)
        finally:
            mail_idp.advance(-3 * 3600)


async def test_repeated_failures_from_one_address_are_slowed_down(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    limiter = FailureLimiter(free=2, base_delay=0.4, max_delay=0.8)
    async with running_proxy(store, dovecot, mail_idp, limiter=limiter) as proxy:
        for _ in range(4):
            assert "AUTHENTICATIONFAILED" in await in_thread(imap_login, proxy.port("imap"),
                                                             "wrong")
        assert limiter.failures(HOST) == 4
        assert await in_thread(imap_login, proxy.port("imap")) == "OK"
        assert limiter.failures(HOST) == 0
    slowed = [x for x in proxy.lines if "answered after" in x]
    assert [x.split("answered after ")[1].split(" s")[0] for x in slowed] == ["0.4", "0.8"]
