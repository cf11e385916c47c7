"""A clock the OAuth code asks for the time and for sleeps, so tests can move time.

Wall-clock time (``time``) decides token expiry, because a suspended laptop or VM
must notice on waking that its tokens aged; ``monotonic`` measures waits.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        import asyncio  # lazily: config commands import this module and never sleep

        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to; ``sleep`` moves it and returns at once.

    ``sleeps`` records every requested sleep so tests can check intervals and backoff.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self._mono = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self.advance(seconds)
        import asyncio

        await asyncio.sleep(0)


SYSTEM_CLOCK = SystemClock()
