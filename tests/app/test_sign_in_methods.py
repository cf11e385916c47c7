"""The pure parts of the runtime: which sign-in method to suggest, and auto-refresh planning."""

from __future__ import annotations

from tui.app.jobs import failure_summary
from tui.app.live import AutoRefresh
from tui.app.sign_in_methods import (
    APP,
    DEVICE,
    LOOPBACK,
    PASTE,
    available,
    countdown,
    loopback_problem,
    suggest,
)
from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.model import Account, TokenState

NOW = 1_790_000_000.0
LOCAL = Account(label="a", redirect_uri="http://localhost:8400")
WEB = Account(label="w", redirect_uri="https://app.example.com/callback")
APP_ONLY = Account(label="robot", flow="app")


def test_device_code_is_suggested_over_ssh_even_with_a_display() -> None:
    found = suggest(LOCAL, {"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0"}, "linux")
    assert found.method == DEVICE and "SSH_CONNECTION" in found.reason


def test_device_code_is_suggested_without_a_display() -> None:
    found = suggest(LOCAL, {}, "linux")
    assert found.method == DEVICE and "DISPLAY" in found.reason and "WAYLAND" in found.reason


def test_with_a_display_the_local_browser_is_used() -> None:
    assert suggest(LOCAL, {"WAYLAND_DISPLAY": "wayland-0"}, "linux").method == LOOPBACK
    assert suggest(LOCAL, {}, "darwin").method == LOOPBACK
    assert suggest(WEB, {"DISPLAY": ":0"}, "linux").method == PASTE


def test_app_only_accounts_use_client_credentials_only() -> None:
    assert available(APP_ONLY) == [APP]
    assert suggest(APP_ONLY, {"SSH_CONNECTION": "x"}, "linux").method == APP
    assert available(LOCAL) == [DEVICE, PASTE, LOOPBACK]


def test_loopback_needs_a_local_http_redirect() -> None:
    assert loopback_problem(LOCAL) == ""
    assert "http://localhost" in loopback_problem(WEB)


def test_countdown() -> None:
    assert countdown(900) == "15:00"
    assert countdown(59.9) == "0:59"
    assert countdown(-5) == "0:00"
    assert countdown(3723) == "1:02:03"


def test_failure_summary_names_the_error_and_code() -> None:
    exc = OAuthError("no", error="invalid_client", codes=(7000215,))
    assert failure_summary(exc) == "invalid_client AADSTS7000215"
    wrapped = NeedsAuthorization("refused")
    wrapped.oauth_error = OAuthError("no", error="invalid_grant", codes=(50173,))  # type: ignore[attr-defined]
    assert failure_summary(wrapped) == "invalid_grant AADSTS50173"
    assert failure_summary(ValueError("x")) == "ValueError"


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
