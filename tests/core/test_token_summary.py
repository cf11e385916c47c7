"""tui.core.token_summary: a summary judges a token exactly as the full state does."""

from __future__ import annotations

import math

import pytest

from tui.core.model import TokenState
from tui.core.token_summary import LAST_EPOCH, TokenSummary, possible_time

NOW = 1_800_000_000.0
STATES = [
    TokenState("id", "a"),
    TokenState("id", "a", "at", "rt", NOW + 3600),
    TokenState("id", "a", "at", "rt", NOW + 100),  # within the margin
    TokenState("id", "a", "at", "", NOW - 5),
    TokenState("id", "a", "", "rt", None, needs_authorization=True, last_error="refused"),
    TokenState("id", "a", "at", "rt", NOW + 3600, refresh_due_at=NOW - 10),
    TokenState("id", "a", "at", "rt", NOW + 3600, refresh_due_at=NOW - 10,
               last_error_at=NOW - 60),  # an advised refresh failed a minute ago
    TokenState("id", "a", "", "", None, last_error="invalid_client"),
]


@pytest.mark.parametrize("state", STATES)
def test_a_summary_judges_like_its_state(state: TokenState) -> None:
    summary = state.summary()
    assert isinstance(summary, TokenSummary)
    assert summary.status == state.status
    assert summary.valid_for(NOW) == state.valid_for(NOW)
    assert summary.is_valid(now=NOW) == state.is_valid(now=NOW)
    assert summary.is_fresh(now=NOW) == state.is_fresh(now=NOW)
    assert (summary.has_access_token, summary.has_refresh_token) == (
        bool(state.access_token), bool(state.refresh_token))
    assert "at" not in summary and "rt" not in summary  # whether, never which


def test_possible_times() -> None:
    assert possible_time(0.0) and possible_time(NOW) and possible_time(LAST_EPOCH)
    for impossible in (-1.0, LAST_EPOCH + 1, math.inf, math.nan, 2.0**63):
        assert not possible_time(impossible)
