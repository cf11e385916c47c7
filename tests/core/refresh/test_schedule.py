"""The one refresh schedule behind `refresh --watch` and the TUI: due, back-off, keep-alive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from tui.core.errors import NeedsAuthorization
from tui.core.model import Account, TokenState
from tui.core.refresh.batch import RefreshOutcome
from tui.core.refresh.schedule import (
    DAY_S,
    RefreshSchedule,
    backoff_s,
    idle_days,
    keep_alive_due,
)

NOW = 1_790_000_000.0


def state(account: Account, expires_in: float, **changes: Any) -> TokenState:
    issued = TokenState(account.id, account.label, access_token="A", refresh_token="R",
                        expires_at=NOW + expires_in, obtained_at=NOW - 60)
    return replace(issued, **changes)


def labels(accounts: Iterable[Account]) -> list[str]:
    return [a.label for a in accounts]


def test_due_by_the_wall_clock_with_back_off() -> None:
    auto_on = Account(label="on", auto_refresh=True)
    auto_off = Account(label="off")
    app_only = Account(label="app", auto_refresh=True, flow="app")
    schedule = RefreshSchedule(margin=300)
    rows = [(auto_on, state(auto_on, 600)), (auto_off, state(auto_off, 10)),
            (app_only, state(app_only, 100, refresh_token=""))]
    plan = schedule.plan(rows, NOW)
    assert labels(plan.due) == ["app"] and plan.needs_sign_in == () and plan.keep_alive == ()
    # the margin reached (or a machine woke up late)
    assert labels(schedule.plan(rows, NOW + 301).due) == ["on", "app"]
    assert schedule.failed(auto_on.id, NOW + 301) == 60
    assert schedule.failed(auto_on.id, NOW + 400) == 120
    assert labels(schedule.plan(rows, NOW + 450).due) == ["app"]  # waiting out its back-off
    assert labels(schedule.plan(rows, NOW + 521).due) == ["on", "app"]
    schedule.succeeded(auto_on.id)
    assert schedule.failures == {} and schedule.retry_at == {}
    assert [backoff_s(n) for n in range(1, 8)] == [60, 120, 240, 480, 960, 1800, 1800]


def test_needing_a_sign_in_is_said_once_and_never_tried() -> None:
    acct = Account(label="stuck", auto_refresh=True)
    schedule = RefreshSchedule()
    rows = [(acct, state(acct, -10, needs_authorization=True))]
    plan = schedule.plan(rows, NOW)
    assert plan.due == () and plan.needs_sign_in == ((acct, rows[0][1]),)
    assert schedule.plan(rows, NOW + 60).needs_sign_in == ()
    never = Account(label="never", auto_refresh=True)  # added, never signed in
    assert labels(a for a, _ in schedule.plan([(never, TokenState(never.id, "never"))],
                                               NOW).needs_sign_in) == ["never"]
    fixed = [(acct, state(acct, 3600))]  # somebody signed in again
    assert schedule.plan(fixed, NOW).needs_sign_in == ()
    assert schedule.plan(rows, NOW).needs_sign_in == ((acct, rows[0][1]),)  # broke again


def test_keep_alive_redeems_idle_refresh_tokens_of_accounts_without_auto_refresh() -> None:
    idle = Account(label="idle")
    fresh = Account(label="fresh")
    auto = Account(label="auto", auto_refresh=True)
    app_only = Account(label="app", flow="app")
    refused = Account(label="refused")
    month = 31 * DAY_S
    rows = [(idle, state(idle, 3600, obtained_at=NOW - month)),
            (fresh, state(fresh, -3600, obtained_at=NOW - DAY_S)),  # expired, but not idle
            (auto, state(auto, 3600, obtained_at=NOW - month)),
            (app_only, state(app_only, -10, refresh_token="", obtained_at=NOW - month)),
            (refused, state(refused, 3600, obtained_at=NOW - month, needs_authorization=True))]
    schedule = RefreshSchedule(margin=300)
    plan = schedule.plan(rows, NOW)
    assert plan.keep_alive == (rows[0],) and plan.due == ()
    assert idle_days(rows[0][1], NOW) == 31
    schedule.failed(idle.id, NOW)  # a failed keep-alive backs off like any refresh
    assert schedule.plan(rows, NOW + 59).keep_alive == ()
    assert schedule.plan(rows, NOW + 60).keep_alive == (rows[0],)
    assert RefreshSchedule(keep_alive_days=0).plan(rows, NOW).keep_alive == ()  # off
    assert RefreshSchedule(keep_alive_days=45).plan(rows, NOW).keep_alive == ()


def test_keep_alive_counts_from_the_last_use_and_unknown_age_is_idle() -> None:
    acct = Account(label="a")
    used_lately = state(acct, 0, obtained_at=NOW - 40 * DAY_S, last_refresh_at=NOW - DAY_S)
    assert not keep_alive_due(used_lately, NOW)
    unknown = state(acct, 0, obtained_at=None)
    assert keep_alive_due(unknown, NOW) and idle_days(unknown, NOW) is None
    assert not keep_alive_due(TokenState("a", "a"), NOW)  # nothing to redeem


def test_outcomes_are_recorded() -> None:
    acct = Account(label="a", auto_refresh=True)
    schedule = RefreshSchedule()
    schedule.record(RefreshOutcome(acct, error=OSError("disk full")), NOW)
    assert schedule.retry_at == {acct.id: NOW + 60} and acct.id not in schedule.told
    schedule.record(RefreshOutcome(acct, error=NeedsAuthorization("refused")), NOW)
    assert schedule.retry_at == {acct.id: NOW + 120} and acct.id in schedule.told
    schedule.record(RefreshOutcome(acct, state=state(acct, 3600)), NOW)
    assert schedule.retry_at == {} and schedule.failures == {}


def test_summaries_plan_as_the_states_do() -> None:
    """The TUI plans from the list's summaries (no token opened): the same plan."""
    month = 31 * DAY_S
    accounts = [Account(label="on", auto_refresh=True), Account(label="stuck", auto_refresh=True),
                Account(label="idle"), Account(label="fresh"),
                Account(label="app", auto_refresh=True, flow="app"),
                Account(label="advised", auto_refresh=True)]
    states = [state(accounts[0], 100), state(accounts[1], -10, refresh_token=""),
              state(accounts[2], 3600, obtained_at=NOW - month), state(accounts[3], 3600),
              state(accounts[4], 10, refresh_token=""),
              state(accounts[5], 3600, refresh_due_at=NOW - 1)]  # refresh_in has passed
    full = RefreshSchedule(margin=300).plan(list(zip(accounts, states, strict=True)), NOW)
    short = RefreshSchedule(margin=300).plan(
        [(a, s.summary()) for a, s in zip(accounts, states, strict=True)], NOW)
    assert labels(full.due) == labels(short.due) == ["on", "app", "advised"]
    assert [a.label for a, _ in full.keep_alive] == [a.label for a, _ in short.keep_alive] \
        == ["idle"]
    assert [a.label for a, _ in full.needs_sign_in] \
        == [a.label for a, _ in short.needs_sign_in] == ["stuck"]


