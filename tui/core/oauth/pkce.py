"""PKCE (RFC 7636) and state values for the authorization-code flow.

Both come from ``secrets``: a guessable state or verifier would let someone
else's sign-in answer be slipped into ours.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

VERIFIER_BYTES = 48  # -> 64 characters, inside RFC 7636's 43..128
STATE_BYTES = 32  # -> 43 characters


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_verifier(nbytes: int = VERIFIER_BYTES) -> str:
    """A fresh code_verifier: base64url without padding, 43..128 characters."""
    verifier = _b64url(secrets.token_bytes(nbytes))
    if not 43 <= len(verifier) <= 128:
        raise ValueError("a PKCE verifier must be 43 to 128 characters")
    return verifier


def s256(verifier: str) -> str:
    """code_challenge for method S256."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state(nbytes: int = STATE_BYTES) -> str:
    """An unguessable state value (at least 32 random bytes)."""
    return _b64url(secrets.token_bytes(max(nbytes, STATE_BYTES)))


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)
    challenge: str
    method: str = "S256"

    @classmethod
    def new(cls) -> Pkce:
        verifier = new_verifier()
        return cls(verifier=verifier, challenge=s256(verifier))
