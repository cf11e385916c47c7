"""The fake's own tests use a confidential and a public client of their own."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import CONF, PUB, SECRET


@pytest.fixture
def idp_options() -> dict[str, Any]:
    """Its own two clients, and the fake's default Retry-After."""
    return {"clients": {CONF: SECRET, PUB: None}, "retry_after": 1}
