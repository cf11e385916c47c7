"""The SASL XOAUTH2 client response, built in one place for the doctor's mail logins,
the proxy's upstream login and `exo-oauth token --format xoauth2`.

Standard library only and tiny: the token fast path imports it.
"""

from __future__ import annotations

import base64


def xoauth2_text(user: str, token: str) -> str:
    """The response before base64 (what imaplib and smtplib encode themselves)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def xoauth2(user: str, token: str) -> str:
    """The response base64-encoded, as it goes on the wire."""
    return base64.b64encode(xoauth2_text(user, token).encode()).decode()
