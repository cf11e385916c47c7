"""Every test runs with its own HOME and XDG folders, and no exo-oauth settings from outside."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tui.core.store.account_store import AccountStore

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                     ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    for var in list(os.environ):
        if var.startswith("EXO_OAUTH_"):
            monkeypatch.delenv(var)
    return tmp_path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The account file's path inside this test's own XDG config folder."""
    return tmp_path / "config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def store(config: Path) -> AccountStore:
    return AccountStore(config)
