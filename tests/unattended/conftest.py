"""Fixtures for the unattended tests: a fake identity provider, a store, clocks that move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core.store import AccountStore
from tui.fakeidp import FakeIdP


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    with FakeIdP(retry_after=0, auto_approve=0) as fake:
        yield fake


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return tmp_path / "config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def store(config: Path) -> AccountStore:
    return AccountStore(config)
