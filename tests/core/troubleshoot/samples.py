"""One or more realistic inputs per catalog entry, each of which must select that entry first.

The forms vary on purpose: bare codes, Microsoft JSON bodies, redirect URLs with a
URL-encoded error_description, sign-in page text, log lines, OAuthError objects as
the OAuth service raises them, plain exceptions, and validation issues.
"""

from __future__ import annotations

import json
import socket
import ssl
from urllib.parse import urlencode

import httpx

from tui.core.errors import (
    BAD_RESPONSE,
    NETWORK,
    ConflictError,
    NeedsAuthorization,
    NoSuchAccount,
    OAuthError,
    ParseError,
    SealError,
    StoreError,
    UsageError,
)
from tui.core.proxy.errors import UpstreamRefused, UpstreamUnavailable
from tui.core.validate import ERROR, WARNING, Issue

TRACE = "0000aaaa-11bb-cccc-dd33-eeeeee333333"
CORR = "aaaa0000-bb11-2222-33cc-444444dddddd"
STAMP = "2016-01-09 02:02:12Z"


def body(code: int, error: str, text: str = "Something went wrong.", **extra: object) -> str:
    """A token-endpoint error body in Microsoft's exact shape."""
    data: dict[str, object] = {
        "error": error,
        "error_description": f"AADSTS{code}: {text}\r\nTrace ID: {TRACE}\r\n"
                             f"Correlation ID: {CORR}\r\nTimestamp: {STAMP}",
        "error_codes": [code], "timestamp": STAMP, "trace_id": TRACE,
        "correlation_id": CORR, "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    data.update(extra)
    return json.dumps(data)


def redirect(error: str, code: int | None = None, text: str = "Something went wrong.") -> str:
    """The URL the browser ends on after an authorize error (plus-encoded, Microsoft's order)."""
    params = {"error": error}
    if code is not None:
        params["error_description"] = (f"AADSTS{code}: {text}\r\nTrace ID: {TRACE}\r\n"
                                       f"Correlation ID: {CORR}\r\nTimestamp: {STAMP}")
        params["error_uri"] = f"https://login.microsoftonline.com/error?code={code}"
    params["state"] = "s7Fq2"
    return "http://localhost:8400/?" + urlencode(params)


def oauth(code: int | None, error: str, status: int = 400, text: str = "") -> OAuthError:
    """An OAuthError shaped like the OAuth service's (tui.core.oauth.http)."""
    desc = f"AADSTS{code}: {text}" if code else text
    return OAuthError(f"Token request failed (HTTP {status}): {error}: {desc}", status=status,
                      error=error, error_description=desc or None,
                      codes=(code,) if code else (), trace_id=TRACE, correlation_id=CORR)


def graph(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message, "innerError": {
        "date": "2024-05-01T10:00:00", "request-id": TRACE, "client-request-id": CORR}}})


def issue(rule: str, field: str = "authorize_url", severity: str = WARNING) -> Issue:
    return Issue(field, severity, "(message)", rule)


