"""Fixtures every folder shares.

Every test runs with its own HOME and XDG folders, with no exo-oauth settings and no proxy
from outside. ``config`` is the account file's path there and ``store`` a handle on it;
``idp`` is the local identity provider on loopback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tui.core.store import seal
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

if TYPE_CHECKING:
    from tests.core.doctor.servers import Cert


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
    # A proxy from outside would turn direct-connection failures into warnings.
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    return tmp_path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The account file's path inside this test's own XDG config folder (the default one)."""
    return tmp_path / "config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def store(config: Path) -> AccountStore:
    """A handle on the account file; next to an app or a command it plays another process."""
    return AccountStore(config)


@pytest.fixture
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """New passphrase files use n=2**10 (the cost is stored in the header, so reads follow)."""
    monkeypatch.setattr(seal, "SCRYPT_N", 2**10)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch, cheap_scrypt: None) -> str:
    value = "correct horse battery staple"
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", value)
    return value


@pytest.fixture
def idp_options() -> dict[str, Any]:
    """Options for ``idp`` on top of its defaults; a folder or module overrides this fixture."""
    return {}


@pytest.fixture
def idp(idp_options: dict[str, Any]) -> Iterator[FakeIdP]:
    """The local identity provider: sign-ins approved at once, no Retry-After waits."""
    with FakeIdP(**{"auto_approve": 0, "retry_after": 0, **idp_options}) as fake:
        yield fake


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client, for talking to the fake the way any client would."""
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    """A self-signed certificate for localhost and 127.0.0.1."""
    from tests.core.doctor.servers import make_cert

    return make_cert(tmp_path_factory.mktemp("certs"))
