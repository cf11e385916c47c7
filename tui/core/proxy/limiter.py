"""Slow down clients that keep failing to log in, per client address.

The first few failures cost nothing extra; after that each failed attempt waits
(1, 2, 4 ... up to ``max_delay`` seconds) before its refusal is sent. Failures are
forgotten ``window`` seconds after the last one, and a success clears them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Record:
    count: int
    last: float


class FailureLimiter:
    def __init__(self, *, free: int = 3, base_delay: float = 1.0, max_delay: float = 30.0,
                 window: float = 900.0, max_hosts: int = 10_000,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.free = free
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.window = window
        self.max_hosts = max_hosts
        self._now = now
        self._hosts: dict[str, _Record] = {}

    def _live(self, host: str) -> _Record | None:
        record = self._hosts.get(host)
        if record is not None and self._now() - record.last > self.window:
            del self._hosts[host]
            return None
        return record

    def failures(self, host: str) -> int:
        record = self._live(host)
        return record.count if record else 0

    def failed(self, host: str) -> float:
        """Count a failure; return how long to wait before answering it."""
        record = self._live(host)
        if record is None:
            if len(self._hosts) >= self.max_hosts:  # forget the oldest host
                self._hosts.pop(next(iter(self._hosts)))
            record = self._hosts[host] = _Record(0, 0.0)
        record.count += 1
        record.last = self._now()
        over = record.count - self.free
        if over <= 0:
            return 0.0
        return min(self.max_delay, self.base_delay * 2.0 ** (over - 1))

    def succeeded(self, host: str) -> None:
        self._hosts.pop(host, None)