def chained(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` raised while handling ``inner``, as `raise ... from None` leaves it."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer from None
    except BaseException as exc:
        return exc


SAMPLES: list[tuple[str, object]] = [
    # App registration and client credentials
    ("aadsts.700016", "AADSTS700016: Application with identifier "
                      "'11111111-2222-3333-4444-555555555555' was not found in the directory "
                      "'Contoso'. Request Id: " + TRACE),
    ("aadsts.7000215", oauth(7000215, "invalid_client", 401, "Invalid client secret provided.")),
    ("aadsts.7000215", "AADSTS7000215"),
    ("aadsts.7000222", body(7000222, "invalid_client", "The provided client secret keys are "
                                                       "expired.")),
    ("aadsts.7000218", "2024-05-01 10:00:02 ERROR token: invalid_client AADSTS7000218"),
    ("aadsts.700025", "700025"),
    ("aadsts.700025", body(90023, "invalid_request")),
    ("aadsts.50011", "Sorry, but we're having trouble signing you in. AADSTS50011: The redirect "
                     "URI 'http://localhost:8400' specified in the request does not match."),
    ("aadsts.700054", redirect("unsupported_response_type", 700054)),
    ("aadsts.700054", "AADSTS700051"),
    ("aadsts.700024", body(700024, "invalid_client")),
    ("aadsts.90009", "AADSTS90009: Application is requesting a token for itself."),
    ("aadsts.650052", body(650052, "invalid_client")),
    ("aadsts.500011", "invalid_resource: AADSTS500011: The resource principal named "
                      "https://outlook.office.com was not found in the tenant."),
    ("aadsts.50105", redirect("interaction_required", 50105)),
    ("aadsts.50194", "AADSTS50194"),
    ("aadsts.50020", "AADSTS50020: User account 'someone@outlook.com' from identity provider "
                     "'live.com' does not exist in tenant 'Contoso'."),
    ("aadsts.50059", body(50059, "invalid_request")),
    ("aadsts.70003", body(70003, "unsupported_grant_type")),
    # Tenant and cloud
    ("aadsts.90002", body(90002, "invalid_request", "Tenant 'contoso.onmicrosft.com' not found.")),
    ("aadsts.900023", redirect("invalid_request", 900023)),
    ("aadsts.90038", "AADSTS90038"),
    ("aadsts.700005", oauth(700005, "invalid_grant")),
    # Signing in
    ("aadsts.50126", "AADSTS50126: Error validating credentials due to invalid username or "
                     "password."),
    ("aadsts.50034", "50034"),
    ("aadsts.50053", body(50053, "invalid_grant")),
    ("aadsts.50055", "AADSTS50055"),
    ("aadsts.50057", oauth(50057, "invalid_grant")),
    ("aadsts.50076", body(50076, "invalid_grant", suberror="basic_action")),
    ("aadsts.50079", oauth(50079, "interaction_required")),
    ("aadsts.50078", body(50078, "invalid_grant", suberror="basic_action")),
    ("aadsts.50158", "AADSTS50158"),
    ("aadsts.53003", body(53003, "invalid_grant")),
    ("aadsts.65001", body(65001, "invalid_grant", suberror="consent_required")),
    ("aadsts.65004", redirect("access_denied", 65004)),
    ("signin.cancelled", "http://localhost:8400/?error=access_denied&error_subcode=cancel&state=x"),
    ("aadsts.50058", redirect("login_required", 50058)),
    # Authorization codes and refresh tokens
    ("aadsts.70000", body(70000, "invalid_grant")),
    ("aadsts.70008", oauth(70008, "invalid_grant", 400, "The provided authorization code or "
                                                        "refresh token has expired.")),
    ("aadsts.700082", body(700082, "invalid_grant")),
    ("aadsts.50173", "refresh failed: invalid_grant (AADSTS50173)"),
    ("aadsts.70043", body(70043, "invalid_grant")),
    ("aadsts.54005", "AADSTS54005"),
    ("aadsts.50148", body(501481, "invalid_grant")),
    ("aadsts.50148", "AADSTS50148"),
    ("aadsts.9002313", "AADSTS9002313"),
    ("aadsts.700084", body(700084, "invalid_grant")),
    # Scopes and request parameters
    ("aadsts.70011", json.dumps({
        "error": "invalid_scope",
        "error_description": "AADSTS70011: The provided value for the input parameter 'scope' "
                             "isn't valid. The scope https://example.contoso.com/activity.read "
                             "isn't valid.\r\nTrace ID: " + TRACE + "\r\nCorrelation ID: " + CORR
                             + "\r\nTimestamp: 2016-01-09 02:02:12Z",
        "error_codes": [70011], "timestamp": STAMP, "trace_id": TRACE, "correlation_id": CORR,
        "error_uri": "https://login.microsoftonline.com/error?code=70011"})),
    ("aadsts.28000", body(28000, "invalid_scope")),
    ("aadsts.28000", "AADSTS700022"),
    ("aadsts.28003", body(28003, "invalid_scope")),
    ("aadsts.90014", "http://localhost:8400/?error=invalid_request&error_description=AADSTS900144"
                     "%3a+The+request+body+must+contain+the+following+parameter%3a+%27response_"
                     "type%27.%0d%0aTrace+ID%3a+" + TRACE + "%0d%0aCorrelation+ID%3a+" + CORR +
                     "%0d%0aTimestamp%3a+2021-07-19+23%3a21%3a09Z&error_uri=https%3a%2f%2flogin."
                     "microsoftonline.com%2ferror%3fcode%3d900144&state=12345"),
    ("aadsts.90014", "AADSTS90014"),
    ("aadsts.90100", "AADSTS90100"),
    ("aadsts.9001023", body(9001023, "invalid_request")),
    ("aadsts.1002012", body(1002012, "invalid_scope")),
    ("aadsts.90133", "AADSTS90133"),
    # Device code sign-in (the fake tags some outcomes with a shared code; the error wins)
    ("device.pending", body(70016, "authorization_pending")),
    ("device.slow_down", body(70016, "slow_down")),
    ("device.slow_down", "slow_down"),
    ("device.declined", body(65004, "authorization_declined")),
    ("device.bad_code", body(70000, "bad_verification_code")),
    ("device.expired", body(70019, "expired_token")),
    ("device.expired", "expired_token"),
    ("device.expired", body(70020, "expired_token")),
    # Generic OAuth errors
    ("oauth.invalid_client", OAuthError("Token request failed (HTTP 401): invalid_client.",
                                        status=401, error="invalid_client")),
    ("oauth.invalid_grant", "error=invalid_grant"),
    ("oauth.invalid_scope", '{"error": "invalid_scope"}'),
    ("oauth.invalid_request", "invalid_request"),
    ("oauth.unauthorized_client", "unauthorized_client"),
    ("oauth.access_denied", "http://localhost:8400/?error=access_denied&state=x"),
    ("oauth.consent_required", "consent_required"),
    ("oauth.interaction_required", OAuthError("Sign-in failed: interaction_required.",
                                              error="interaction_required", status=400)),
    ("oauth.login_required", "login_required"),
    ("oauth.temporarily_unavailable", OAuthError("Token request failed (HTTP 503).", status=503,
                                                 error="temporarily_unavailable")),
    ("oauth.server_error", "server_error"),
    ("oauth.unsupported_grant_type", "unsupported_grant_type"),
    ("oauth.unsupported_response_type", "error=unsupported_response_type&state=1"),
    ("oauth.invalid_resource", "invalid_resource"),
    ("aadsts.unknown", "AADSTS99999999"),
    ("aadsts.90033", body(90033, "temporarily_unavailable")),
    ("provider.bad_response", OAuthError(
        "Token request failed: the server answered HTTP 200 (text/html) with an HTML page, not "
        "the JSON an OAuth endpoint sends.", kind=BAD_RESPONSE, status=200,
        content_type="text/html")),
    ("provider.bad_response", "<!DOCTYPE html><html><body>Sign in to the Wi-Fi</body></html>"),
    ("provider.bad_number", OAuthError(
        "Refreshing the token of 'work' failed: the answer's expires_in is 1e+30, which is not "
        "a number of seconds from 1 to 172800; nothing was stored.", kind=BAD_RESPONSE,
        status=200, content_type="application/json")),
    # Network
    ("network.dns", socket.gaierror(-2, "Name or service not known")),
    ("network.dns", httpx.ConnectError("[Errno -3] Temporary failure in name resolution")),
    ("network.refused", ConnectionRefusedError(111, "Connection refused")),
    ("network.refused", chained(OAuthError(
        "Token request failed: no answer from https://127.0.0.1:1/t/oauth2/v2.0/token: could "
        "not connect ([Errno 111] Connection refused).", kind=NETWORK),
        httpx.ConnectError("[Errno 111] Connection refused"))),
    ("network.timeout", httpx.ConnectTimeout("timed out")),
    ("network.timeout", chained(OAuthError(
        "Token request failed: no answer from https://login.microsoftonline.com/x: connecting "
        "took longer than 10 s (tried 3 times).", kind=NETWORK), httpx.ConnectTimeout(""))),
    ("network.timeout", httpx.ReadTimeout("")),
    ("network.tls_intercept", ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate "
           "in certificate chain (_ssl.c:1006)")),
    ("network.tls_intercept", httpx.ConnectError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
        "certificate (_ssl.c:1006)")),
    ("network.tls_cert", httpx.ConnectError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired "
        "(_ssl.c:1006)")),
    ("network.tls_cert", ssl.SSLCertVerificationError(1, "Hostname mismatch")),
    ("network.proxy_auth", httpx.ProxyError("407 Proxy Authentication Required")),
    ("network.proxy_auth", "HTTP/1.1 407 Proxy Authentication Required"),
    ("network.proxy", httpx.ProxyError("502 Bad Gateway")),
    ("network.dropped", httpx.RemoteProtocolError("Server disconnected without sending a "
                                                  "response.")),
    ("network.dropped", ConnectionResetError(104, "Connection reset by peer")),
    ("network.unreachable", OSError(101, "Network is unreachable")),
    ("network.generic", OAuthError("Token request failed: no answer.", kind=NETWORK)),
    ("network.generic", httpx.ConnectError("")),
    # Microsoft Graph and other APIs
    ("http.400", graph("BadRequest", "/me request is only valid with delegated authentication "
                                     "flow.")),
    ("http.401", graph("InvalidAuthenticationToken", "Lifetime validation failed, the token is "
                                                     "expired.")),
    ("http.401", OAuthError("Graph request failed (HTTP 401).", status=401)),
    ("http.403", "GET https://graph.microsoft.com/v1.0/me/messages -> 403 Forbidden"),
    ("http.403", graph("ErrorAccessDenied", "Access is denied. Check credentials and try "
                                            "again.")),
    ("http.404", "HTTP/1.1 404 Not Found"),
    ("graph.mailbox", graph("MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, "
                                                           "soft-deleted, or is hosted "
                                                           "on-premise.")),
    ("http.429", "429"),
    ("http.429", OAuthError("Graph request failed (HTTP 429): TooManyRequests.", status=429,
                            error="TooManyRequests", retry_after=30.0)),
    ("http.5xx", "HTTP 503 Service Unavailable"),
    ("http.5xx", OAuthError("Graph request failed (HTTP 502).", status=502)),
    # Account settings (validation rules): Issue objects and the rule id as text
    ("config.required", issue("config.required", "client_id", ERROR)),
    ("config.label_taken", issue("config.label_taken", "label", ERROR)),
    ("config.label_odd", issue("config.label_odd", "label")),
    ("config.label_invalid", issue("config.label_invalid", "label", ERROR)),
    ("config.scope_resources_differ", issue("config.scope_resources_differ",
                                            "token_params[0].value")),
    ("config.client_id_not_guid", issue("config.client_id_not_guid", "client_id")),
    ("config.bad_choice", issue("config.bad_choice", "client_type", ERROR)),
    ("config.secret_missing", issue("config.secret_missing", "client_secret", ERROR)),
    ("config.public_with_secret", issue("config.public_with_secret", "client_secret")),
    ("config.bad_url", issue("config.bad_url", "token_url", ERROR)),
    ("config.tenant_placeholder", issue("config.tenant_placeholder")),
    ("config.tenant_placeholder", "authorize_url: warning: still holds <tenant-id> "
                                  "(config.tenant_placeholder)"),
    ("config.insecure_http", issue("config.insecure_http")),
    ("config.swapped_urls", issue("config.swapped_urls", severity=ERROR)),
    ("config.swapped_urls", "config.swapped_urls"),
    ("config.url_mismatch", issue("config.url_mismatch", "token_url")),
    ("config.row_empty_name", issue("config.row_empty_name", "token_params[1].name", ERROR)),
    ("config.row_duplicate", issue("config.row_duplicate", "auth_params[2].name")),
    ("config.no_offline_access", issue("config.no_offline_access", "auto_refresh")),
    ("config.scope_mixed_resources", issue("config.scope_mixed_resources",
                                           "token_params[0].value")),
    # Local files, keys and accounts (messages as the store writes them)
    ("local.file_malformed", ParseError("/home/a/.config/exo-oauth/accounts.toml", 3, 7,
                                        "expected '=' after a key in a key/value pair")),
    ("local.file_malformed", "Invalid statement (at line 3, column 1)"),
    ("local.file_unreadable", StoreError("Cannot read /home/a/.config/exo-oauth/accounts.toml: "
                                         "Is a directory.")),
    ("local.wrong_key", SealError("client_secret cannot be opened with key file /k: the key or "
                                  "passphrase is wrong, or the sealed value was altered.")),
    ("local.wrong_key", SealError("Wrong passphrase for /a.toml: EXO_OAUTH_PASSPHRASE does not "
                                  "open the secrets sealed in it. Nothing was changed.")),
    ("local.key_missing", SealError("The key file /home/a/.local/share/exo-oauth/key is missing, "
                                    "so the secrets sealed in /a.toml cannot be opened.")),
    ("local.permission", PermissionError(13, "Permission denied")),
    ("local.permission", chained(StoreError("Cannot write /a.toml: Permission denied."),
                                 PermissionError(13, "Permission denied"))),
    ("local.disk_full", OSError(28, "No space left on device")),
    ("local.locked", StoreError("Timed out after 10 s waiting for the lock /s/work.lock; another "
                                "exo-oauth process holds it.")),
    ("local.conflict", ConflictError("Account 'work' changed on disk after it was loaded.")),
    ("local.no_account", NoSuchAccount("work")),
    ("local.needs_authorization", NeedsAuthorization("'work' has no refresh token; sign in again "
                                                     "with `exo-oauth authorize work`.")),
    # The local mail proxy (its log lines and errors)
    ("proxy.login_refused", "imap 127.0.0.1:50412 scanner@contoso.com: login refused: wrong "
                            "password"),
    ("proxy.login_refused", "smtp 127.0.0.1:50412 x@contoso.com: login refused: no account "
                            "lists this address as a proxy user"),
    ("proxy.no_password", issue("config.proxy_no_password", "proxy_users")),
    ("proxy.no_password", "login refused: account 'scan' has no proxy password yet"),
    ("proxy.bad_user", issue("config.proxy_user", "proxy_users[0]", ERROR)),
    ("proxy.bad_hash", issue("config.proxy_password", "proxy_password_hash", ERROR)),
    ("proxy.upstream_refused", UpstreamRefused("outlook.office365.com:993 refused the XOAUTH2 "
                                               "login: NO AUTHENTICATE failed.")),
    ("proxy.upstream_unreachable", UpstreamUnavailable("cannot reach outlook.office365.com:993: "
                                                       "Connection refused")),
    ("proxy.upstream_tls", UpstreamUnavailable(
        "the TLS certificate of mail.example.com:993 is not trusted (unable to get local "
        "issuer certificate)", entry="proxy.upstream_tls")),
    ("proxy.upstream_tls", "smtp.example.com:587 does not offer STARTTLS, so the token would "
                           "travel unencrypted"),
    ("proxy.local_tls", UsageError("Listening on 0.0.0.0 needs --local-cert and --local-key: "
                                   "clients would send their passwords unencrypted.")),
    # The seed's troubleshooting table
    ("mail.app_not_connected", "* BAD User is authenticated but not connected."),
    ("mail.app_not_connected", "A1 NO User is authenticated but not connected."),
    ("mail.smtp_535", "535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod]"),
    ("mail.smtp_auth_disabled", "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication"
                                " is disabled for the Mailbox."),
    ("mail.smtp_basic_ending", "535 5.7.139 Authentication unsuccessful, basic authentication "
                               "is disabled."),
    ("config.ews_retiring", Issue("token_params[0].value", WARNING, "x", "config.ews_scope")),
    ("config.ews_retiring", "scope=https://outlook.office365.com/EWS.AccessAsUser.All"),
    ("seed.authentication_failed", "Authentication failed."),
    ("seed.authentication_failed", "A1 NO AUTHENTICATE failed."),
    ("seed.invalid_client_id", "Invalid client_id parameter"),
]
