"""The mail server side: verified TLS, then a SASL XOAUTH2 login with the account's token.

Implicit TLS on the usual ports (IMAP 993, POP3 995, SMTP 465), STARTTLS on any
other; a server that will not start TLS gets nothing. The XOAUTH2 response goes
on its own continuation line (never as an initial response), because some servers
limit the length of a command line and a token is over 1,000 bytes. A server's
error challenge is answered with an empty line, which asks for its final verdict.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass

from tui.core.errors import UsageError
from tui.core.terminal_text import terminal_safe
from tui.core.xoauth2 import xoauth2

from .defaults import IMPLICIT_PORTS
from .defaults import UPSTREAMS as DEFAULTS
from .errors import UpstreamRefused, UpstreamUnavailable

LOGIN_TIMEOUT_S = 30.0
# the stream's buffer during login (the relay that follows uses none)
STREAM_LIMIT = 256 * 1024
_HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9.-]+)):(?P<port>\d+)$")


@dataclass(frozen=True)
class Upstream:
    kind: str  # imap, pop or smtp
    host: str
    port: int
    implicit_tls: bool

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def default_upstream(kind: str) -> Upstream:
    host, port = DEFAULTS[kind]
    return Upstream(kind, host, port, port == IMPLICIT_PORTS[kind])


def parse_upstream(kind: str, text: str) -> Upstream:
    """HOST:PORT or [IPv6]:PORT for ``--upstream-KIND``; UsageError otherwise."""
    m = _HOST_PORT.match(text.strip())
    port = int(m.group("port")) if m else 0
    if not m or not 0 < port < 65536:
        host, usual = DEFAULTS[kind]
        raise UsageError(f"--upstream-{kind} {text!r}: give HOST:PORT, for example "
                         f"--upstream-{kind} {host}:{usual}.")
    return Upstream(kind, m.group("v6") or m.group("host"), port,
                    port == IMPLICIT_PORTS[kind])


def client_context(cafile: str | None = None) -> ssl.SSLContext:
    """Verifying TLS for the upstream: the system's CAs, or only those in ``cafile``."""
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@dataclass
class LoggedIn:
    """An upstream session right after a successful login; ``reply`` is the server's answer
    (for IMAP without its tag), ``untagged`` any IMAP data sent before it."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    reply: bytes
    untagged: tuple[bytes, ...] = ()


class _Conversation:
    def __init__(self, up: Upstream, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, secrets: tuple[str, ...]) -> None:
        self.up = up
        self.reader = reader
        self.writer = writer
        self.secrets = secrets

    async def line(self) -> bytes:
        data = await self.reader.readline()
        if not data.endswith(b"\n"):
            raise UpstreamUnavailable(f"{self.up.where} closed the connection during login")
        return data

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def smtp_reply(self) -> tuple[int, bytes]:
        lines = []
        while True:
            data = await self.line()
            lines.append(data)
            if data[3:4] != b"-":
                break
        code = lines[-1][:3]
        return (int(code) if code.isdigit() else 0), b"".join(lines)

    def shown(self, data: bytes) -> str:
        """A server's reply for a log line: one line, no secret, terminal-safe."""
        text = " ".join(data.decode("utf-8", "replace").split())
        for secret in self.secrets:
            text = text.replace(secret, "[hidden]")
        return terminal_safe(text, limit=160)

    def refused(self, data: bytes) -> UpstreamRefused:
        said = self.shown(data)
        return UpstreamRefused(f"{self.up.where} refused the XOAUTH2 login: {said}", said)

    async def start_tls(self, context: ssl.SSLContext) -> None:
        await self.writer.start_tls(context, server_hostname=self.up.host)


