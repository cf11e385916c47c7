"""Byte-for-byte relaying between a logged-in client and its upstream session.

Reads at most 256 KiB at a time and waits for each write to drain before reading
more, so a 25 MB message or a 1 GB mailbox passes through a bounded buffer (about
1 MiB per busy session, nothing extra for an idle one). When
either side closes, both are closed. Only byte counts are kept, never contents.
"""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 256 * 1024


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                counter: list[int]) -> None:
    while True:
        data = await reader.read(CHUNK)
        if not data:
            return
        counter[0] += len(data)
        writer.write(data)
        await writer.drain()


async def relay(client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                server: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> tuple[int, int]:
    """Relay until one side ends; (bytes from the client, bytes to the client)."""
    sent, received = [0], [0]
    for _, writer in (client, server):
        writer.transport.set_write_buffer_limits(high=CHUNK)
    up = asyncio.ensure_future(_pump(client[0], server[1], sent))
    down = asyncio.ensure_future(_pump(server[0], client[1], received))
    try:
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (up, down):
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)
        await close(server[1])
    return sent[0], received[0]


async def close(writer: asyncio.StreamWriter, timeout: float = 1.0) -> None:
    """Close a stream without waiting long for a peer that does not answer."""
    writer.close()
    with contextlib.suppress(OSError, ConnectionError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), timeout)
