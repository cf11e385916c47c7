"""Auto-refresh planning while the TUI runs (tui.app.live): who is due, and backing off."""

from __future__ import annotations

from tui.app.live import AutoRefresh
from tui.core.model import Account, TokenState

NOW = 1_790_000_000.0


def state(account: Account, expires_in: float, **kw: object) -> TokenState:
    base: dict[str, object] = dict(access_token="A", refresh_token="R",
                                   expires_at=NOW + expires_in)
    base.update(kw)
    return TokenState(account.id, account.label, **base)  # type: ignore[arg-type]


def test_auto_refresh_plans_by_the_wall_clock_and_backs_off() -> None:
    auto_on = Account(label="on", auto_refresh=True)
    auto_off = Account(label="off")
    app_only = Account(label="app", auto_refresh=True, flow="app")
    plan = AutoRefresh(margin=300)
    rows = [(auto_on, state(auto_on, 600)), (auto_off, state(auto_off, 10)),
            (app_only, state(app_only, 100, refresh_token=""))]
    due, stuck = plan.due(rows, NOW)
    assert [a.label for a in due] == ["app"] and stuck == []
    due, _ = plan.due(rows, NOW + 301)  # the margin reached (or a machine woke up late)
    assert [a.label for a in due] == ["on", "app"]
    assert plan.failed(auto_on.id, NOW + 301) == 60
    assert plan.failed(auto_on.id, NOW + 400) == 120
    due, _ = plan.due(rows, NOW + 450)
    assert [a.label for a in due] == ["app"]  # waiting out its back-off
    due, _ = plan.due(rows, NOW + 521)
    assert [a.label for a in due] == ["on", "app"]
    plan.succeeded(auto_on.id)
    assert plan.failures == {} and plan.retry_at == {}
    for _ in range(10):
        delay = plan.failed(auto_on.id, NOW)
    assert delay == 1800


def test_accounts_needing_a_sign_in_are_reported_once_not_refreshed() -> None:
    acct = Account(label="stuck", auto_refresh=True)
    plan = AutoRefresh()
    rows = [(acct, state(acct, -10, needs_authorization=True))]
    due, stuck = plan.due(rows, NOW)
    assert due == [] and [a.label for a, _ in stuck] == ["stuck"]
    assert plan.due(rows, NOW + 60) == ([], [])
    fixed = [(acct, state(acct, 3600))]  # somebody signed in again
    assert plan.due(fixed, NOW) == ([], [])
    assert plan.due(rows, NOW) == ([], [(acct, rows[0][1])])  # and it broke again: said again
