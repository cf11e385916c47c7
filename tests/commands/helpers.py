"""Helpers for the command tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeIdP
from tui.fakeidp.claims import HOME_TENANT


def add_app(idp: FakeIdP, config: Path, monkeypatch: pytest.MonkeyPatch, *extra: str,
            label: str = "app") -> int:
    """`exo-oauth add LABEL --flow app ...` for the fake's confidential client."""
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    return run(config, "add", label, "--client-id", DEMO_CLIENT_ID, "--flow", "app",
               "--authorize-url", idp.authorize_url(HOME_TENANT),
               "--token-url", idp.token_url(HOME_TENANT), *extra)
