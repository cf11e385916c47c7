"""Fixtures for the unattended tests: a fake identity provider, a store, clocks that move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.fakeidp import FakeIdP


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    with FakeIdP(retry_after=0, auto_approve=0) as fake:
        yield fake




@pytest.fixture
def quick_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's OAuth service, with retry waits that end at once."""
    from tui.core.clock import SYSTEM_CLOCK
    from tui.core.oauth.service import OAuthService

    class Quick(type(SYSTEM_CLOCK)):  # type: ignore[misc]
        async def sleep(self, seconds: float) -> None:
            return None

    monkeypatch.setattr("tui.commands.common.make_service",
                        lambda: OAuthService(clock=Quick()))
