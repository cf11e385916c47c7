"""Fixtures for the app tests: UTC, a fixed or a live clock, the app, seeded accounts.

Nothing here sleeps: the ``clock`` only moves when a test moves it, the live status
timer is off (tests call the refresh themselves) and the cursor does not blink.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MovableClock
from tui.app.exo_app import ExoApp
from tui.core.model import Account
from tui.core.store.account_store import AccountStore

from .helpers import FIXED_NOW, build, over_ssh_env, seed


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC so expiry times in snapshots never depend on the machine;
    colours do not depend on the caller's NO_COLOR either."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def idp_options() -> dict[str, Any]:
    """The fake's tokens live exactly an hour (a tenant's token lifetime policy can fix it
    so), so screens read the same on every run; the core tests meet Microsoft's varying
    60-90 minutes."""
    return {"access_token_lifetime": 3600}


@pytest.fixture
def clock() -> MovableClock:
    """The app's time, FIXED_NOW until the test moves it."""
    return MovableClock(FIXED_NOW)


@pytest.fixture
def home_config() -> Path:
    """The default place, under the per-test home folder, so it shows as ~/.config/..."""
    return Path.home() / ".config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def app(config: Path, clock: MovableClock) -> ExoApp:
    return build(config, clock)


@pytest.fixture
def seeded(store: AccountStore) -> list[Account]:
    return seed(store)


@pytest.fixture
def over_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A headless server reached over SSH, as a fixed user on a fixed host."""
    over_ssh_env(monkeypatch)


@pytest.fixture
def live() -> MovableClock:
    """Wall time the test moves forward (see helpers.live_app)."""
    return MovableClock()
