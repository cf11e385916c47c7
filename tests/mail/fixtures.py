"""pytest fixtures for tests that need a real mail server; import them in a conftest.py:

    from tests.mail.fixtures import dovecot, mail_idp  # noqa: F401

``dovecot_jwt`` is a Dovecot that validates tokens locally instead of asking the
fake's /me. All are module-scoped (one Dovecot per test module and xdist worker). A test that
moves ``mail_idp``'s clock moves it back when done (``idp.advance(-seconds)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tui.fakeidp import FakeIdP

from .dovecot import SKIP_REASON, Dovecot, dovecot_binary, start_dovecot


def need_tool(found: object, reason: str) -> None:
    """Skip where a mail tool (Dovecot, msmtp) is missing on a developer's machine; fail
    where it must be there (.ci/run installs them and sets EXO_TESTS_REQUIRE_MAIL_TOOLS,
    so CI never skips a mail test)."""
    if found:
        return
    if os.environ.get("EXO_TESTS_REQUIRE_MAIL_TOOLS"):
        pytest.fail(reason)
    pytest.skip(reason)


def need_dovecot() -> None:
    need_tool(dovecot_binary(), SKIP_REASON)


@pytest.fixture(scope="module")
def mail_idp() -> Iterator[FakeIdP]:
    """The identity provider Dovecot asks who a token belongs to."""
    with FakeIdP(retry_after=0) as idp:
        yield idp


@pytest.fixture(scope="module")
def dovecot(mail_idp: FakeIdP) -> Iterator[Dovecot]:
    """A running Dovecot (IMAP, POP3, submission; STARTTLS and implicit TLS ports)."""
    need_dovecot()
    server = start_dovecot(mail_idp.me_url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dovecot_jwt(mail_idp: FakeIdP) -> Iterator[Dovecot]:
    """A running Dovecot that validates tokens itself with the keys at ``mail_idp``'s
    jwks_uri (read from its discovery document), so tokens for Outlook log in too."""
    import httpx

    need_dovecot()
    jwks_uri = httpx.get(mail_idp.discovery_url(), timeout=10).raise_for_status().json()[
        "jwks_uri"]
    server = start_dovecot(mail_idp.me_url, keys_from=jwks_uri)
    try:
        yield server
    finally:
        server.stop()
