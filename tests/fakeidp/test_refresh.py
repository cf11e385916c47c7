"""Refresh tokens: rotation, inactivity expiry, revocation (password reset), lifetimes."""

from __future__ import annotations

import httpx

from tui.fakeidp import FakeIdP

from .helpers import CONF, PUB, SECRET, aadsts, first_rt, get_code, redeem, refresh, token


def test_old_token_works_until_the_new_one_is_used(idp: FakeIdP, http: httpx.Client) -> None:
    old = first_rt(http, idp)
    new = refresh(http, idp, old).json()["refresh_token"]
    # The new token was never used (say the client died before saving it): old still works.
    again = refresh(http, idp, old)
    assert again.status_code == 200
    newest = again.json()["refresh_token"]
    assert len({old, new, newest}) == 3
    # Once a successor is used, the old one stops working ...
    assert refresh(http, idp, newest).status_code == 200
    r = refresh(http, idp, old)
    assert r.json()["error"] == "invalid_grant" and aadsts(r) == 70000
    # ... but a sibling that was never used keeps working.
    assert refresh(http, idp, new).status_code == 200


def test_long_rotation_chain_keeps_only_the_latest_usable(idp: FakeIdP,
                                                          http: httpx.Client) -> None:
    tokens = [first_rt(http, idp)]
    for _ in range(5):
        tokens.append(refresh(http, idp, tokens[-1]).json()["refresh_token"])
    for dead in tokens[:-2]:
        assert refresh(http, idp, dead).json()["error"] == "invalid_grant"
    assert refresh(http, idp, tokens[-1]).status_code == 200


def test_refresh_without_scope_repeats_the_last_scopes(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    body = refresh(http, idp, rt).json()
    assert set(body["scope"].split()) == {"openid", "User.Read", "Mail.ReadWrite"}
    assert "id_token" in body


def test_refresh_token_expires_after_inactivity(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    idp.advance(90 * 86400 + 1)
    r = refresh(http, idp, rt)
    assert r.json()["error"] == "invalid_grant" and aadsts(r) == 700082
    assert "90.00:00:00" in r.json()["error_description"]


def test_use_restarts_the_inactivity_window(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, refresh_token_lifetime=100) as idp:
        rt = first_rt(http, idp)
        for _ in range(3):
            idp.advance(80)
            rt = refresh(http, idp, rt).json()["refresh_token"]
        idp.advance(101)
        assert aadsts(refresh(http, idp, rt)) == 700082


def test_revoke_all_is_a_password_reset(idp: FakeIdP, http: httpx.Client) -> None:
    a, b = first_rt(http, idp), first_rt(http, idp)
    idp.revoke_all()
    for rt in (a, b):
        r = refresh(http, idp, rt)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
        assert aadsts(r) == 50173
    # A new sign-in after the reset works again.
    assert refresh(http, idp, first_rt(http, idp)).status_code == 200


def test_revoke_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    r = http.post(f"{idp.base_url}/_fake/revoke")
    assert r.status_code == 200 and r.json()["revoked"] is True
    assert aadsts(refresh(http, idp, rt)) == 50173


def test_refresh_token_of_another_client_or_unknown(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    r = token(http, idp, client_id=PUB, grant_type="refresh_token", refresh_token=rt)
    assert aadsts(r) == 70000
    assert aadsts(refresh(http, idp, "garbage")) == 9002313
    assert aadsts(token(http, idp, client_id=CONF, client_secret=SECRET,
                        grant_type="refresh_token")) == 900144


def test_access_token_lifetime_option(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, access_token_lifetime=120) as idp:
        body = redeem(http, idp, get_code(http, idp)).json()
        assert body["expires_in"] == body["ext_expires_in"] == 120
        claims = idp.check_token(body["access_token"])
        assert claims is not None and claims["exp"] == claims["iat"] + 120
