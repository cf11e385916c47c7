"""Fixtures for tests/core: a store on the isolated HOME, and cheap scrypt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core import paths
from tui.core.store import seal
from tui.core.store.account_store import AccountStore


@pytest.fixture
def cfg(isolated_env: Path) -> Path:
    return paths.config_path()


@pytest.fixture
def store(cfg: Path) -> AccountStore:
    return AccountStore(cfg)


@pytest.fixture
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """New passphrase files use n=2**10 (the cost is stored in the header, so reads follow)."""
    monkeypatch.setattr(seal, "SCRYPT_N", 2**10)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch, cheap_scrypt: None) -> str:
    value = "correct horse battery staple"
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", value)
    return value
