"""The relay against real loopback sockets (plain and TLS): flow control with a slow
reader, an end on either side, bytes already read at the handover, and the counts."""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from tests.mail import dovecot as mail
from tui.core.proxy.relay import HIGH_WATER, relay

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# what the proxy may hold for one direction at most: its write buffer up to the high-water
# mark plus what one read brings in (TLS: up to its read buffer and the decrypted bytes)
BOUND = HIGH_WATER + 1024 * 1024


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> mail.TestCA:
    return mail.make_ca(Path(tmp_path_factory.mktemp("relay-ca")))


def contexts(ca: mail.TestCA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(ca.cert, ca.key)
    return server, ssl.create_default_context(cafile=str(ca.ca_cert))


@dataclass
class Relayed:
    """A relay between a test client and a test server: ``client`` and ``server`` are the
    far ends; ``proxy()`` gives the proxy's own streams and its relay task."""

    client: Stream
    server: Stream
    sides: asyncio.Queue[tuple[Stream, Stream, asyncio.Task[tuple[int, int]]]]
    _sides: tuple[Stream, Stream, asyncio.Task[tuple[int, int]]] | None = None

    async def proxy(self) -> tuple[Stream, Stream, asyncio.Task[tuple[int, int]]]:
        if self._sides is None:
            async with asyncio.timeout(10):
                self._sides = await self.sides.get()
        return self._sides

    async def result(self) -> tuple[int, int]:
        _, _, task = await self.proxy()
        async with asyncio.timeout(10):
            return await task


@asynccontextmanager
async def relayed(ca: mail.TestCA, *, client_tls: bool = False, server_tls: bool = False,
                  greeting: bytes = b"", login: bool = False, settle: float = 0.0
                  ) -> AsyncIterator[Relayed]:
    """Far client -> proxy -> far server, TLS on either hop when asked. The far server
    sends ``greeting`` at once; with ``login`` the proxy reads one line from each side
    first, as a login would, and waits ``settle`` seconds before it starts relaying."""
    server_ctx, client_ctx = contexts(ca)
    far_server: asyncio.Queue[Stream] = asyncio.Queue()
    sides: asyncio.Queue[tuple[Stream, Stream, asyncio.Task[tuple[int, int]]]] = (
        asyncio.Queue())

    async def upstream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        await far_server.put((reader, writer))

    up = await asyncio.start_server(upstream, mail.HOST, 0,
                                    ssl=server_ctx if server_tls else None)
    up_port = up.sockets[0].getsockname()[1]

    async def front(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_stream = await asyncio.open_connection(
            mail.HOST, up_port, ssl=client_ctx if server_tls else None,
            server_hostname="localhost" if server_tls else None)
        if login:
            await upstream_stream[0].readline()
            await reader.readline()
            await asyncio.sleep(settle)
        task = asyncio.ensure_future(relay((reader, writer), upstream_stream))
        await sides.put(((reader, writer), upstream_stream, task))
        await asyncio.gather(task, return_exceptions=True)
        writer.close()

    fr = await asyncio.start_server(front, mail.HOST, 0, ssl=server_ctx if client_tls else None)
    fr_port = fr.sockets[0].getsockname()[1]
    ends: list[asyncio.StreamWriter] = []
    try:
        async with asyncio.timeout(10):
            client = await asyncio.open_connection(
                mail.HOST, fr_port, ssl=client_ctx if client_tls else None,
                server_hostname="localhost" if client_tls else None)
            ends.append(client[1])
            server = await far_server.get()
            ends.append(server[1])
        yield Relayed(client, server, sides)
    finally:
        for writer in ends:
            writer.close()
        for listener in (fr, up):
            listener.close()


async def pump(writer: asyncio.StreamWriter, data: bytes, piece: int = 64 * 1024) -> None:
    for i in range(0, len(data), piece):
        writer.write(data[i:i + piece])
        await writer.drain()


def buffered(writer: asyncio.StreamWriter) -> int:
    return writer.transport.get_write_buffer_size()


def reading(writer: asyncio.StreamWriter) -> bool:
    return cast(asyncio.Transport, writer.transport).is_reading()


@pytest.mark.parametrize(("direction", "tls"), [
    ("to the client", "upstream"), ("to the client", "none"),
    ("to the server", "local"), ("to the server", "upstream")])
async def test_a_slow_reader_keeps_the_proxys_buffer_bounded_and_loses_nothing(
        ca: mail.TestCA, direction: str, tls: str) -> None:
    data = os.urandom(24 * 1024 * 1024)
    async with relayed(ca, client_tls=tls == "local", server_tls=tls == "upstream") as r:
        proxy_client, proxy_server, _ = await r.proxy()
        if direction == "to the client":
            sender, receiver = r.server, r.client
            source, writing = proxy_server[1], proxy_client[1]
        else:
            sender, receiver = r.client, r.server
            source, writing = proxy_client[1], proxy_server[1]
        sending = asyncio.ensure_future(pump(sender[1], data))
        # nobody reads at the far end: the proxy must stop reading from the sender
        async with asyncio.timeout(10):
            while reading(source):
                await asyncio.sleep(0.01)
        peak = 0
        for _ in range(20):
            peak = max(peak, buffered(writing))
            await asyncio.sleep(0.01)
        assert not sending.done(), "the sender was never held back"
        assert not reading(source)
        assert peak <= BOUND
        # now the reader catches up: every byte arrives, in order
        got = hashlib.sha256()
        count = 0
        async with asyncio.timeout(30):
            while count < len(data):
                chunk = await receiver[0].read(1024 * 1024)
                assert chunk, "the relay ended early"
                got.update(chunk)
                count += len(chunk)
                peak = max(peak, buffered(writing))
            await sending
        assert got.digest() == hashlib.sha256(data).digest()
        assert peak <= BOUND
        sender[1].close()
        sent, received = await r.result()
    assert (sent, received) == ((0, len(data)) if direction == "to the client"
                                else (len(data), 0))


@pytest.mark.parametrize("closing", ["client", "server"])
@pytest.mark.parametrize("tls", [False, True])
async def test_an_end_on_either_side_ends_the_other(ca: mail.TestCA, closing: str,
                                                    tls: bool) -> None:
    async with relayed(ca, client_tls=tls, server_tls=tls) as r:
        r.client[1].write(b"a1 NOOP\r\n")
        assert await r.server[0].readexactly(9) == b"a1 NOOP\r\n"
        r.server[1].write(b"a1 OK NOOP done\r\n")
        assert await r.client[0].readexactly(17) == b"a1 OK NOOP done\r\n"
        ends, other = (r.client, r.server) if closing == "client" else (r.server, r.client)
        ends[1].write(b"last words\r\n")
        ends[1].close()
        async with asyncio.timeout(10):
            assert await other[0].read() == b"last words\r\n"  # then the end
        sent, received = await r.result()
        proxy_client, proxy_server, _ = await r.proxy()
    assert (sent, received) == ((9 + 12, 17) if closing == "client" else (9, 17 + 12))
    for _, writer in (proxy_client, proxy_server):
        # the streams learn of it too, as the proxy's own closing waits for that
        await asyncio.wait_for(writer.wait_closed(), 5)


@pytest.mark.parametrize("tls", [False, True])
async def test_bytes_that_came_with_the_login_are_passed_on(ca: mail.TestCA, tls: bool) -> None:
    """A client that sends its next command along with its login, and a server whose
    first data follows its greeting at once: both sit in the streams' buffers when the
    relay takes over."""
    async with relayed(ca, client_tls=tls, server_tls=tls, login=True,
                       greeting=b"* OK ready\r\n* 3 EXISTS\r\n") as r:
        r.client[1].write(b"a LOGIN\r\nb SELECT INBOX\r\n")
        async with asyncio.timeout(10):
            assert await r.server[0].readexactly(16) == b"b SELECT INBOX\r\n"
            assert await r.client[0].readexactly(12) == b"* 3 EXISTS\r\n"
        r.client[1].close()
        assert await r.result() == (16, 12)


async def test_a_client_that_finished_sending_before_the_handover_ends_the_relay(
        ca: mail.TestCA) -> None:
    """Its stream had seen the end already (and so stopped reading): what it still held
    goes upstream, then both sides are closed."""
    async with relayed(ca, server_tls=True, login=True, greeting=b"* OK ready\r\n",
                       settle=0.2) as r:
        r.client[1].write(b"a LOGIN\r\nb LOGOUT\r\n")
        r.client[1].write_eof()
        async with asyncio.timeout(10):
            assert await r.server[0].read() == b"b LOGOUT\r\n"  # then the end
        assert await r.result() == (10, 0)


async def test_a_cancelled_relay_closes_both_sides(ca: mail.TestCA) -> None:
    """As when the proxy stops: both far ends see their connection end."""
    async with relayed(ca, server_tls=True) as r:
        _, _, task = await r.proxy()
        task.cancel()
        async with asyncio.timeout(10):
            assert await r.client[0].read() == b""
            assert await r.server[0].read() == b""
