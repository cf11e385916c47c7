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


async def test_a_429_with_retry_after_is_waited_out_for_that_account(
        store: AccountStore) -> None:
    """The identity provider asks for an hour's pause: the log says until when, and the
    account is not tried again before the hour is over (the usual back-off would try
    again after 1, 2, 4, 8 and 16 minutes)."""
    clock = MovableClock()
    throttled = {"error": "temporarily_unavailable",
                 "error_description": "AADSTS90055: Too many requests."}
    with CannedIdP() as canned:
        canned.reply(throttled, 429, Retry_After="3600")
        account = store.add(canned_account(canned, "busy", auto_refresh=True))
        set_state(store, account, access_token="old", refresh_token="rt", expires_at=1.0)
        # one pass every 10.5 minutes: passes at 0, 10.5, ... 63 minutes
        lines = await watch_passes(store, clock, 7, between=600.0)
    failed = [line for line in lines if "refresh failed" in line]
    assert failed and "asks to wait 60 min before the next try (until " in failed[0]
    assert canned.requests == 2 and len(failed) == 2  # at 0 and at 63 minutes
