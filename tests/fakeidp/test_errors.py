"""Every AADSTS case the client must recognise: right status, error, code and body shape."""

from __future__ import annotations

import base64

import httpx
import pytest

from tui.fakeidp import NATIVE_CLIENT, FakeIdP

from .helpers import (
    CONF,
    PUB,
    REDIRECT,
    SCOPE,
    SECRET,
    aadsts,
    get_code,
    pkce,
    query_of,
    redeem,
    refresh,
    token,
)


def authorize_get(http: httpx.Client, idp: FakeIdP, tenant: str = "contoso.example",
                  **params: str) -> httpx.Response:
    base = {"client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT,
            "scope": SCOPE, "state": "st-1"}
    return http.get(idp.authorize_url(tenant), params={**base, **params})


# ---- clients --------------------------------------------------------------------------
def test_unknown_client_at_authorize_is_a_page_not_a_redirect(idp: FakeIdP,
                                                               http: httpx.Client) -> None:
    r = authorize_get(http, idp, client_id="nobody")
    assert r.status_code == 400 and "location" not in r.headers
    assert r.headers["content-type"].startswith("text/html")
    assert "AADSTS700016" in r.text


def test_unknown_client_at_token(idp: FakeIdP, http: httpx.Client) -> None:
    r = token(http, idp, client_id="nobody", grant_type="refresh_token", refresh_token="x")
    assert r.status_code == 400 and r.json()["error"] == "unauthorized_client"
    assert aadsts(r) == 700016


def test_wrong_secret_is_401_invalid_client(idp: FakeIdP, http: httpx.Client) -> None:
    r = redeem(http, idp, get_code(http, idp), client_secret="not-it")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert aadsts(r) == 7000215


def test_confidential_client_without_secret(idp: FakeIdP, http: httpx.Client) -> None:
    r = token(http, idp, client_id=CONF, grant_type="authorization_code",
              code=get_code(http, idp), redirect_uri=REDIRECT)
    assert r.status_code == 401 and aadsts(r) == 7000218


def test_public_client_sending_a_secret(idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp, client_id=PUB)
    r = token(http, idp, client_id=PUB, client_secret="anything", grant_type="authorization_code",
              code=code, redirect_uri=REDIRECT)
    assert r.status_code == 401 and aadsts(r) == 700025


def test_public_client_without_secret_succeeds(idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp, client_id=PUB)
    r = token(http, idp, client_id=PUB, grant_type="authorization_code", code=code,
              redirect_uri=REDIRECT)
    assert r.status_code == 200


