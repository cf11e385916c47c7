"""A real SASL XOAUTH2 login against IMAP (TLS) and SMTP (STARTTLS), reporting the server's answer.

Uses the standard library's imaplib and smtplib in a worker thread, with a
socket timeout, so a silent server cannot hang the doctor. The token travels
only inside the SASL exchange; every answer shown is scrubbed of it first.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.core.errors import UsageError
from tui.core.terminal_text import terminal_safe
from tui.core.xoauth2 import xoauth2, xoauth2_text

from .checks import FAIL, PASS, WARN, Check, MailServer, Options, advice, failure, scrub

if TYPE_CHECKING:
    import smtplib

IMAP_PORT = 993
SMTP_PORT = 587
SMTPS_PORT = 465
_HOST_PORT = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\s\[\]]+))(?::(?P<port>\d+))?$")
# Exchange Online refuses OAuth for SMTP when SMTP AUTH is off for the tenant or mailbox.
_SMTP_AUTH_OFF = re.compile(r"5\.7\.139|SmtpClientAuthentication is disabled", re.I)


def parse_server(text: str, default_port: int, option: str) -> MailServer:
    """HOST, HOST:PORT or [IPv6]:PORT; UsageError for anything else."""
    m = _HOST_PORT.match(text.strip())
    port = int(m.group("port")) if m and m.group("port") else default_port
    if not m or not 0 < port < 65536:
        raise UsageError(f"{option} {text!r}: give HOST or HOST:PORT, for example "
                         f"{option} outlook.office365.com:{default_port}.")
    return MailServer(m.group("v6") or m.group("host"), port,
                      implicit_tls=option == "--smtp" and port == SMTPS_PORT)


_UNREACHABLE = {"network.dns", "network.refused", "network.timeout", "network.unreachable",
                "network.generic"}


def _unreachable(name: str, what: str, exc: BaseException, kind: str, label: str,
                 timeout: float) -> Check:
    """A connection failure at a mail server: the catalog's entry, a mail-server fix."""
    check = failure(name, what, exc, label=label, timeout=timeout)
    if check.entry not in _UNREACHABLE:
        return check
    usual = "outlook.office365.com:993" if kind == "imap" else "smtp.office365.com:587"
    return replace(check, fix=f"Check the host and port given to --{kind} (Exchange Online: "
                              f"{usual}) and that no firewall or proxy-only network keeps "
                              "this machine from reaching it.")


def xoauth2_forms(user: str | None, secrets: Iterable[str]) -> list[str]:
    """The base64 forms a token can take on the wire, to scrub them as well."""
    if not user:
        return []
    return [xoauth2(user, s) for s in secrets if s]


def _answer(text: str | bytes, user: str, token: str) -> str:
    """A server's answer on one line, without the token in any form."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    one_line = " ".join(text.split())
    return terminal_safe(scrub(one_line, [token, *xoauth2_forms(user, [token])]), limit=300)


def _refused(name: str, kind: str, user: str, said: str) -> Check:
    """A refused login, with what usually causes it for Exchange Online; the catalog entry
    for the server's own words when it has one (535 5.7.3, "not connected")."""
    entry, _ = advice(said, "")
    if not entry:
        entry, _ = advice("AUTHENTICATE failed", "")
    enable = "IMAP" if kind == "imap" else "Authenticated SMTP"
    return Check(name, FAIL, f"the server refused the XOAUTH2 login as {user}: {said}",
                 "Check the token contents line (audience https://outlook.office.com with "
                 f"{'IMAP.AccessAsUser.All' if kind == 'imap' else 'SMTP.Send'}), that "
                 f"{user} is the mailbox the signed-in user may open (--user), and that "
                 f"{enable} is enabled for it (Microsoft 365 admin center > Users > Active "
                 "users > the user > Mail > Manage email apps).", entry)


# A server that could not check a login just now says so: IMAP with the response code
# [UNAVAILABLE] (RFC 5530), SMTP with a 4xx reply (RFC 4954's 454 4.7.0). Not a refusal.
_IMAP_TEMPORARY = re.compile(r"\[UNAVAILABLE\]", re.I)


def _temporary(name: str, user: str, said: str) -> Check:
    """A login the server could not check right now: no verdict on the token."""
    return Check(name, FAIL, f"the server could not check the XOAUTH2 login as {user} just "
                             f"now (a temporary failure on its side, not a refusal): {said}",
                 "Run the doctor again in a few minutes. If it keeps failing, the mail "
                 "service is in trouble (Exchange Online: see Service health in the "
                 "Microsoft 365 admin center); the token and the account need no change.", "")