def test_a_retry_after_longer_than_the_back_off_is_kept() -> None:
    from tui.core.errors import OAuthError

    acct = Account(label="a", auto_refresh=True)
    schedule = RefreshSchedule()
    throttled = OAuthError("throttled", status=429, retry_after=3600.0)
    schedule.record(RefreshOutcome(acct, error=throttled), NOW)
    assert schedule.retry_at == {acct.id: NOW + 3600}
    schedule.record(RefreshOutcome(acct, error=OAuthError("again", retry_after=5.0)), NOW)
    assert schedule.retry_at == {acct.id: NOW + 120}  # the back-off, when it is longer


def test_the_advised_refresh_is_due_before_the_margin() -> None:
    """refresh_in: due from the advised time while the token still has an hour; after a
    failed try, not again for five minutes (the token serves on meanwhile)."""
    acct = Account(label="advised", auto_refresh=True)
    advised = state(acct, 3600, refresh_due_at=NOW + 600)
    schedule = RefreshSchedule(margin=300)
    assert schedule.plan([(acct, advised)], NOW + 599).due == ()
    assert labels(schedule.plan([(acct, advised)], NOW + 600).due) == ["advised"]
    tried = replace(advised, last_error="network", last_error_at=NOW + 600)
    assert schedule.plan([(acct, tried)], NOW + 899).due == ()
    assert labels(schedule.plan([(acct, tried)], NOW + 900).due) == ["advised"]
