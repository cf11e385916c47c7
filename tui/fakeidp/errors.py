"""Microsoft-shaped error answers: the token JSON body, the authorize redirect, Graph's 401.

The fake's value is that clients meet the same shapes they will meet in
production, so these follow identity-platform.md to the byte where it matters:
``error_description`` starts with ``AADSTSnnnn:`` and ends with the trace,
correlation and timestamp lines; invalid_client answers with 401.
"""

from __future__ import annotations

import time
import uuid

# code -> (error, message template). Templates take keyword fields.
MESSAGES: dict[int, tuple[str, str]] = {
    900144: ("invalid_request",
             "The request body must contain the following parameter: '{param}'."),
    90002: ("invalid_request",
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud."),
    900023: ("invalid_request",
             "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid "
             "external domain."),
    700016: ("unauthorized_client",
             "Application with identifier '{client_id}' was not found in the directory "
             "'{tenant}'. The application may not be installed in this tenant, or the request "
             "went to the wrong tenant."),
    7000215: ("invalid_client",
              "Invalid client secret provided. Ensure the secret being sent in the request is "
              "the client secret value, not the client secret ID, for a secret added to app "
              "'{client_id}'."),
    7000218: ("invalid_client",
              "The request body must contain the following parameter: 'client_assertion' or "
              "'client_secret'."),
    700025: ("invalid_client",
             "Client is public so neither 'client_assertion' nor 'client_secret' should be "
             "presented."),
    50011: ("invalid_request",
            "The redirect URI '{redirect_uri}' specified in the request does not match the "
            "redirect URIs configured for the application '{client_id}'."),
    501481: ("invalid_grant",
             "The Code_Verifier does not match the code_challenge supplied in the "
             "authorization request."),
    54005: ("invalid_grant",
            "OAuth2 Authorization code was already redeemed, please retry with a new valid "
            "code or use an existing refresh token."),
    70008: ("invalid_grant",
            "The provided authorization code or refresh token has expired due to inactivity. "
            "Send a new interactive authorization request for this user and resource."),
    700082: ("invalid_grant",
             "The refresh token has expired due to inactivity. The token was issued on "
             "{issued} and was inactive for {inactive}."),
    50173: ("invalid_grant",
            "The provided grant has expired due to it being revoked, a fresh auth token is "
            "needed. The user might have changed or reset their password. The grant was "
            "issued on '{issued}' and the TokensValidFrom date (before which tokens are not "
            "valid) for this user is '{valid_from}'."),
    9002313: ("invalid_grant", "Invalid request. Request is malformed or invalid."),
    70000: ("invalid_grant", "Provided grant is invalid or malformed. {detail}"),
    28000: ("invalid_scope",
            "Provided value for the input parameter scope is not valid because it contains "
            "more than one resource. Scope {scope} is not valid."),
    28003: ("invalid_scope",
            "The scope parameter is empty; a request redeeming this authorization code must "
            "name the scope it wants."),
    70011: ("invalid_scope",
            "The provided value for the input parameter 'scope' isn't valid. {detail}"),
    70003: ("unsupported_grant_type",
            "The app requested an unsupported grant type '{grant_type}'."),
    700054: ("unsupported_response_type",
             "response_type '{response_type}' is not enabled for the application."),
    50058: ("login_required",
            "A silent sign-in request was sent but no user is signed in."),
    70016: ("authorization_pending",
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
    # slow_down has no code of its own at Microsoft; the fake tags it with 70016 too.
    -70016: ("slow_down",
             "OAuth 2.0 device flow error. Polling too fast: wait longer between requests."),
    65004: ("authorization_declined", "User declined to consent to access the app."),
    70019: ("expired_token", "Verification code expired."),
    70020: ("expired_token",
            "The device_code parameter is no longer valid: the device code has expired."),
    # Conditional Access and MFA: only a new interactive sign-in helps (see policy.py).
    50076: ("invalid_grant",
            "Multi-factor authentication is required to access '{resource}' (a change made "
            "by your administrator, or a sign-in from a new location, asks for it)."),
    50079: ("invalid_grant",
            "You must register for multi-factor authentication before accessing "
            "'{resource}' (your administrator or a new location requires it)."),
    50078: ("invalid_grant",
            "The multi-factor authentication presented earlier has expired under your "
            "administrator's policies; complete it again to access '{resource}'."),
    70043: ("invalid_grant",
            "Sign-in frequency checks by Conditional Access made this refresh token invalid. "
            "It was issued on {issued}; this request accepts sign-ins at most {limit} old."),
    53003: ("invalid_grant",
            "Conditional Access policies blocked this request: the policy does not allow "
            "issuing a token."),
    65001: ("invalid_grant",
            "Neither the user nor an administrator has consented to the application "
            "'{client_id}'. Send an interactive authorization request for this user and "
            "resource."),
    -70000: ("bad_verification_code", "The device code is not recognised."),
    9001023: ("invalid_request",
              "The grant type isn't supported over the /common or /consumers endpoints."),
    1002012: ("invalid_scope",
              "The provided value for scope {scope} is not valid. Client credential flows "
              "must have a scope value with /.default suffixed to the resource identifier."),
    90033: ("temporarily_unavailable",
            "A transient error has occurred. Please try again."),
}


def utc_stamp(now: float) -> str:
    """Microsoft's timestamp form: ``2016-01-09 02:02:12Z``."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(now))


def message(code: int, **fields: str) -> str:
    """The text of AADSTS ``code`` with its fields filled in (missing ones left empty)."""
    return MESSAGES[code][1].format_map(_Blank(fields)).rstrip()


def aad_error(code: int, now: float, *, correlation_id: str | None = None,
              error: str | None = None, suberror: str | None = None, claims: str | None = None,
              **fields: str) -> dict[str, object]:
    """The JSON body of a token-endpoint error for AADSTS ``code``.

    A negative code is a variant sharing the positive code's number (see MESSAGES).
    ``error`` overrides the code's usual error name (53003 also comes as access_denied);
    ``suberror`` and ``claims`` (a JSON challenge) follow the other keys, as at Microsoft.
    """
    error = error or MESSAGES[code][0]
    number = abs(code)
    text = message(code, **fields)
    trace_id = str(uuid.uuid4())
    correlation = correlation_id or str(uuid.uuid4())
    stamp = utc_stamp(now)
    body: dict[str, object] = {
        "error": error,
        "error_description": f"AADSTS{number}: {text}\r\nTrace ID: {trace_id}"
                             f"\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}",
        "error_codes": [number],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }
    if suberror:
        body["suberror"] = suberror
    if claims:
        body["claims"] = claims
    return body


def status_for(body: dict[str, object]) -> int:
    """invalid_client is 401 at Microsoft; every other OAuth error is 400."""
    return 401 if body["error"] == "invalid_client" else 400


def redirect_error_params(code: int, now: float, state: str | None,
                          **fields: str) -> dict[str, str]:
    """Query parameters of an authorize error redirect, in Microsoft's order."""
    body = aad_error(code, now, **fields)
    params = {"error": str(body["error"]),
              "error_description": str(body["error_description"]),
              "error_uri": str(body["error_uri"])}
    if state is not None:
        params["state"] = state
    return params


def cancel_params(state: str | None) -> dict[str, str]:
    """What Microsoft sends back when the person cancels the sign-in."""
    params = {"error": "access_denied", "error_subcode": "cancel"}
    if state is not None:
        params["state"] = state
    return params


def graph_error(code: str, message: str, now: float) -> dict[str, object]:
    """Graph's error envelope, e.g. for a missing or expired bearer token."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    request_id = str(uuid.uuid4())
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": stamp, "request-id": request_id,
                                     "client-request-id": request_id}}}


class _Blank(dict):  # type: ignore[type-arg]
    """format_map helper: a missing field becomes an empty string, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""
