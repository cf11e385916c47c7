"""Sign-in without auto-approval (the consent page), discovery, Graph /v1.0/me and /users."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from tui.fakeidp import DEMO_USER_UPN, FakeIdP
from tui.fakeidp.signing import b64url_decode

from .helpers import CONF, REDIRECT, SCOPE, SECRET, get_code, query_of, redeem, refresh


@pytest.fixture
def manual() -> Iterator[FakeIdP]:
    with FakeIdP(clients={CONF: SECRET}) as fake:
        yield fake


def consent_page(http: httpx.Client, idp: FakeIdP, **extra: str) -> tuple[str, str]:
    """Open the authorize URL like a browser; return (form action, request id)."""
    r = http.get(idp.authorize_url(), params={
        "client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT, "scope": SCOPE,
        "state": "s-9", **extra})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    action = re.search(r'<form method="post" action="([^"]+)"', r.text)
    request_id = re.search(r'name="request_id" value="([^"]+)"', r.text)
    assert action and request_id
    return action[1], request_id[1]


def test_consent_approve_redirects_with_code(manual: FakeIdP, http: httpx.Client) -> None:
    action, request_id = consent_page(http, manual)
    r = http.post(f"{manual.base_url}{action}", data={"request_id": request_id,
                                                       "decision": "approve"})
    assert r.status_code == 302
    q = query_of(r.headers["location"])
    assert q["state"] == "s-9" and "session_state" in q
    assert redeem(http, manual, q["code"]).status_code == 200
    again = http.post(f"{manual.base_url}{action}", data={"request_id": request_id,
                                                           "decision": "approve"})
    assert again.status_code == 400  # one answer per sign-in


def test_consent_cancel_is_access_denied(manual: FakeIdP, http: httpx.Client) -> None:
    action, request_id = consent_page(http, manual)
    r = http.post(f"{manual.base_url}{action}", data={"request_id": request_id,
                                                       "decision": "decline"})
    assert r.status_code == 302
    assert query_of(r.headers["location"]) == {"error": "access_denied",
                                               "error_subcode": "cancel", "state": "s-9"}


def test_prompt_none_without_a_session(manual: FakeIdP, http: httpx.Client) -> None:
    r = http.get(manual.authorize_url(), params={
        "client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT,
        "scope": SCOPE, "prompt": "none"})
    q = query_of(r.headers["location"])
    assert q["error"] == "login_required" and q["error_description"].startswith("AADSTS50058")


def test_discovery_points_back_at_the_fake(idp: FakeIdP, http: httpx.Client) -> None:
    doc = http.get(idp.discovery_url("common")).json()
    assert doc["authorization_endpoint"] == idp.authorize_url("common")
    assert doc["token_endpoint"] == idp.token_url("common")
    assert doc["device_authorization_endpoint"] == idp.devicecode_url("common")
    assert doc["issuer"] == f"{idp.base_url}/{{tenantid}}/v2.0"
    named = http.get(idp.discovery_url("contoso.example")).json()
    guid = named["issuer"].split("/")[-2]
    assert re.fullmatch(r"[0-9a-f-]{36}", guid)
    assert named["token_endpoint"] == idp.token_url(guid)
    # The GUID names the same tenant: its endpoints work.
    assert http.get(named["authorization_endpoint"], params={
        "client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT,
        "scope": "User.Read"}).status_code == 302
    assert idp.stats()["endpoints"]["openid-configuration"] == 2


def test_access_token_is_a_decodable_jwt(idp: FakeIdP, http: httpx.Client) -> None:
    body = redeem(http, idp, get_code(http, idp)).json()
    header, payload, sig = body["access_token"].split(".")
    assert sig
    assert json.loads(b64url_decode(header))["typ"] == "JWT"
    claims = json.loads(b64url_decode(payload))
    for key in ("aud", "scp", "exp", "iat", "tid", "upn", "preferred_username", "name", "oid"):
        assert claims[key], key
    assert claims["name"] == "Demo User" and claims["preferred_username"] == DEMO_USER_UPN
    id_claims = json.loads(b64url_decode(body["id_token"].split(".")[1]))
    assert id_claims["aud"] == CONF


def test_me_with_a_good_token(idp: FakeIdP, http: httpx.Client) -> None:
    at = redeem(http, idp, get_code(http, idp)).json()["access_token"]
    r = http.get(idp.me_url, headers={"Authorization": f"Bearer {at}"})
    assert r.status_code == 200
    me = r.json()
    assert me["displayName"] == "Demo User" and me["mail"] == DEMO_USER_UPN
    assert me["userPrincipalName"] == DEMO_USER_UPN and me["id"]


def graph_401(r: httpx.Response) -> str:
    assert r.status_code == 401 and "www-authenticate" in r.headers
    error = r.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    return str(error["message"])


def test_me_rejects_missing_forged_expired_and_foreign_tokens(idp: FakeIdP,
                                                              http: httpx.Client) -> None:
    assert "empty" in graph_401(http.get(idp.me_url))
    body = redeem(http, idp, get_code(http, idp)).json()
    at = body["access_token"]
    forged = at[:-4] + ("AAAA" if not at.endswith("AAAA") else "BBBB")
    graph_401(http.get(idp.me_url, headers={"Authorization": f"Bearer {forged}"}))
    graph_401(http.get(idp.me_url, headers={"Authorization": "Bearer not.a.jwt"}))
    outlook = refresh(http, idp, body["refresh_token"],
                      scope="https://outlook.office.com/IMAP.AccessAsUser.All").json()
    assert "audience" in graph_401(http.get(
        idp.me_url, headers={"Authorization": f"Bearer {outlook['access_token']}"}))
    idp.advance(5400)  # the longest of Microsoft's usual 60-90 minutes
    assert "expired" in graph_401(http.get(idp.me_url,
                                           headers={"Authorization": f"Bearer {at}"}))
    assert idp.stats()["endpoints"]["me"] == 5


def test_unknown_path_is_404(idp: FakeIdP, http: httpx.Client) -> None:
    assert http.get(f"{idp.base_url}/nothing/here").status_code == 404
    assert http.get(idp.token_url()).status_code == 405


# ---- app-only (client credentials) tokens ------------------------------------------------
def app_token(http: httpx.Client, idp: FakeIdP, scope: str) -> str:
    r = http.post(idp.token_url(), data={"client_id": CONF, "client_secret": SECRET,
                                         "grant_type": "client_credentials", "scope": scope})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def payload(token: str) -> dict[str, object]:
    return dict(json.loads(b64url_decode(token.split(".")[1])))


def test_app_only_tokens_look_like_microsofts(idp: FakeIdP, http: httpx.Client) -> None:
    """Roles, the resource as audience, tenant and app ID; no user and no scp."""
    graph = payload(app_token(http, idp, "https://graph.microsoft.com/.default"))
    assert graph["aud"] == "https://graph.microsoft.com" and graph["idtyp"] == "app"
    assert graph["roles"] == ["Mail.ReadWrite", "User.Read.All"]
    assert graph["appid"] == CONF and graph["tid"] and graph["exp"]
    assert not {"scp", "upn", "preferred_username", "name"} & set(graph)
    outlook = payload(app_token(http, idp, "https://outlook.office365.com/.default"))
    assert outlook["aud"] == "https://outlook.office365.com"
    assert outlook["roles"] == ["IMAP.AccessAsApp", "POP.AccessAsApp", "SMTP.SendAsApp"]
    custom = payload(app_token(http, idp, "api://contoso-reports/.default"))
    assert custom["aud"] == "api://contoso-reports" and "roles" not in custom


def test_app_only_token_on_graph(idp: FakeIdP, http: httpx.Client) -> None:
    """/me has no user to answer for; /users/{upn} does, given User.Read.All."""
    token = app_token(http, idp, "https://graph.microsoft.com/.default")
    auth = {"Authorization": f"Bearer {token}"}
    r = http.get(idp.me_url, headers=auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
    r = http.get(idp.user_url(), headers=auth)
    assert r.status_code == 200 and r.json()["userPrincipalName"] == DEMO_USER_UPN
    r = http.get(idp.user_url("nobody@contoso.example"), headers=auth)
    assert r.status_code == 404 and r.json()["error"]["code"] == "Request_ResourceNotFound"
    assert idp.stats()["endpoints"]["users"] == 2


def test_app_only_token_without_consent_has_no_roles(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, app_roles=()) as idp:
        token = app_token(http, idp, "https://graph.microsoft.com/.default")
        assert "roles" not in payload(token)
        r = http.get(idp.user_url(), headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "Authorization_RequestDenied"
