"""GET /v1.0/me and /v1.0/users/{id}: Graph-like checks that an access token works.

/me needs a signed-in user, so it refuses app-only tokens as Graph does (400);
/users/{id} is what an app-only token can ask instead, given the right role.
Errors use Graph's shape.
"""

from __future__ import annotations

from . import errors
from .claims import DEMO_USER_NAME, DEMO_USER_OID, DEMO_USER_UPN, GRAPH
from .replies import Reply, json_reply
from .signing import TokenMinter

PROFILE: dict[str, str | list[str] | None] = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
    "displayName": DEMO_USER_NAME, "givenName": "Demo", "surname": "User",
    "mail": DEMO_USER_UPN, "userPrincipalName": DEMO_USER_UPN, "id": DEMO_USER_OID,
    "jobTitle": None, "mobilePhone": None, "officeLocation": None,
    "preferredLanguage": "en-US", "businessPhones": [],
}
# Application permissions that let an app-only token read another user's profile.
USER_READ_ROLES = frozenset({"user.read.all", "user.readwrite.all", "directory.read.all",
                             "directory.readwrite.all"})


def _fail(code: str, message: str, status: int, now: float, authorize_url: str) -> Reply:
    challenge = (("WWW-Authenticate",
                  f'Bearer realm="", authorization_uri="{authorize_url}"'),)
    return json_reply(status, errors.graph_error(code, message, now),
                      challenge if status == 401 else ())


def _graph_claims(minter: TokenMinter, now: float, headers: dict[str, str],
                  authorize_url: str) -> dict[str, object] | Reply:
    """The claims of a live Graph token from this fake, or the 401 Graph would send."""
    auth = headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""

    def fail(message: str) -> Reply:
        return _fail("InvalidAuthenticationToken", message, 401, now, authorize_url)

    if not token:
        return fail("Access token is empty.")
    claims = minter.check(token)
    if claims is None:
        return fail("Access token validation failure: the token was not issued here.")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return fail("Lifetime validation failed, the token is expired.")
    if claims.get("aud") != GRAPH:
        return fail("Access token validation failure. Invalid audience.")
    return claims


def me(minter: TokenMinter, now: float, headers: dict[str, str], authorize_url: str) -> Reply:
    """The demo user's profile for a live delegated Graph token."""
    claims = _graph_claims(minter, now, headers, authorize_url)
    if isinstance(claims, Reply):
        return claims
    if claims.get("idtyp") == "app":
        return _fail("BadRequest", "/me request is only valid with delegated authentication "
                     "flow.", 400, now, authorize_url)
    return json_reply(200, PROFILE)


def user(minter: TokenMinter, now: float, headers: dict[str, str], authorize_url: str,
         who: str) -> Reply:
    """The demo user's profile by UPN or object ID; an app-only token needs User.Read.All."""
    claims = _graph_claims(minter, now, headers, authorize_url)
    if isinstance(claims, Reply):
        return claims
    roles = claims.get("roles")
    held = {str(r).lower() for r in roles} if isinstance(roles, list) else set()
    if claims.get("idtyp") == "app" and not held & USER_READ_ROLES:
        return _fail("Authorization_RequestDenied", "Insufficient privileges to complete the "
                     "operation.", 403, now, authorize_url)
    if who.lower() not in (DEMO_USER_UPN, DEMO_USER_OID):
        return _fail("Request_ResourceNotFound", f"Resource '{who}' does not exist or one of "
                     "its queried reference-property objects are not present.", 404, now,
                     authorize_url)
    return json_reply(200, PROFILE)
