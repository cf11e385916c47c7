"""The proxy against a real Dovecot with Python's own mail clients: logging in, sending
and reading through it, and the refusals a client sees."""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import time

import pytest

from tests.core.proxy.helpers import (
    PASSWORD,
    USER,
    in_thread,
    message,
    proxy_account,
    running_proxy,
)
from tests.mail.dovecot import HOST, Dovecot
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


def send(port: int, subject: str, user: str = USER, password: str = PASSWORD) -> None:
    with smtplib.SMTP(HOST, port, timeout=20) as smtp:
        smtp.ehlo()
        smtp.login(user, password)
        smtp.sendmail(user, [user], message(subject))


def imap_subjects(port: int, user: str = USER, password: str = PASSWORD) -> list[bytes]:
    imap = imaplib.IMAP4(HOST, port, timeout=20)
    try:
        imap.login(user, password)
        imap.select("INBOX")
        _, data = imap.search(None, "ALL")
        subjects = []
        for num in data[0].split():
            _, parts = imap.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            subjects.append(parts[0][1].strip())  # type: ignore[index]
        return subjects
    finally:
        imap.logout()


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


async def test_send_through_smtp_then_read_through_imap_and_pop(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    async with running_proxy(store, dovecot, mail_idp) as proxy:
        subject = f"through the proxy {time.time_ns()}"
        try:
            await in_thread(send, proxy.port("smtp"), subject)
        except Exception:
            print(proxy.log(), dovecot.log()[-3000:])
            raise
        subjects = await in_thread(imap_subjects, proxy.port("imap"))
        assert f"Subject: {subject}".encode() in subjects

        def pop_count() -> int:
            pop = poplib.POP3(HOST, proxy.port("pop"), timeout=20)
            try:
                pop.user(USER)
                pop.pass_(PASSWORD)
                count, _ = pop.stat()
                return count
            finally:
                pop.quit()

        assert await in_thread(pop_count) >= 1
    log = proxy.log()
    assert "logged in upstream" in log and "with account 'work'" in log
    assert PASSWORD not in log
    assert subject not in log  # message contents never reach the log


async def test_wrong_password_and_unknown_address_get_the_usual_refusals(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    before = dovecot.log().count("Login:")
    async with running_proxy(store, dovecot, mail_idp) as proxy:
        def imap_refusal(user: str, password: str) -> str:
            imap = imaplib.IMAP4(HOST, proxy.port("imap"), timeout=20)
            try:
                imap.login(user, password)
            except imaplib.IMAP4.error as exc:
                return str(exc)
            finally:
                imap.shutdown()
            return "accepted"

        def pop_refusal(user: str, password: str) -> str:
            pop = poplib.POP3(HOST, proxy.port("pop"), timeout=20)
            try:
                pop.user(user)
                pop.pass_(password)
            except poplib.error_proto as exc:
                return exc.args[0].decode()
            finally:
                pop.close()
            return "accepted"

        def smtp_refusal(user: str, password: str) -> tuple[int, bytes]:
            with smtplib.SMTP(HOST, proxy.port("smtp"), timeout=20) as smtp:
                smtp.ehlo()
                try:
                    smtp.login(user, password)
                except smtplib.SMTPAuthenticationError as exc:
                    return exc.smtp_code, exc.smtp_error
            return 235, b""

        assert "[AUTHENTICATIONFAILED]" in await in_thread(imap_refusal, USER, "wrong")
        assert "[AUTHENTICATIONFAILED]" in await in_thread(imap_refusal, "nobody@contoso.example",
                                                           PASSWORD)
        assert (await in_thread(pop_refusal, USER, "wrong")).startswith("-ERR")
        code, text = await in_thread(smtp_refusal, "nobody@contoso.example", PASSWORD)
        assert (code, text[:5]) == (535, b"5.7.8")
    assert dovecot.log().count("Login:") == before  # nothing reached the mail server
    log = proxy.log()
    assert "login refused: wrong password" in log
    assert "login refused: no account lists this address" in log
    assert "wrong" not in log.replace("wrong password", "")


async def test_implicit_tls_upstream_and_authenticate_plain(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore) -> None:
    await proxy_account(mail_idp, store)
    async with running_proxy(store, dovecot, mail_idp, implicit=True) as proxy:
        def plain() -> str:
            imap = imaplib.IMAP4(HOST, proxy.port("imap"), timeout=20)
            try:
                typ, _ = imap.authenticate(
                    "PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())
                typ2, _ = imap.select("INBOX")
                return f"{typ} {typ2}"
            finally:
                imap.logout()

        assert await in_thread(plain) == "OK OK"
    assert f"localhost:{dovecot.imaps}" in proxy.log()


@pytest.mark.parametrize("users", [("*@contoso.example",), ("DEMO.User@Contoso.Example",)])
async def test_domain_patterns_and_case_match(
        mail_idp: FakeIdP, dovecot: Dovecot, store: AccountStore, users: tuple[str]) -> None:
    await proxy_account(mail_idp, store, users=users)
    async with running_proxy(store, dovecot, mail_idp) as proxy:
        assert await in_thread(imap_subjects, proxy.port("imap")) is not None
