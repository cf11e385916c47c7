"""What the three listeners share: reading a client's commands before login, STARTTLS,
the login itself (local check, token, upstream), then relaying.

A protocol module subclasses ``Front`` and answers its commands; this class keeps
the limits (line length, idle time, commands before login) and the log lines.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

from .login import Gate, Refused, Temporary
from .logline import Log, SessionLog, peer, size
from .relay import close, relay
from .upstream import LoggedIn, Upstream

LINE_LIMIT = 16 * 1024  # before login; AUTH lines with long passwords fit
IDLE_BEFORE_LOGIN_S = 300.0
MAX_COMMANDS_BEFORE_LOGIN = 100


class Closed(Exception):
    """The client went away, sent too much, or was told goodbye."""


@dataclass(frozen=True)
class Listener:
    """One listener's settings, shared by all its sessions."""

    kind: str  # imap, pop or smtp
    upstream: Upstream
    gate: Gate
    log: Log
    local_tls: ssl.SSLContext | None = None  # offered when set
    require_tls: bool = False  # no login before TLS (non-loopback listeners)


class Front:
    """One client session before login; ``run`` drives it to the relay or the end."""

    kind = ""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 listener: Listener, *, tls: bool = False) -> None:
        self.reader = reader
        self.writer = writer
        self.listener = listener
        self.tls = tls
        address = writer.get_extra_info("peername") or ("?", 0)
        self.host = str(address[0])
        self.slog = SessionLog(listener.log, self.kind, peer(self.host, int(address[1])))

    # -- what a protocol provides ---------------------------------------------------------------
    async def greet(self) -> None:
        raise NotImplementedError

    async def command(self) -> LoggedIn | None:
        """Read and answer one command; a LoggedIn ends the pre-login phase."""
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------------
    @property
    def tls_offered(self) -> bool:
        return self.listener.local_tls is not None and not self.tls

    @property
    def login_allowed(self) -> bool:
        return self.tls or not self.listener.require_tls

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def line(self) -> bytes:
        try:
            async with asyncio.timeout(IDLE_BEFORE_LOGIN_S):
                data = await self.reader.readline()
        except TimeoutError as exc:
            self.slog("closed: no login within the idle time")
            raise Closed from exc
        except ValueError as exc:  # longer than the stream's limit
            self.slog("closed: a command line was too long")
            raise Closed from exc
        if not data.endswith(b"\n"):
            raise Closed
        if len(data) > LINE_LIMIT:
            self.slog("closed: a command line was too long")
            raise Closed
        return data

    async def exact(self, count: int) -> bytes:
        try:
            async with asyncio.timeout(IDLE_BEFORE_LOGIN_S):
                return await self.reader.readexactly(count)
        except (TimeoutError, asyncio.IncompleteReadError) as exc:
            raise Closed from exc

    async def start_tls(self) -> None:
        assert self.listener.local_tls is not None
        try:
            await self.writer.start_tls(self.listener.local_tls)
        except (ssl.SSLError, OSError) as exc:
            self.slog("closed: the TLS handshake failed")
            raise Closed from exc
        self.tls = True

    async def login(self, address: str, password: str) -> LoggedIn | str | None:
        """LoggedIn, or the reason for a temporary failure (str), or None when refused."""
        gate = self.listener.gate
        try:
            account = await gate.check(address, password, self.host, self.slog)
            return await gate.open(account, address, self.listener.upstream, self.slog)
        except Refused:
            return None
        except Temporary as exc:
            return exc.reason

    # -- the session ---------------------------------------------------------------------------
    async def run(self) -> None:
        started = time.monotonic()
        session: LoggedIn | None = None
        try:
            await self.greet()
            for _ in range(MAX_COMMANDS_BEFORE_LOGIN):
                session = await self.command()
                if session is not None:
                    break
            else:
                self.slog("closed: too many commands without a login")
        except (Closed, ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        if session is None:
            await close(self.writer)
            return
        try:
            sent, received = await relay((self.reader, self.writer),
                                         (session.reader, session.writer))
        finally:  # also when the proxy stops: the client sees its connection end
            await close(self.writer)
        self.slog(f"closed after {time.monotonic() - started:.0f} s "
                  f"({size(sent)} from the client, {size(received)} to it)")
