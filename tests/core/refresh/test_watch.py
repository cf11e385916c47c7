"""`refresh --watch`'s loop (tui.core.refresh.watch): what it logs and how long it waits."""

from __future__ import annotations

from tests.helpers import (
    HOSTILE_ERROR,
    HOSTILE_LABEL,
    CannedIdP,
    MovableClock,
    canned_account,
    raw_controls,
    set_state,
)
from tui.core.store.account_store import AccountStore

from .helpers import watch_passes


async def test_log_lines_show_outside_text_escaped(store: AccountStore) -> None:
    clock = MovableClock()
    with CannedIdP() as canned:
        canned.reply(HOSTILE_ERROR, 400)
        account = store.add(canned_account(canned, HOSTILE_LABEL, auto_refresh=True))
        set_state(store, account, access_token="old", refresh_token="rt", expires_at=1.0)
        lines = await watch_passes(store, clock, hooks=False)
    failed = [line for line in lines if "refresh failed" in line]
    assert failed and all(raw_controls(line) == [] for line in lines)
    assert "a2\\x1b]0;pwned\\x07\\u202e: refresh failed" in failed[0]
    assert "invalid_grant\\x1b[2J" in failed[0]
