"""Read the claims of an access token that happens to be a JWT, for diagnostics only.

Microsoft says access tokens are opaque to clients, and nothing here verifies a
signature: the result must never decide whether a token is trusted. It only
helps a person see why a server refuses a token (made for Graph instead of
Outlook, a missing scope, expired, another tenant). Only selected claims come
out; the token itself is never returned or shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from tui.core.resources import GRAPH, OTHER, OUTLOOK, audience_kind

# JwtInfo.kind answers with these; they live with the other facts about resources.
__all__ = ["GRAPH", "OTHER", "OUTLOOK", "JwtInfo", "audience_kind", "claims_of", "decode"]


@dataclass(frozen=True)
class JwtInfo:
    """What a person needs to know about a token, never the token itself."""

    audience: tuple[str, ...]
    scopes: tuple[str, ...]  # delegated permissions (scp)
    roles: tuple[str, ...]  # application permissions (app-only tokens)
    expires_at: float | None
    not_before: float | None
    issued_at: float | None
    user: str  # upn, preferred_username, unique_name or email
    name: str
    tenant: str
    app_id: str
    issuer: str

    @property
    def kind(self) -> str:
        """graph, outlook or other, from the first audience that names a known resource."""
        for aud in self.audience:
            found = audience_kind(aud)
            if found != OTHER:
                return found
        return OTHER

    @property
    def app_only(self) -> bool:
        return not self.scopes and bool(self.roles)

    def grants(self, *names: str) -> bool:
        """True if any of ``names`` is among the scopes or roles (case-insensitive)."""
        held = {s.lower() for s in (*self.scopes, *self.roles)}
        return any(n.lower() in held for n in names)


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _text(claims: dict[str, Any], *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int))
    return ()


def claims_of(token: str) -> dict[str, Any] | None:
    """The payload of a signed JWT (three dot-separated parts), or None for anything else.

    Encrypted tokens (five parts, as personal Microsoft accounts get) and opaque
    strings give None: they cannot be read by a client.
    """
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    try:
        header = json.loads(_b64url(parts[0]))
        payload = json.loads(_b64url(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return payload


def decode(token: str) -> JwtInfo | None:
    """Selected claims of a JWT access token, unverified; None when it is not a JWT."""
    claims = claims_of(token)
    if claims is None:
        return None
    aud = claims.get("aud")
    audience = _words(aud) if isinstance(aud, list) else ((aud,) if isinstance(aud, str)
                                                          else ())
    return JwtInfo(
        audience=audience,
        scopes=_words(claims.get("scp")),
        roles=_words(claims.get("roles")),
        expires_at=_number(claims.get("exp")),
        not_before=_number(claims.get("nbf")),
        issued_at=_number(claims.get("iat")),
        user=_text(claims, "upn", "preferred_username", "unique_name", "email"),
        name=_text(claims, "name"),
        tenant=_text(claims, "tid"),
        app_id=_text(claims, "appid", "azp"),
        issuer=_text(claims, "iss"),
    )
