"""GET/POST /{tenant}/oauth2/v2.0/authorize, discovery, signing keys, shared request checks.

Errors that Microsoft shows on its own page (unknown client, redirect URI not
registered, unknown tenant, missing client_id/redirect_uri) render HTML here;
everything after the redirect URI is trusted goes back to the application as
``?error=...`` (RFC 6749 4.1.2.1).
"""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlencode, urlsplit

from tui.core.errors import UsageError
from tui.core.tenant import SPECIAL_TENANTS, check_tenant

from . import errors, pages
from .claims import DEMO_USER_UPN, tenant_id
from .replies import Reply, html_reply, json_reply, redirect
from .signing import TokenMinter
from .state import AuthCode, State

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def tenant_error(state: State, tenant: str) -> int | None:
    """The AADSTS code for a tenant the fake does not know, or None when it exists."""
    try:
        name = check_tenant(tenant)
    except UsageError:
        return 900023
    if name in SPECIAL_TENANTS:
        return None
    opts = state.options
    if opts.tenants is not None:
        known = {t.lower() for t in opts.tenants} | {tenant_id(t) for t in opts.tenants}
        return None if name in known else 90002
    return 90002 if name in {t.lower() for t in opts.unknown_tenants} else None


def redirect_allowed(state: State, uri: str) -> bool:
    """Registered exactly, or http loopback on any port and path (as Microsoft allows)."""
    if uri in state.options.redirect_uris:
        return True
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        _ = parts.port  # raises on a bad port
    except ValueError:
        return False
    return parts.scheme == "http" and host in LOOPBACK_HOSTS and not parts.fragment


def redirect_to(uri: str, params: dict[str, str], mode: str) -> Reply:
    if mode == "form_post":
        return html_reply(200, pages.form_post(uri, params))
    sep = "#" if mode == "fragment" else ("&" if "?" in uri else "?")
    return redirect(f"{uri}{sep}{urlencode(params)}")


def _page_error(state: State, code: int, **fields: str) -> Reply:
    state.stats.count("errors", errors.MESSAGES[code][0])
    return html_reply(400, pages.sign_in_error(code, errors.message(code, **fields)))


def authorize(state: State, tenant: str, query: dict[str, str], action: str) -> Reply:
    """The browser arrives here; ``action`` is this URL's path (the consent form posts to it)."""
    now = state.clock.now()
    code = tenant_error(state, tenant)
    if code:
        return _page_error(state, code, tenant=tenant)
    client_id = query.get("client_id", "")
    if not client_id:
        return _page_error(state, 900144, param="client_id")
    if client_id not in state.options.clients:
        return _page_error(state, 700016, client_id=client_id, tenant=tenant)
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri:
        return _page_error(state, 900144, param="redirect_uri")
    if not redirect_allowed(state, redirect_uri):
        return _page_error(state, 50011, redirect_uri=redirect_uri, client_id=client_id)

    st = query.get("state")
    mode = query.get("response_mode", "query")
    if mode not in ("query", "fragment", "form_post"):
        mode = "query"

    def fail(code: int, **fields: str) -> Reply:
        state.stats.count("errors", errors.MESSAGES[code][0])
        return redirect_to(redirect_uri, errors.redirect_error_params(code, now, st, **fields),
                           mode)

    response_type = query.get("response_type", "")
    if not response_type:
        return fail(900144, param="response_type")
    if response_type != "code":
        return fail(700054, response_type=response_type)
    if not query.get("scope", "").split():
        return fail(900144, param="scope")
    if state.options.auto_approve is not None:
        return _grant(state, tenant, query, mode)
    if query.get("prompt") == "none":
        return fail(50058)
    request_id = secrets.token_urlsafe(16)
    with state.lock:
        state.pending_sign_ins[request_id] = (tenant, dict(query))
    return html_reply(200, pages.consent(action, request_id, client_id,
                                         query["scope"].split(), DEMO_USER_UPN))


def decide(state: State, form: dict[str, str]) -> Reply:
    """The consent page posted back: approve -> code, cancel -> access_denied/cancel."""
    with state.lock:
        pending = state.pending_sign_ins.pop(form.get("request_id", ""), None)
    if pending is None:
        return html_reply(400, pages.sign_in_error(
            90100, "This sign-in request is unknown or was already answered."))
    tenant, query = pending
    mode = query.get("response_mode", "query")
    if form.get("decision") != "approve":
        state.stats.count("errors", "access_denied")
        return redirect_to(query["redirect_uri"], errors.cancel_params(query.get("state")),
                           mode)
    return _grant(state, tenant, query, mode)


def _grant(state: State, tenant: str, query: dict[str, str], mode: str) -> Reply:
    code = "0.fake-code." + secrets.token_urlsafe(32)
    method = query.get("code_challenge_method") or "plain"
    with state.lock:
        state.codes[code] = AuthCode(
            client_id=query["client_id"], tenant=tenant, redirect_uri=query["redirect_uri"],
            scopes=tuple(query["scope"].split()), challenge=query.get("code_challenge") or None,
            method=method, nonce=query.get("nonce"), issued=state.clock.now())
    params = {"code": code}
    if "state" in query:
        params["state"] = query["state"]
    params["session_state"] = str(uuid.uuid4())
    return redirect_to(query["redirect_uri"], params, mode)


def keys(state: State, minter: TokenMinter, tenant: str) -> Reply:
    """The JSON Web Key Set at the discovery document's jwks_uri."""
    code = tenant_error(state, tenant)
    if code:
        return json_reply(400, errors.aad_error(code, state.clock.now(), tenant=tenant))
    return json_reply(200, minter.jwks())


def discovery(state: State, base_url: str, tenant: str) -> Reply:
    """The OpenID configuration document; endpoints point back at this fake."""
    code = tenant_error(state, tenant)
    if code:
        body = errors.aad_error(code, state.clock.now(), tenant=tenant)
        return json_reply(400, body)
    special = tenant.lower() in SPECIAL_TENANTS and tenant.lower() != "consumers"
    tid = "{tenantid}" if special else tenant_id(tenant)
    seg = tenant if special else tid
    base = f"{base_url}/{seg}"
    return json_reply(200, {
        "issuer": f"{base_url}/{tid}/v2.0",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "userinfo_endpoint": f"{base_url}/v1.0/me",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token",
                                  "urn:ietf:params:oauth:grant-type:device_code",
                                  "client_credentials"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": urlsplit(base_url).netloc,
    })
