"""Helpers for the refresh tests: hooks that record their runs, and `refresh --watch`'s loop
for a few passes on a movable clock."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.helpers import MovableClock
from tui.core.oauth.service import OAuthService
from tui.core.refresh.watch import watch
from tui.core.store.account_store import AccountStore

DAY = 86400.0
# A hook that writes its argv and whole environment to a file (one JSON object per run).
DUMP = ("import json, os, sys; "
        "open(sys.argv[1], 'a').write(json.dumps({'argv': sys.argv[2:], "
        "'env': dict(os.environ)}) + '\\n')")


def hook_runs(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def dump_hook(out: Path, *tag: str) -> str:
    """A TOML array for a hook that records its run into ``out``."""
    return json.dumps([sys.executable, "-c", DUMP, str(out), *tag])


async def watch_passes(store: AccountStore, clock: MovableClock, passes: int = 1, *,
                       between: float = 0.0, **kw: Any) -> list[str]:
    """Log lines of ``passes`` passes of the watch loop; ``between``: extra seconds the
    clock moves after each pass (on top of the loop's own 30 s wait)."""
    stop = asyncio.Event()
    lines: list[str] = []
    done = 0

    def after_sleep(seconds: float) -> None:
        nonlocal done
        if seconds == 30.0:  # the loop's own wait (retries of requests use other values)
            done += 1
            clock.advance(between)
            if done >= passes:
                stop.set()

    clock.on_sleep = after_sleep
    try:
        async with OAuthService(clock=clock) as service:
            await asyncio.wait_for(watch(store, service=service, stop=stop, log=lines.append,
                                         clock=clock, **kw), 30)
    finally:
        clock.on_sleep = None
    return lines