def test_http_basic_client_auth(idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    bad = http.post(idp.token_url(), data=form, auth=(CONF, "wrong"))
    assert bad.status_code == 401 and aadsts(bad) == 7000215
    good = http.post(idp.token_url(), data=form, auth=(CONF, SECRET))
    assert good.status_code == 200
    garbled = http.post(idp.token_url(), data=form,
                        headers={"Authorization": "Basic !!!" + base64.b64encode(b"x").decode()})
    assert garbled.status_code == 401


def test_correlation_id_echoes_client_request_id(idp: FakeIdP, http: httpx.Client) -> None:
    r = http.post(idp.token_url(), data={"client_id": "nobody", "grant_type": "refresh_token"},
                  headers={"client-request-id": "11112222-3333-4444-5555-666677778888"})
    assert r.json()["correlation_id"] == "11112222-3333-4444-5555-666677778888"
    assert aadsts(r) == 700016


# ---- redirect URIs ----------------------------------------------------------------------
def test_unregistered_redirect_uri_is_a_page(idp: FakeIdP, http: httpx.Client) -> None:
    r = authorize_get(http, idp, redirect_uri="https://evil.example/cb")
    assert r.status_code == 400 and "location" not in r.headers
    assert "AADSTS50011" in r.text


@pytest.mark.parametrize("uri", ["http://localhost:1/cb", "http://localhost",
                                 "http://127.0.0.1:54321/", "http://localhost:8400/other",
                                 NATIVE_CLIENT])
def test_loopback_any_port_and_native_client_accepted(idp: FakeIdP, http: httpx.Client,
                                                      uri: str) -> None:
    r = authorize_get(http, idp, redirect_uri=uri)
    assert r.status_code == 302 and r.headers["location"].startswith(uri)


@pytest.mark.parametrize("uri", ["https://localhost:8400/cb", "http://localhost.evil.example/",
                                 "http://192.168.1.5:8400/cb"])
def test_not_loopback_http_rejected(idp: FakeIdP, http: httpx.Client, uri: str) -> None:
    assert "AADSTS50011" in authorize_get(http, idp, redirect_uri=uri).text


def test_extra_registered_redirect_uri(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0,
                 redirect_uris=["https://app.example/cb"]) as idp:
        r = authorize_get(http, idp, redirect_uri="https://app.example/cb")
        assert r.status_code == 302
        assert query_of(r.headers["location"])["state"] == "st-1"
        assert "AADSTS50011" in authorize_get(http, idp, redirect_uri="https://app.example/").text


def test_missing_client_id_or_redirect_uri_is_a_page(idp: FakeIdP, http: httpx.Client) -> None:
    r = http.get(idp.authorize_url(), params={"response_type": "code", "scope": "User.Read"})
    assert r.status_code == 400 and "AADSTS900144" in r.text and "client_id" in r.text
    r = http.get(idp.authorize_url(), params={"client_id": CONF, "scope": "User.Read"})
    assert r.status_code == 400 and "AADSTS900144" in r.text and "redirect_uri" in r.text


# ---- authorize errors that redirect --------------------------------------------------------
def test_missing_response_type_redirects_with_query_shape(idp: FakeIdP,
                                                          http: httpx.Client) -> None:
    r = http.get(idp.authorize_url(), params={"client_id": CONF, "redirect_uri": REDIRECT,
                                              "scope": SCOPE, "state": "abc"})
    assert r.status_code == 302
    location = r.headers["location"]
    query = location.split("?", 1)[1]
    assert [p.split("=")[0] for p in query.split("&")] == [
        "error", "error_description", "error_uri", "state"]
    assert "+" in query  # spaces as '+', as Microsoft does
    q = query_of(location)
    assert q["error"] == "invalid_request" and q["state"] == "abc"
    assert q["error_description"].startswith("AADSTS900144: ")
    assert "\r\nTrace ID: " in q["error_description"]
    assert q["error_uri"] == "https://login.microsoftonline.com/error?code=900144"


def test_unsupported_response_type(idp: FakeIdP, http: httpx.Client) -> None:
    q = query_of(authorize_get(http, idp, response_type="token").headers["location"])
    assert q["error"] == "unsupported_response_type"
    assert q["error_description"].startswith("AADSTS700054")


def test_fragment_and_form_post_response_modes(idp: FakeIdP, http: httpx.Client) -> None:
    r = authorize_get(http, idp, response_mode="fragment")
    assert r.status_code == 302 and "#code=" in r.headers["location"]
    r = authorize_get(http, idp, response_mode="form_post")
    assert r.status_code == 200 and 'name="code"' in r.text and f'action="{REDIRECT}"' in r.text


# ---- codes ------------------------------------------------------------------------------------
def test_pkce_mismatch_and_missing_verifier(idp: FakeIdP, http: httpx.Client) -> None:
    _verifier, challenge = pkce()
    other, _ = pkce()
    code = get_code(http, idp, challenge)
    r = redeem(http, idp, code, other)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant" and aadsts(r) == 501481
    assert aadsts(redeem(http, idp, code)) == 501481


def test_plain_pkce(idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp, code_challenge="x" * 43)  # method omitted: plain
    assert aadsts(redeem(http, idp, code, "y" * 43)) == 501481
    assert redeem(http, idp, code, "x" * 43).status_code == 200


def test_code_reused(idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp)
    assert redeem(http, idp, code).status_code == 200
    r = redeem(http, idp, code)
    assert r.json()["error"] == "invalid_grant" and aadsts(r) == 54005


def test_code_expires_after_ten_minutes(idp: FakeIdP, http: httpx.Client) -> None:
    code, fresh = get_code(http, idp), get_code(http, idp)
    idp.advance(599)
    assert redeem(http, idp, fresh).status_code == 200
    idp.advance(2)
    r = redeem(http, idp, code)
    assert r.json()["error"] == "invalid_grant" and aadsts(r) == 70008


def test_code_with_other_redirect_or_client_or_garbage(idp: FakeIdP,
                                                       http: httpx.Client) -> None:
    code = get_code(http, idp)
    assert aadsts(redeem(http, idp, code, redirect_uri="http://localhost:9/x")) == 70000
    r = token(http, idp, client_id=PUB, grant_type="authorization_code", code=code,
              redirect_uri=REDIRECT)
    assert aadsts(r) == 70000
    assert aadsts(redeem(http, idp, "not-a-code")) == 70000
    assert redeem(http, idp, code).status_code == 200  # failures did not use the code up


def test_missing_parameters(idp: FakeIdP, http: httpx.Client) -> None:
    r = token(http, idp, client_id=CONF, client_secret=SECRET)
    assert aadsts(r) == 900144 and "'grant_type'" in r.json()["error_description"]
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="authorization_code")
    assert aadsts(r) == 900144 and "'code'" in r.json()["error_description"]
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="password")
    assert r.json()["error"] == "unsupported_grant_type" and aadsts(r) == 70003


