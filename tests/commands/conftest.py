"""Fixtures for the command tests: the CLI's OAuth service with waits that end at once."""

from __future__ import annotations

import pytest

from tests.core.oauth.conftest import QuickClock
from tui.core.oauth.service import OAuthService


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> QuickClock:
    """Make the CLI's OAuth service use a clock whose sleeps are instant."""
    clock = QuickClock()
    monkeypatch.setattr("tui.commands.common.make_service", lambda: OAuthService(clock=clock))
    return clock


@pytest.fixture
def quick_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's OAuth service, with retry waits that end at once."""
    from tui.core.clock import SYSTEM_CLOCK

    class Quick(type(SYSTEM_CLOCK)):  # type: ignore[misc]
        async def sleep(self, seconds: float) -> None:
            return None

    monkeypatch.setattr("tui.commands.common.make_service",
                        lambda: OAuthService(clock=Quick()))
