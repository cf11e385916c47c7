"""Fixtures for the proxy tests: a real Dovecot, the fake identity provider, accounts."""

from __future__ import annotations

from tests.mail.fixtures import dovecot, mail_idp

__all__ = ["dovecot", "mail_idp"]