class _Responder:
    """The client's side of the SASL exchange. First call: the XOAUTH2 response. Later
    calls (a server's error challenge): empty, which asks the server for its final answer."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.calls = 0

    def text(self, _challenge: bytes | None = None) -> str:
        """For smtplib, which takes text."""
        self.calls += 1
        return self.raw if self.calls == 1 else ""

    def data(self, challenge: bytes) -> bytes:
        """For imaplib, which takes bytes."""
        return self.text(challenge).encode()


def _joined(data: object) -> bytes:
    """The bytes lines of an imaplib answer, joined (its stub types them as text)."""
    lines = data if isinstance(data, list | tuple) else []
    return b" ".join(d for d in lines if isinstance(d, bytes))


def _imap(server: MailServer, user: str, token: str, context: ssl.SSLContext,
          timeout: float, label: str) -> Check:
    import imaplib

    name = f"imap {server.where}"
    try:
        conn = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context,
                                 timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        return _unreachable(name, f"no IMAP over TLS at {server.where}", exc, "imap",
                            label, timeout)
    try:
        offered = [c for c in conn.capabilities if c.upper().startswith("AUTH=")]
        if "AUTH=XOAUTH2" not in (c.upper() for c in offered):
            return Check(name, FAIL, f"the server does not offer AUTH=XOAUTH2 (it offers "
                                     f"{' '.join(offered) or 'no SASL mechanisms'})",
                         "Check the host: Exchange Online's IMAP is outlook.office365.com:993.")
        try:
            typ, data = conn.authenticate("XOAUTH2", _Responder(xoauth2_text(user, token)).data)
        except imaplib.IMAP4.error as exc:
            said = _answer(str(exc), user, token)
            if re.match(r"(?:AUTHENTICATE command error: )?BAD\b", said, re.I):
                return Check(name, FAIL, f"the server did not take the AUTHENTICATE XOAUTH2 "
                                         f"command ({said}): a protocol problem, not a "
                                         "verdict on the token",
                             "Check that the host and port are an IMAP server with "
                             "XOAUTH2 (Exchange Online: outlook.office365.com:993).", "")
            if not said.upper().startswith(("NO", "AUTHENTICATE COMMAND")):
                said = f"NO {said}"  # imaplib keeps only the text of a NO answer
            if _IMAP_TEMPORARY.search(said):
                return _temporary(name, user, said)
            return _refused(name, "imap", user, said)
        said = _answer(_joined(data), user, token)
        return Check(name, PASS, f"XOAUTH2 login as {user} accepted: {typ} {said}".rstrip())
    except (OSError, imaplib.IMAP4.abort) as exc:
        return failure(name, f"the IMAP session at {server.where} broke off", exc,
                       label=label, timeout=timeout)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


# A server's "I did not understand that command", which is no verdict on the token.
_SYNTAX_CODES = (500, 501, 502, 504)


def _smtp_open(server: MailServer, context: ssl.SSLContext, timeout: float
               ) -> smtplib.SMTP:
    """A session ready for AUTH: connected, EHLO, and STARTTLS unless TLS is implicit.
    Raises OSError/SMTPException, or _NoTLS when the server offers no STARTTLS."""
    import smtplib

    me = socket.gethostname() or "localhost"  # no getfqdn(): it may wait on DNS
    conn: smtplib.SMTP
    if server.implicit_tls:
        conn = smtplib.SMTP_SSL(server.host, server.port, local_hostname=me, timeout=timeout,
                                context=context)
    else:
        conn = smtplib.SMTP(server.host, server.port, local_hostname=me, timeout=timeout)
    try:
        conn.ehlo()
        if not server.implicit_tls:
            if not conn.has_extn("starttls"):
                raise _NoTLS()
            conn.starttls(context=context)
            conn.ehlo()
    except BaseException:
        _smtp_close(conn)
        raise
    return conn


class _NoTLS(Exception):
    """The server offers no STARTTLS: the token would travel in the clear."""


def _smtp_close(conn: smtplib.SMTP) -> None:
    import smtplib

    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def _smtp_login(server: MailServer, conn: smtplib.SMTP, user: str, token: str,
                context: ssl.SSLContext, timeout: float) -> tuple[smtplib.SMTP, int, bytes, str]:
    """XOAUTH2 as clients do it: the response on the AUTH line first; when the server
    calls that line a syntax error (Dovecot's submission service refuses lines over about
    1 KB: ``500 5.5.2 Line too long``), ``AUTH XOAUTH2`` alone and the response after its
    334 prompt, as msmtp does (on a new session if the server hung up). Returns the
    session in use, the final code and text, and a note on the fallback ("" if none)."""
    import smtplib

    raw = xoauth2_text(user, token)
    try:
        code, resp = conn.auth("XOAUTH2", _Responder(raw).text, initial_response_ok=True)
        return conn, code, resp, ""
    except smtplib.SMTPAuthenticationError as exc:
        if exc.smtp_code not in _SYNTAX_CODES:
            raise
        first = f"{exc.smtp_code} {_answer(exc.smtp_error, user, token)}"
    note = (f"; the one-line AUTH was refused as a syntax error ({first}), so the response "
            "went after the server's 334 prompt instead")
    try:
        code, resp = conn.auth("XOAUTH2", _Responder(raw).text, initial_response_ok=False)
    except smtplib.SMTPServerDisconnected:
        _smtp_close(conn)
        conn = _smtp_open(server, context, timeout)
        code, resp = conn.auth("XOAUTH2", _Responder(raw).text, initial_response_ok=False)
    return conn, code, resp, note


def _smtp(server: MailServer, user: str, token: str, context: ssl.SSLContext,
          timeout: float, label: str) -> Check:
    import smtplib

    name = f"smtp {server.where}"
    try:
        conn = _smtp_open(server, context, timeout)
    except _NoTLS:
        return Check(name, FAIL, "the server does not offer STARTTLS, so the token "
                                 "would travel unencrypted; nothing was sent",
                     "Use Exchange Online's submission server: smtp.office365.com:587.")
    except (OSError, smtplib.SMTPException) as exc:
        return _unreachable(name, f"no SMTP server at {server.where}", exc, "smtp", label,
                            timeout)
    try:
        mechanisms = conn.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" not in mechanisms:
            return Check(name, FAIL, f"the server does not offer AUTH XOAUTH2 (it offers "
                                     f"{' '.join(mechanisms) or 'no AUTH'})",
                         "Check the host: Exchange Online's is smtp.office365.com:587.")
        try:
            conn, code, resp, note = _smtp_login(server, conn, user, token, context, timeout)
        except smtplib.SMTPAuthenticationError as exc:
            said = f"{exc.smtp_code} {_answer(exc.smtp_error, user, token)}"
            if exc.smtp_code in _SYNTAX_CODES:
                return Check(name, FAIL, f"the server did not take the AUTH XOAUTH2 command "
                                         f"in either form ({said}): a protocol problem, not "
                                         "a verdict on the token",
                             "Check that the host and port are an SMTP submission service "
                             "with XOAUTH2 (Exchange Online: smtp.office365.com:587).", "")
            if 400 <= exc.smtp_code < 500:
                return _temporary(name, user, said)
            if _SMTP_AUTH_OFF.search(said):
                entry, fix = advice("5.7.139", label)
                return Check(name, FAIL, f"the server refused the XOAUTH2 login as {user}: "
                                         f"{said}", fix, entry)
            return _refused(name, "smtp", user, said)
        return Check(name, PASS, f"XOAUTH2 login as {user} accepted: {code} "
                                 f"{_answer(resp, user, token)}{note}")
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        return failure(name, f"the SMTP session at {server.where} broke off", exc,
                       label=label, timeout=timeout)
    finally:
        _smtp_close(conn)


def _servers(opts: Options) -> list[tuple[str, MailServer]]:
    return [(kind, s) for kind, s in (("imap", opts.imap), ("smtp", opts.smtp)) if s]


def no_token(opts: Options) -> list[Check]:
    """Login lines when there is no usable token: say so instead of trying."""
    return [Check(f"{kind} {s.where}", WARN, "not tried: there is no usable access token "
                                             "(see the token line)")
            for kind, s in _servers(opts)]


async def check_logins(opts: Options, *, user: str, token: str, context: ssl.SSLContext,
                       label: str) -> list[Check]:
    """XOAUTH2 logins for --imap and --smtp, side by side."""
    servers = _servers(opts)
    if not servers:
        return []
    if not user:
        return [Check(f"{kind} {s.where}", FAIL, "not tried: the mailbox address is unknown "
                                                 "(the token does not name its user)",
                      "Give it with --user EMAIL.") for kind, s in servers]
    runners = {"imap": _imap, "smtp": _smtp}
    return list(await asyncio.gather(*(
        asyncio.to_thread(runners[kind], s, user, token, context, opts.timeout, label)
        for kind, s in servers)))

