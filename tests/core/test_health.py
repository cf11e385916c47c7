"""assess() on a movable clock: healthy, expiring, idle refresh token, refused, never authorized."""

from __future__ import annotations

from dataclasses import replace

from tui.core.health import (
    DAY,
    ERROR,
    EXPIRED,
    EXPIRING,
    NEEDS_AUTHORIZATION,
    NOT_AUTHORIZED,
    VALID,
    assess,
    describe,
)
from tui.core.model import TokenState

NOW = 1_800_000_000.0
FRESH = TokenState(account_id="a", label="mail", access_token="at", refresh_token="rt",
                   expires_at=NOW + 3000, obtained_at=NOW - 600, last_refresh_at=NOW - 600)


def test_valid_token_is_healthy() -> None:
    h = assess(FRESH, now=NOW)
    assert h.state == VALID and h.healthy
    assert describe(h) == "Valid, expires in 50 min"


def test_inside_the_margin_is_expiring_but_healthy() -> None:
    h = assess(replace(FRESH, expires_at=NOW + 120), now=NOW)
    assert h.state == EXPIRING and h.healthy


def test_expired_with_refresh_token_is_fine_without_it_is_not() -> None:
    assert assess(replace(FRESH, expires_at=NOW - 10), now=NOW).healthy
    h = assess(replace(FRESH, expires_at=NOW - 10, refresh_token=""), now=NOW)
    assert h.state == EXPIRED and not h.healthy and describe(h) == "Expired"


def test_refused_refresh_token_needs_a_person() -> None:
    h = assess(replace(FRESH, needs_authorization=True), now=NOW)
    assert h.state == NEEDS_AUTHORIZATION and "authorize" in h.problem
    assert describe(h) == "Needs authorization"


def test_never_authorized() -> None:
    h = assess(TokenState(account_id="a", label="mail"), now=NOW)
    assert h.state == NOT_AUTHORIZED and not h.healthy and describe(h) == "Not authorized"


def test_idle_refresh_token_warns_a_week_before_ninety_days() -> None:
    used = NOW - 82 * DAY
    idle = replace(FRESH, obtained_at=used, last_refresh_at=used)
    assert assess(idle, now=NOW).healthy  # 8 days left
    h = assess(idle, now=NOW + 2 * DAY)  # 6 days left
    assert not h.healthy and "idle 84 days" in h.problem
    assert "dropped" in assess(idle, now=NOW + 9 * DAY).problem


def test_last_error_after_last_refresh_is_a_problem() -> None:
    failed = replace(FRESH, last_error="network: connection refused", last_error_at=NOW - 5)
    h = assess(failed, now=NOW)
    assert h.state == ERROR and "connection refused" in h.problem
    assert describe(h) == "Error: network"
    # a later success clears it
    assert assess(replace(failed, last_refresh_at=NOW - 1), now=NOW).healthy
