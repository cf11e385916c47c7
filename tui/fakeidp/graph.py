"""GET /v1.0/me: a Graph-like check that the access token works, in Graph's error shape."""

from __future__ import annotations

from . import errors
from .claims import DEMO_USER_NAME, DEMO_USER_OID, DEMO_USER_UPN, GRAPH, TokenMinter
from .replies import Reply, json_reply

PROFILE = {
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
    "displayName": DEMO_USER_NAME, "givenName": "Demo", "surname": "User",
    "mail": DEMO_USER_UPN, "userPrincipalName": DEMO_USER_UPN, "id": DEMO_USER_OID,
    "jobTitle": None, "mobilePhone": None, "officeLocation": None,
    "preferredLanguage": "en-US", "businessPhones": [],
}


def me(minter: TokenMinter, now: float, headers: dict[str, str], authorize_url: str) -> Reply:
    """The demo user's profile for a live Graph token; 401 for a missing, foreign or old one."""
    auth = headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    challenge = (("WWW-Authenticate",
                  f'Bearer realm="", authorization_uri="{authorize_url}"'),)

    def fail(message: str, status: int = 401) -> Reply:
        code = "InvalidAuthenticationToken" if status == 401 else "BadRequest"
        return json_reply(status, errors.graph_error(code, message, now),
                          challenge if status == 401 else ())

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
    if claims.get("idtyp") == "app":
        return fail("/me request is only valid with delegated authentication flow.", 400)
    return json_reply(200, PROFILE)
