"""Fixtures for the store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.core import paths


@pytest.fixture
def cfg(isolated_env: Path) -> Path:
    return paths.config_path()
