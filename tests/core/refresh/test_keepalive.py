"""Keep-alive: `refresh --watch` refreshes idle refresh tokens of accounts without auto-refresh."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.helpers import MovableClock, fake_account, set_state, signed_in
from tui.core.health import assess
from tui.core.model import TokenState
from tui.core.refresh.schedule import keep_alive_due
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

from .helpers import DAY, dump_hook, hook_runs, watch_passes


def refreshes(idp: FakeIdP) -> int:
    return idp.stats()["grant_types"].get("refresh_token", 0)


def test_an_idle_refresh_token_is_refreshed_once_and_logged(idp: FakeIdP,
                                                           store: AccountStore) -> None:
    clock = MovableClock.linked(idp)
    idle = signed_in(idp, store, "idle", clock=clock)
    clock.advance(31 * DAY)  # nobody asked for a token for a month (the fake ages too)
    fresh = signed_in(idp, store, "fresh", clock=clock)
    before = store.token_state(idle)
    assert not assess(before, now=clock.time()).problem  # 59 days left: not yet a problem

    lines = asyncio.run(watch_passes(store, clock, passes=3, between=3600))
    after = store.token_state(idle)
    assert refreshes(idp) == 1  # once: afterwards it is no longer idle
    assert after.refresh_token != before.refresh_token  # rotated and saved
    assert after.last_refresh_at == pytest.approx(clock.time() - 3 * 3630, abs=1)
    assert assess(after, now=clock.time()).refresh_token_idle_days < 1
    kept = [line for line in lines if line.startswith("idle: ")]
    assert len(kept) == 1
    assert kept[0].startswith("idle: refreshed (keep-alive: its refresh token had been idle "
                              "31 days), valid until ")
    assert "keep-alive for the others after 30 days idle" in lines[0]
    assert store.token_state(fresh).refresh_token  # untouched
    assert not any(line.startswith("fresh:") for line in lines)


@pytest.mark.parametrize(("days", "expected"), [(0, 0), (45, 0), (31, 1), (7.5, 1)])
def test_the_threshold_is_configurable_and_zero_turns_it_off(
        idp: FakeIdP, store: AccountStore, days: float, expected: int) -> None:
    clock = MovableClock.linked(idp)
    signed_in(idp, store, "idle", clock=clock)
    clock.advance(31 * DAY)
    lines = asyncio.run(watch_passes(store, clock, keep_alive_days=days))
    assert refreshes(idp) == expected
    assert ("keep-alive off" in lines[0]) == (days == 0)


def test_keep_alive_leaves_auto_refresh_app_only_and_refused_accounts_alone(
        idp: FakeIdP, store: AccountStore) -> None:
    clock = MovableClock.linked(idp)
    auto = signed_in(idp, store, "auto", clock=clock, auto_refresh=True)
    refused = signed_in(idp, store, "refused", clock=clock)
    store.add(fake_account(idp, "app", app=True))  # app-only: no refresh token to keep alive
    clock.advance(31 * DAY)
    set_state(store, refused, needs_authorization=True)
    lines = asyncio.run(watch_passes(store, clock))
    assert refreshes(idp) == 1  # only the auto-refresh account, because its token expired
    assert [line.split(":")[0] for line in lines[1:-1]] == ["auto"]
    assert "keep-alive" not in lines[1]
    assert store.token_state(auto).last_refresh_at == pytest.approx(clock.time() - 30, abs=1)


def test_unknown_age_counts_as_idle(idp: FakeIdP, store: AccountStore) -> None:
    clock = MovableClock.linked(idp)
    account = signed_in(idp, store, "imported", clock=clock)
    set_state(store, account, obtained_at=None, last_refresh_at=None)
    lines = asyncio.run(watch_passes(store, clock))
    assert refreshes(idp) == 1
    assert any("idle an unknown time" in line for line in lines)
    assert keep_alive_due(TokenState("a", "a"), clock.time()) is False  # nothing to refresh


def test_a_refresh_token_dropped_meanwhile_is_reported_with_its_hook(
        idp: FakeIdP, store: AccountStore, tmp_path: Path) -> None:
    clock = MovableClock.linked(idp)
    account = signed_in(idp, store, "old", clock=clock)
    out = tmp_path / "hooks.jsonl"
    store.path.write_text(f"[hooks]\nneeds_authorization = {dump_hook(out)}\n\n"
                          + store.path.read_text())
    clock.advance(91 * DAY)  # too late: Microsoft dropped it (AADSTS700082)
    lines = asyncio.run(watch_passes(store, clock, passes=2, between=DAY))
    assert refreshes(idp) == 1  # not retried: a person must sign in again
    assert store.token_state(account).needs_authorization
    failed = [line for line in lines if line.startswith("old: ")]
    assert len(failed) == 1 and "refresh failed (keep-alive" in failed[0]
    assert "AADSTS700082" in failed[0]
    runs = hook_runs(out)
    assert len(runs) == 1 and runs[0]["env"]["EXO_OAUTH_EVENT"] == "needs_authorization"
