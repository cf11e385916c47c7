"""The happy paths the OAuth client depends on: code + PKCE, refresh, device code, stats."""

from __future__ import annotations

import httpx

from tui.fakeidp import DEMO_USER_UPN, GRAPH, FakeIdP

from .helpers import CONF, DEVICE, PUB, REDIRECT, SECRET, get_code, pkce, redeem, refresh, token


def test_code_exchange_gives_microsoft_shape(idp: FakeIdP, http: httpx.Client) -> None:
    verifier, challenge = pkce()
    r = redeem(http, idp, get_code(http, idp, challenge), verifier)
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["token_type", "scope", "expires_in", "ext_expires_in",
                          "access_token", "refresh_token", "id_token"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"]
    assert 3600 <= body["expires_in"] <= 5400  # Microsoft's 60-90 minutes
    claims = idp.check_token(body["access_token"])
    assert claims is not None
    assert claims["aud"] == GRAPH and claims["upn"] == DEMO_USER_UPN
    assert "Mail.ReadWrite" in str(claims["scp"])
    assert r.headers["cache-control"] == "no-store"


def test_no_offline_access_no_refresh_token_no_openid_no_id_token(
        idp: FakeIdP, http: httpx.Client) -> None:
    code = get_code(http, idp, scope="User.Read")
    body = redeem(http, idp, code, scope="User.Read").json()
    assert "refresh_token" not in body and "id_token" not in body


def test_refresh_rotates(idp: FakeIdP, http: httpx.Client) -> None:
    first = redeem(http, idp, get_code(http, idp)).json()
    second = refresh(http, idp, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]


def test_device_flow_auto_approve(http: httpx.Client) -> None:
    with FakeIdP(clients={PUB: None}, auto_approve=3) as idp:
        d = http.post(idp.devicecode_url(), data={"client_id": PUB, "scope": "User.Read"}).json()
        assert d["verification_uri"] == "https://microsoft.com/devicelogin"  # as Microsoft
        assert d["interval"] == 5 and d["expires_in"] == 900
        poll = {"client_id": PUB, "grant_type": DEVICE, "device_code": d["device_code"]}
        assert token(http, idp, **poll).json()["error"] == "authorization_pending"
        idp.advance(5)
        assert token(http, idp, **poll).status_code == 200


def test_stats_count_endpoints_and_grants(idp: FakeIdP, http: httpx.Client) -> None:
    rt = redeem(http, idp, get_code(http, idp)).json()["refresh_token"]
    refresh(http, idp, rt)
    stats = idp.stats()
    assert stats["endpoints"]["authorize"] == 1 and stats["endpoints"]["token"] == 2
    assert stats["grant_types"]["authorization_code"] == 1
    assert stats["grant_types"]["refresh_token"] == 1
    assert http.get(f"{idp.base_url}/_fake/stats").json() == idp.stats()


async def test_async_context_manager() -> None:
    async with (FakeIdP(clients={CONF: SECRET}, auto_approve=0) as idp,
                httpx.AsyncClient() as client):
        r = await client.get(idp.authorize_url(), params={
            "client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT,
            "scope": "User.Read"})
        assert r.status_code == 302
