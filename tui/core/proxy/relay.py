"""Byte-for-byte relaying between a logged-in client and its upstream session.

After login both streams' transports are handed to two small protocols, each writing
what its side receives straight to the other side's transport: no stream buffer in
between and no task switch per chunk, which costs less CPU per megabyte than reading
and writing through the streams. Flow control is the transports' own: when one side's
write buffer passes HIGH_WATER, the other side stops reading until it has drained, so a
25 MB message passes through a bounded buffer (about 1 MiB per busy session, nothing
extra for an idle one). When either side closes, both are closed. Only byte counts are
kept, never contents.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

HIGH_WATER = 256 * 1024  # bytes waiting in one side's write buffer before the other pauses


class _Side(asyncio.Protocol):
    """One end of the relay: what it receives goes to ``peer``'s transport."""

    peer: _Side

    def __init__(self, transport: asyncio.Transport, ended: asyncio.Future[None]) -> None:
        self.transport = transport
        self.stream = transport.get_protocol()  # the stream's own, told when the connection ends
        self.ended = ended
        self.count = 0
        transport.set_protocol(self)

    def data_received(self, data: bytes) -> None:
        self.count += len(data)
        self.peer.transport.write(data)

    def eof_received(self) -> bool:
        self._end()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._end()
        self.stream.connection_lost(exc)  # so the stream's writer sees it (wait_closed)

    def pause_writing(self) -> None:
        self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        self.peer.transport.resume_reading()

    def _end(self) -> None:
        if not self.ended.done():
            self.ended.set_result(None)


async def _held(reader: asyncio.StreamReader, side: _Side) -> bool:
    """Pass on what the stream read before the handover; whether that side has ended."""
    if reader.exception() is not None:
        return True
    # nothing reaches the reader any more: mark its end and take what it still holds
    reader.feed_eof()
    held = await reader.read()
    # a plain connection whose peer had already finished sending stopped reading then;
    # reading again lets the new protocol see that end too. Before passing the bytes on,
    # since they may pause this side's reading, which must then stay paused.
    side.transport.pause_reading()
    side.transport.resume_reading()
    if held:
        side.data_received(held)
    return side.transport.is_closing()


async def relay(client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                server: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> tuple[int, int]:
    """Relay until one side ends; (bytes from the client, bytes to the client)."""
    for _, writer in (client, server):  # neither transport is paused for writing then
        with contextlib.suppress(ConnectionError, OSError):
            await writer.drain()
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    # a stream's transport also reads (its writer types it as write-only)
    up = _Side(cast(asyncio.Transport, client[1].transport), ended)
    down = _Side(cast(asyncio.Transport, server[1].transport), ended)
    up.peer, down.peer = down, up
    for side in (up, down):  # may pause the other side at once, so only now
        side.transport.set_write_buffer_limits(high=HIGH_WATER)
    try:
        client_ended = await _held(client[0], up)
        server_ended = await _held(server[0], down)
        if not (client_ended or server_ended):
            await ended
    finally:
        for side in (up, down):
            side.transport.close()  # what is already buffered is still sent
        await close(server[1])
    return up.count, down.count


async def close(writer: asyncio.StreamWriter, timeout: float = 1.0) -> None:
    """Close a stream without waiting long for a peer that does not answer."""
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), timeout)
