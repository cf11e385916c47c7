"""Fixtures for the unattended tests: a fake identity provider, a store, clocks that move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.fakeidp import FakeIdP


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    with FakeIdP(retry_after=0, auto_approve=0) as fake:
        yield fake


