"""Fixtures for the command tests that need a real mail server."""

from __future__ import annotations

from tests.mail.fixtures import dovecot, mail_idp

__all__ = ["dovecot", "mail_idp"]
