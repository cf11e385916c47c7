"""Fixtures for the command tests: a quick OAuth service, and a real mail server."""

from __future__ import annotations

import pytest

from tests.helpers import MovableClock
from tests.mail.fixtures import dovecot, mail_idp
from tui.core.oauth.service import OAuthService

__all__ = ["dovecot", "mail_idp", "quick_service"]


@pytest.fixture
def quick_service(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    """The CLI's OAuth service, on a clock whose waits (retries, polls) end at once; the
    clock is returned, so a test can see the waits in ``sleeps``."""
    clock = MovableClock()
    monkeypatch.setattr("tui.commands.common.make_service", lambda: OAuthService(clock=clock))
    return clock
