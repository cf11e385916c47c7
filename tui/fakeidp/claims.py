"""Scopes, resources and the JWT-shaped tokens the fake hands out.

The claims follow Microsoft's v2.0 access and ID tokens; signing.py turns them
into RS256 JWTs, so the fake checks a bearer token by its signature instead of
remembering every token it issued.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

GRAPH = "https://graph.microsoft.com"
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
# Hosts that are one resource under two names.
RESOURCE_ALIASES = {"https://outlook.office365.com": "https://outlook.office.com"}

# Application permissions an admin "consented to" for app-only tokens, per resource, so a
# client-credentials token carries roles as Microsoft's do (FakeIdP(app_roles=...) overrides).
DEFAULT_APP_ROLES: dict[str, tuple[str, ...]] = {
    GRAPH: ("Mail.ReadWrite", "User.Read.All"),
    "https://outlook.office.com": ("IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"),
}

DEMO_USER_NAME = "Demo User"
DEMO_USER_UPN = "demo.user@contoso.example"
DEMO_USER_OID = "5d1c6b8e-6f59-4a57-9d7e-0de5c0de5c0d"
HOME_TENANT = "contoso.example"


def resource_of(scope: str) -> str | None:
    """The resource a scope belongs to; None for the OpenID Connect scopes.

    ``https://host/Name`` belongs to ``https://host``; a bare name such as
    ``User.Read`` belongs to Microsoft Graph.
    """
    if scope.lower() in OIDC_SCOPES:
        return None
    if "://" in scope:
        parts = urlsplit(scope)
        base = f"{parts.scheme}://{parts.netloc}".lower()
        return RESOURCE_ALIASES.get(base, base)
    if "/" in scope:  # e.g. an app ID URI without scheme or a GUID/Name pair
        return scope.rsplit("/", 1)[0].lower()
    return GRAPH


def resources(scopes: list[str] | tuple[str, ...]) -> list[str]:
    """Distinct resources named by ``scopes``, in order of first appearance."""
    seen: list[str] = []
    for scope in scopes:
        res = resource_of(scope)
        if res is not None and res not in seen:
            seen.append(res)
    return seen


def scope_name(scope: str) -> str:
    """The part of a scope after its resource: ``https://x/IMAP.AccessAsUser.All`` -> the name."""
    return scope.rsplit("/", 1)[-1] if "/" in scope else scope


def tenant_id(tenant: str) -> str:
    """A stable GUID for a tenant name (GUIDs stay themselves)."""
    try:
        return str(uuid.UUID(tenant))
    except ValueError:
        name = HOME_TENANT if tenant.lower() in ("common", "organizations") else tenant.lower()
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


def access_claims(*, issuer: str, tenant: str, client_id: str, scopes: list[str],
                  now: float, lifetime: int) -> dict[str, object]:
    """Claims of a delegated access token for the demo user."""
    res = resources(scopes)
    names = [scope_name(s) for s in scopes if resource_of(s) is not None]
    oidc = [s for s in scopes if s.lower() in OIDC_SCOPES - {"offline_access"}]
    iat = int(now)
    return {
        "aud": res[0] if res else GRAPH,
        "iss": issuer,
        "iat": iat,
        "nbf": iat,
        "exp": iat + lifetime,
        "tid": tenant_id(tenant),
        "oid": DEMO_USER_OID,
        "sub": DEMO_USER_OID,
        "upn": DEMO_USER_UPN,
        "preferred_username": DEMO_USER_UPN,
        "unique_name": DEMO_USER_UPN,
        "name": DEMO_USER_NAME,
        "appid": client_id,
        "scp": " ".join(names or oidc or ["User.Read"]),
        "ver": "2.0",
        "uti": uuid.uuid4().hex[:22],
    }


def app_claims(*, issuer: str, tenant: str, client_id: str, scope: str, now: float,
               lifetime: int, roles: tuple[str, ...] | None) -> dict[str, object]:
    """Claims of an app-only (client credentials) access token, shaped like Microsoft's.

    No user and no ``scp``: the application is the subject, ``idtyp`` says so, and
    its application permissions travel in ``roles``. Microsoft leaves ``roles``
    out when no permission was consented, so an empty list is left out too.
    ``roles`` None: the defaults for the resource (DEFAULT_APP_ROLES).
    """
    audience = scope.removesuffix("/.default")
    res = resource_of(scope) or audience
    granted = DEFAULT_APP_ROLES.get(res, ()) if roles is None else roles
    iat = int(now)
    claims: dict[str, object] = {
        "aud": audience, "iss": issuer, "iat": iat, "nbf": iat, "exp": iat + lifetime,
        "tid": tenant_id(tenant), "appid": client_id, "idtyp": "app",
        "oid": client_id, "sub": client_id, "ver": "2.0", "uti": uuid.uuid4().hex[:22],
    }
    if granted:
        claims["roles"] = list(granted)
    return claims


def id_claims(*, issuer: str, tenant: str, client_id: str, now: float, lifetime: int,
              nonce: str | None) -> dict[str, object]:
    """Claims of an OpenID Connect ID token for the demo user."""
    iat = int(now)
    claims: dict[str, object] = {
        "aud": client_id, "iss": issuer, "iat": iat, "nbf": iat, "exp": iat + lifetime,
        "tid": tenant_id(tenant), "oid": DEMO_USER_OID, "sub": DEMO_USER_OID,
        "name": DEMO_USER_NAME, "preferred_username": DEMO_USER_UPN,
        "email": DEMO_USER_UPN, "ver": "2.0",
    }
    if nonce:
        claims["nonce"] = nonce
    return claims
