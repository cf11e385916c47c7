"""Fixtures: the fake with a confidential and a public client of its own, an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .helpers import CONF, PUB, SECRET


@pytest.fixture
def idp_options() -> dict[str, Any]:
    """The fake's own tests use two clients of their own and its default Retry-After."""
    return {"clients": {CONF: SECRET, PUB: None}, "retry_after": 1}


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client
