"""assess() on a movable clock: healthy, expiring, idle refresh token, refused, never authorized."""

from __future__ import annotations

import time
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
    assert describe(h, NOW) == "Needs sign-in; token valid for 50 min"
    refused = replace(FRESH, needs_authorization=True, last_error="invalid_grant AADSTS50076",
                      last_error_at=NOW - 60)
    at = time.strftime("%H:%M", time.localtime(NOW - 60))
    assert describe(assess(refused, now=NOW), NOW) == (
        f"Needs sign-in; token valid for 50 min; last refresh failed (AADSTS50076) at {at}")
    gone = replace(refused, expires_at=NOW - 1)
    assert describe(assess(gone, now=NOW), NOW) == (
        f"Needs sign-in; last refresh failed (AADSTS50076) at {at}")


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
    # the token still works: say so first, then the failure (once, with its time labelled)
    assert h.state == VALID and not h.healthy and "refresh" in h.problem
    at = time.strftime("%H:%M", time.localtime(NOW - 5))
    assert describe(h, NOW) == (
        f"Valid for 50 min; last refresh failed (network: connection refused) at {at}")
    expired = assess(replace(failed, expires_at=NOW - 10), now=NOW)
    assert expired.state == ERROR and describe(expired, NOW) == (
        f"Expired; last refresh failed (network: connection refused) at {at}")
    yesterday = replace(failed, last_error_at=NOW - DAY, last_refresh_at=NOW - 2 * DAY,
                        obtained_at=NOW - 2 * DAY)
    day = time.strftime("%Y-%m-%d %H:%M", time.localtime(NOW - DAY))
    assert describe(assess(yesterday, now=NOW), NOW).endswith(f"at {day}")  # dated
    # a later success clears it
    assert assess(replace(failed, last_refresh_at=NOW - 1), now=NOW).healthy
