"""The listeners: accept clients, sniff implicit TLS, run sessions, stop quickly.

With a local certificate a listener offers STARTTLS and also accepts implicit TLS
on the same port: a client that opens with a TLS handshake (first byte 0x16)
gets TLS at once, one that waits for a greeting gets it within a fraction of a
second. ``stop`` closes the listeners and ends every session within its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from dataclasses import dataclass

from .front import Front, Listener
from .imap import ImapFront
from .logline import peer
from .pop3 import PopFront
from .smtp import SmtpFront

FRONTS: dict[str, type[Front]] = {"imap": ImapFront, "pop": PopFront, "smtp": SmtpFront}
KINDS = ("imap", "pop", "smtp")
SNIFF_S = 0.3
STREAM_LIMIT = 256 * 1024  # the client's stream buffer before login (the relay uses none)
TLS_HANDSHAKE_S = 15.0


@dataclass(frozen=True)
class Bound:
    kind: str
    host: str
    port: int
    upstream: str

    def ready_line(self) -> str:
        return f"{self.kind} listening on {peer(self.host, self.port)} -> {self.upstream}"


class ProxyServer:
    """Listeners for the given kinds on one address; sessions run as tasks."""

    def __init__(self, host: str, listeners: list[tuple[int, Listener]]) -> None:
        self.host = host
        self.listeners = listeners  # (port, listener); port 0: any free one
        self.bound: list[Bound] = []
        self._sockets: list[socket.socket] = []
        self._accepting: set[asyncio.Task[None]] = set()
        self.sessions: set[asyncio.Task[None]] = set()

    async def start(self) -> list[Bound]:
        """Bind every listener (OSError if a port is taken); the caller prints ready lines."""
        try:
            for port, listener in self.listeners:
                family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
                sock = socket.create_server((self.host, port), family=family, backlog=512)
                sock.setblocking(False)
                self._sockets.append(sock)
                bound = sock.getsockname()
                self.bound.append(Bound(listener.kind, self.host, int(bound[1]),
                                        listener.upstream.where))
                task = asyncio.get_running_loop().create_task(self._accept(sock, listener))
                self._accepting.add(task)
        except OSError:
            await self.stop()
            raise
        return self.bound

    async def _accept(self, sock: socket.socket, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(sock)
            except OSError as exc:  # out of file descriptors, mostly: wait and go on
                listener.log(f"{listener.kind}: cannot accept a connection ({exc.strerror})")
                await asyncio.sleep(0.5)
                continue
            task = loop.create_task(self._session(conn, listener))
            self.sessions.add(task)
            task.add_done_callback(self.sessions.discard)

    async def _session(self, conn: socket.socket, listener: Listener) -> None:
        loop = asyncio.get_running_loop()
        implicit = False
        with contextlib.suppress(OSError):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if listener.local_tls is not None:
            implicit = await _opens_with_tls(conn)
        fronts: list[Front] = []
        reader = asyncio.StreamReader(limit=STREAM_LIMIT)

        def connected(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            fronts.append(FRONTS[listener.kind](r, w, listener, tls=implicit))

        try:
            await loop.connect_accepted_socket(
                lambda: asyncio.StreamReaderProtocol(reader, connected), conn,
                ssl=listener.local_tls if implicit else None,
                ssl_handshake_timeout=TLS_HANDSHAKE_S if implicit else None)
        except (OSError, ssl.SSLError, TimeoutError):
            conn.close()
            return
        if fronts:
            await fronts[0].run()

    async def stop(self, timeout: float = 3.0) -> None:
        """Stop accepting, end all sessions; returns within about ``timeout`` seconds."""
        for task in self._accepting:
            task.cancel()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
        sessions = set(self.sessions)
        for task in sessions:
            task.cancel()
        if sessions:
            await asyncio.wait(sessions, timeout=timeout)


async def _opens_with_tls(conn: socket.socket) -> bool:
    """Whether the client speaks first with a TLS ClientHello (implicit TLS)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(conn.fileno(), readable)
    try:
        await asyncio.wait_for(ready, SNIFF_S)
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(conn.fileno())
    try:
        return conn.recv(1, socket.MSG_PEEK) == b"\x16"
    except OSError:
        return False


def ready_lines(bound: list[Bound]) -> list[str]:
    return [b.ready_line() for b in bound]

