"""Fixtures: a fake with one confidential and one public client (auto-approving), and a client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, PUB, SECRET


@pytest.fixture
def idp() -> Iterator[FakeIdP]:
    with FakeIdP(clients={CONF: SECRET, PUB: None}, auto_approve=0) as fake:
        yield fake


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client
