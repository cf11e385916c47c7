"""Run `refresh --watch`'s loop for a few passes on a manual clock."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.core.clock import ManualClock
from tui.core.oauth.service import OAuthService
from tui.core.refresh.watch import watch
from tui.core.store.account_store import AccountStore


async def watch_passes(store: AccountStore, clock: ManualClock, passes: int = 1, *,
                       between: float = 0.0, **kw: Any) -> list[str]:
    """Log lines of ``passes`` passes of the watch loop; ``between``: extra seconds the
    clock moves after each pass (on top of the loop's own 30 s wait)."""
    stop = asyncio.Event()
    lines: list[str] = []
    done = 0

    async def sleep(seconds: float) -> None:
        nonlocal done
        await ManualClock.sleep(clock, seconds)
        if seconds == 30.0:  # the loop's own wait (retries of requests use other values)
            done += 1
            clock.advance(between)
            if done >= passes:
                stop.set()

    clock.sleep = sleep  # type: ignore[method-assign]
    try:
        async with OAuthService(clock=clock) as service:
            await asyncio.wait_for(watch(store, service=service, stop=stop, log=lines.append,
                                         clock=clock, **kw), 30)
    finally:
        del clock.sleep
    return lines