async def login(up: Upstream, user: str, token: str, context: ssl.SSLContext,
                timeout: float = LOGIN_TIMEOUT_S) -> LoggedIn:
    """Connect, secure and log in as ``user``; UpstreamUnavailable or UpstreamRefused."""
    raw = xoauth2(user, token).encode("ascii")  # already base64
    secrets = (token, raw.decode())
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                up.host, up.port, limit=STREAM_LIMIT,
                ssl=context if up.implicit_tls else None,
                server_hostname=up.host if up.implicit_tls else None)
            talk = _Conversation(up, reader, writer, secrets)
            steps = {"imap": _imap, "pop": _pop, "smtp": _smtp}[up.kind]
            done = await steps(talk, raw, context)
            writer = None  # handed over
            return done
    except ssl.SSLCertVerificationError as exc:
        why = terminal_safe(exc.verify_message or str(exc), limit=120)
        raise UpstreamUnavailable(f"the TLS certificate of {up.where} is not trusted ({why})",
                                  entry="proxy.upstream_tls") from exc
    except TimeoutError as exc:
        raise UpstreamUnavailable(f"{up.where} did not answer within {timeout:g} s") from exc
    except (OSError, EOFError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UpstreamUnavailable(
            f"cannot reach {up.where}: {terminal_safe(why, limit=120)}") from exc
    finally:
        if writer is not None:
            writer.close()


async def _imap(talk: _Conversation, raw: bytes, context: ssl.SSLContext) -> LoggedIn:
    greeting = await talk.line()
    if not greeting.startswith(b"* OK"):
        raise UpstreamUnavailable(f"{talk.up.where} did not greet as an IMAP server: "
                                  f"{talk.shown(greeting)}")
    if not talk.up.implicit_tls:
        await talk.send(b"X0 STARTTLS\r\n")
        while (line := await talk.line()).startswith(b"* "):
            pass
        if not line.startswith(b"X0 OK"):
            raise UpstreamUnavailable(f"{talk.up.where} would not start TLS: "
                                      f"{talk.shown(line)}", entry="proxy.upstream_tls")
        await talk.start_tls(context)
    await talk.send(b"X1 AUTHENTICATE XOAUTH2\r\n")
    sent = False
    untagged: list[bytes] = []
    while True:
        line = await talk.line()
        if line.startswith(b"+"):
            await talk.send((raw if not sent else b"") + b"\r\n")
            sent = True
        elif line.startswith(b"* "):
            untagged.append(line)
        elif line.startswith(b"X1 OK"):
            return LoggedIn(talk.reader, talk.writer, line[3:], tuple(untagged))
        elif line.startswith(b"X1 "):
            raise talk.refused(line[3:])


async def _pop(talk: _Conversation, raw: bytes, context: ssl.SSLContext) -> LoggedIn:
    greeting = await talk.line()
    if not greeting.startswith(b"+OK"):
        raise UpstreamUnavailable(f"{talk.up.where} did not greet as a POP3 server: "
                                  f"{talk.shown(greeting)}")
    if not talk.up.implicit_tls:
        await talk.send(b"STLS\r\n")
        line = await talk.line()
        if not line.startswith(b"+OK"):
            raise UpstreamUnavailable(f"{talk.up.where} would not start TLS: "
                                      f"{talk.shown(line)}", entry="proxy.upstream_tls")
        await talk.start_tls(context)
    await talk.send(b"AUTH XOAUTH2\r\n")
    sent = False
    while True:
        line = await talk.line()
        if line.startswith(b"+OK"):
            return LoggedIn(talk.reader, talk.writer, line)
        if line.startswith(b"+"):
            await talk.send((raw if not sent else b"") + b"\r\n")
            sent = True
        else:
            raise talk.refused(line)


async def _smtp(talk: _Conversation, raw: bytes, context: ssl.SSLContext) -> LoggedIn:
    code, text = await talk.smtp_reply()
    if code != 220:
        raise UpstreamUnavailable(f"{talk.up.where} did not greet as an SMTP server: "
                                  f"{talk.shown(text)}")
    await talk.send(b"EHLO localhost\r\n")
    code, text = await talk.smtp_reply()
    if code != 250:
        raise UpstreamUnavailable(f"{talk.up.where} refused EHLO: {talk.shown(text)}")
    if not talk.up.implicit_tls:
        if not re.search(rb"(?im)^250[ -]STARTTLS\s*$", text):
            raise UpstreamUnavailable(f"{talk.up.where} does not offer STARTTLS, so the token "
                                      "would travel unencrypted", entry="proxy.upstream_tls")
        await talk.send(b"STARTTLS\r\n")
        code, text = await talk.smtp_reply()
        if code != 220:
            raise UpstreamUnavailable(f"{talk.up.where} would not start TLS: "
                                      f"{talk.shown(text)}", entry="proxy.upstream_tls")
        await talk.start_tls(context)
        await talk.send(b"EHLO localhost\r\n")
        code, text = await talk.smtp_reply()
        if code != 250:
            raise UpstreamUnavailable(f"{talk.up.where} refused EHLO: {talk.shown(text)}")
    await talk.send(b"AUTH XOAUTH2\r\n")
    sent = False
    while True:
        code, text = await talk.smtp_reply()
        if code == 235:
            return LoggedIn(talk.reader, talk.writer, text)
        if code == 334:
            await talk.send((raw if not sent else b"") + b"\r\n")
            sent = True
        else:
            raise talk.refused(text)
