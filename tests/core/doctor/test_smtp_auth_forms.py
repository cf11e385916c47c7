"""SMTP XOAUTH2 as mail clients send it: a server that refuses a long AUTH line as a syntax
error (as Dovecot's submission service does past about 1 KB) still gets the token after its
334 prompt, and a syntax error is never reported as a refused login."""

from __future__ import annotations

import asyncio
import base64
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.core.doctor.helpers import USER, make_jwt
from tests.core.doctor.servers import HOST, Cert, MailLog, imap_server, parse_xoauth2, smtp_server
from tui.core.doctor.checks import FAIL, PASS, MailServer, Options
from tui.core.doctor.mail import check_logins
from tui.core.xoauth2 import xoauth2_text

# Microsoft's real tokens run to 2-3 KB; the one-line AUTH of this one is well past 1 KB.
LONG = make_jwt(aud="https://outlook.office.com", scp="IMAP.AccessAsUser.All SMTP.Send",
                xms_padding="p" * 1500)


async def smtp_login(cert: Cert, port: int, token: str = LONG) -> list:
    opts = Options(smtp=MailServer(HOST, port, implicit_tls=True), timeout=5.0)
    return await check_logins(opts, user=USER, token=token, label="work",
                              context=cert.client_context())


async def test_a_long_auth_line_falls_back_to_the_continuation(cert: Cert) -> None:
    assert len(base64.b64encode(xoauth2_text(USER, LONG).encode())) > 2000
    log = MailLog(accept={LONG}, smtp_auth_line=1000)
    with smtp_server(cert.server_context(), log, implicit_tls=True) as port:
        (check,) = await smtp_login(cert, port)
    assert check.status == PASS, check.detail
    assert check.detail.startswith(f"XOAUTH2 login as {USER} accepted: 235")
    assert "refused as a syntax error (500 Command line too long)" in check.detail
    assert "334 prompt" in check.detail
    assert log.logins == [(USER, LONG)]  # only the continuation reached the handler
    assert LONG not in check.detail


@contextmanager
def hanging_up_server(context: ssl.SSLContext, accept: str, *, syntax_only: bool = False
                      ) -> Iterator[tuple[int, list[str]]]:
    """A minimal SMTP-over-TLS server: a long AUTH line gets ``500 5.5.2 Line too long`` and
    the connection is closed; ``AUTH XOAUTH2`` alone gets a 334 prompt. With
    ``syntax_only`` every AUTH gets ``502 5.5.1 Unrecognized command``."""
    seen: list[str] = []
    loop = asyncio.new_event_loop()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 mail.test ESMTP")
        try:
            while line := (await reader.readline()).decode().rstrip("\r\n"):
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    await say("250-mail.test")
                    await say("250 AUTH XOAUTH2")
                elif verb == "AUTH" and syntax_only:
                    seen.append("syntax")
                    await say("502 5.5.1 Unrecognized command")
                elif verb == "AUTH" and len(line) > 1000:
                    seen.append("long line")
                    await say("500 5.5.2 Line too long")
                    break  # and hang up, as some servers do
                elif verb == "AUTH":
                    seen.append("continuation")
                    await say("334 ")
                    blob = base64.b64decode((await reader.readline()).strip())
                    ok = parse_xoauth2(blob) == (USER, accept)
                    await say("235 2.7.0 Logged in." if ok else "535 5.7.8 No.")
                elif verb == "QUIT":
                    await say("221 2.0.0 Bye")
                    break
                else:
                    await say("502 5.5.1 Unrecognized command")
        finally:
            writer.close()

    async def start() -> asyncio.Server:
        return await asyncio.start_server(session, HOST, 0, ssl=context, limit=1 << 16)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(start(), loop).result(5)
    async def stop() -> None:  # on the server's own loop: asyncio is not thread-safe
        server.close()
        await server.wait_closed()

    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def test_a_server_that_hangs_up_after_the_long_line(cert: Cert) -> None:
    with hanging_up_server(cert.server_context(), LONG) as (port, seen):
        (check,) = await smtp_login(cert, port)
    assert check.status == PASS, check.detail
    assert "500 5.5.2 Line too long" in check.detail
    assert seen == ["long line", "continuation"]


async def test_a_syntax_error_is_never_called_a_refusal(cert: Cert) -> None:
    with hanging_up_server(cert.server_context(), LONG, syntax_only=True) as (port, seen):
        (check,) = await smtp_login(cert, port)
    assert check.status == FAIL
    assert "refused" not in check.detail and "not a verdict on the token" in check.detail
    assert "502 5.5.1" in check.detail and seen == ["syntax", "syntax"]


async def test_imap_bad_is_not_a_refusal(cert: Cert) -> None:
    log = MailLog(accept=set(), refusal="BAD Invalid AUTHENTICATE arguments")
    with imap_server(cert.server_context(), log) as port:
        opts = Options(imap=MailServer(HOST, port), timeout=5.0)
        (check,) = await check_logins(opts, user=USER, token=LONG, label="work",
                                      context=cert.client_context())
    assert check.status == FAIL and "refused" not in check.detail
    assert "protocol problem" in check.detail and "BAD" in check.detail