# ---- scopes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("scope", [
    "User.Read https://outlook.office.com/IMAP.AccessAsUser.All",
    "offline_access https://graph.microsoft.com/Mail.Read https://outlook.office365.com/SMTP.Send",
])
def test_scope_mixing_two_resources(idp: FakeIdP, http: httpx.Client, scope: str) -> None:
    r = redeem(http, idp, get_code(http, idp), scope=scope)
    assert r.json()["error"] == "invalid_scope" and aadsts(r) == 28000
    rt = redeem(http, idp, get_code(http, idp)).json()["refresh_token"]
    assert aadsts(refresh(http, idp, rt, scope=scope)) == 28000
    r = http.post(idp.devicecode_url(), data={"client_id": PUB, "scope": scope})
    assert aadsts(r) == 28000


@pytest.mark.parametrize("scope", [
    "openid profile email offline_access User.Read https://graph.microsoft.com/Mail.Read",
    "offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
    "https://outlook.office365.com/SMTP.Send",
])
def test_one_resource_plus_oidc_scopes_is_fine(idp: FakeIdP, http: httpx.Client,
                                               scope: str) -> None:
    assert redeem(http, idp, get_code(http, idp), scope=scope).status_code == 200


def test_code_without_scope_after_a_two_resource_authorize(idp: FakeIdP,
                                                           http: httpx.Client) -> None:
    """Microsoft cannot tell which resource the token is for: AADSTS28003."""
    both = "offline_access User.Read https://outlook.office.com/IMAP.AccessAsUser.All"
    code = get_code(http, idp, scope=both)
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="authorization_code",
              code=code, redirect_uri=REDIRECT)
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    assert aadsts(r) == 28003
    assert redeem(http, idp, code, scope="offline_access User.Read").status_code == 200
    one = get_code(http, idp, scope="offline_access User.Read")  # one resource: no doubt
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="authorization_code",
              code=one, redirect_uri=REDIRECT)
    assert r.status_code == 200 and r.json()["scope"] == "User.Read"


def test_authorize_may_span_resources_and_refresh_mints_outlook(idp: FakeIdP,
                                                                http: httpx.Client) -> None:
    both = "offline_access User.Read https://outlook.office.com/IMAP.AccessAsUser.All"
    rt = redeem(http, idp, get_code(http, idp, scope=both),
                scope="offline_access User.Read").json()["refresh_token"]
    r = refresh(http, idp, rt, scope="https://outlook.office.com/IMAP.AccessAsUser.All")
    claims = idp.check_token(r.json()["access_token"])
    assert claims is not None and claims["aud"] == "https://outlook.office.com"
    assert claims["scp"] == "IMAP.AccessAsUser.All"


# ---- tenants ----------------------------------------------------------------------------------
def test_unknown_tenant(idp: FakeIdP, http: httpx.Client) -> None:
    r = token(http, idp, tenant="unknown.example", client_id=CONF, grant_type="refresh_token")
    assert r.json()["error"] == "invalid_request" and aadsts(r) == 90002
    page = authorize_get(http, idp, tenant="unknown.example")
    assert page.status_code == 400 and "AADSTS90002" in page.text
    assert aadsts(http.get(idp.discovery_url("unknown.example"))) == 90002


def test_malformed_tenant(idp: FakeIdP, http: httpx.Client) -> None:
    r = token(http, idp, tenant="<tenant-id>", client_id=CONF, grant_type="refresh_token")
    assert aadsts(r) == 900023


def test_only_configured_tenants(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, tenants=["contoso.example"]) as idp:
        body = {"client_id": CONF, "client_secret": SECRET, "grant_type": "refresh_token",
                "refresh_token": "nope", "scope": "User.Read"}
        assert aadsts(http.post(idp.token_url("fabrikam.example"), data=body)) == 90002
        assert aadsts(http.post(idp.token_url("contoso.example"), data=body)) == 9002313
        assert aadsts(http.post(idp.token_url("common"), data=body)) == 9002313


# ---- client credentials -----------------------------------------------------------------------
def test_client_credentials(idp: FakeIdP, http: httpx.Client) -> None:
    base = {"client_id": CONF, "client_secret": SECRET, "grant_type": "client_credentials"}
    ok = token(http, idp, scope="https://outlook.office365.com/.default", **base)
    assert ok.status_code == 200 and "refresh_token" not in ok.json()
    assert aadsts(token(http, idp, scope="Mail.Read", **base)) == 1002012
    assert aadsts(token(http, idp, tenant="common", scope="https://graph.microsoft.com/.default",
                        **base)) == 9001023
