"""Fixtures for the command tests."""

from __future__ import annotations

import pytest

from tests.helpers import MovableClock
from tui.core.oauth.service import OAuthService


@pytest.fixture
def quick_service(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    """The CLI's OAuth service, on a clock whose waits (retries, polls) end at once; the
    clock is returned, so a test can see the waits in ``sleeps``."""
    clock = MovableClock()
    monkeypatch.setattr("tui.commands.common.make_service", lambda: OAuthService(clock=clock))
    return clock
