"""Refresh tokens: rotation (lenient as at Microsoft, or strict), inactivity, revocation."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, PUB, SECRET, aadsts, first_rt, get_code, redeem, refresh, token


def test_rotation_leaves_old_tokens_valid_as_at_microsoft(idp: FakeIdP,
                                                         http: httpx.Client) -> None:
    """Microsoft issues a new refresh token on every use and revokes none of the old ones."""
    old = first_rt(http, idp)
    new = refresh(http, idp, old).json()["refresh_token"]
    newest = refresh(http, idp, new).json()["refresh_token"]
    assert len({old, new, newest}) == 3
    for rt in (old, new, newest):
        assert refresh(http, idp, rt).status_code == 200


@pytest.fixture
def strict() -> Iterator[FakeIdP]:
    with FakeIdP(clients={CONF: SECRET, PUB: None}, auto_approve=0,
                 strict_rotation=True) as fake:
        yield fake


def test_strict_rotation_old_token_works_until_the_new_one_is_used(
        strict: FakeIdP, http: httpx.Client) -> None:
    old = first_rt(http, strict)
    new = refresh(http, strict, old).json()["refresh_token"]
    # The new token was never used (say the client died before saving it): old still works.
    again = refresh(http, strict, old)
    assert again.status_code == 200
    newest = again.json()["refresh_token"]
    assert len({old, new, newest}) == 3
    # Once a successor is used, the old one stops working ...
    assert refresh(http, strict, newest).status_code == 200
    r = refresh(http, strict, old)
    assert r.json()["error"] == "invalid_grant" and aadsts(r) == 70000
    # ... but a sibling that was never used keeps working.
    assert refresh(http, strict, new).status_code == 200


def test_strict_rotation_chain_keeps_only_the_latest_usable(strict: FakeIdP,
                                                            http: httpx.Client) -> None:
    tokens = [first_rt(http, strict)]
    for _ in range(5):
        tokens.append(refresh(http, strict, tokens[-1]).json()["refresh_token"])
    for dead in tokens[:-2]:
        assert refresh(http, strict, dead).json()["error"] == "invalid_grant"
    assert refresh(http, strict, tokens[-1]).status_code == 200


def test_refresh_without_scope_is_refused(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="refresh_token",
              refresh_token=rt)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert aadsts(r) == 900144 and "'scope'" in r.json()["error_description"]
    body = refresh(http, idp, rt).json()  # the same token, naming its scope, works
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
    r = token(http, idp, client_id=PUB, grant_type="refresh_token", refresh_token=rt,
              scope="User.Read")
    assert aadsts(r) == 70000
    garbage = refresh(http, idp, "garbage")
    assert garbage.json()["error"] == "invalid_grant" and aadsts(garbage) == 9002313
    r = token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="refresh_token")
    assert aadsts(r) == 900144 and "'refresh_token'" in r.json()["error_description"]


def test_access_token_lifetime_option(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, access_token_lifetime=120) as idp:
        body = redeem(http, idp, get_code(http, idp)).json()
        assert body["expires_in"] == body["ext_expires_in"] == 120
        claims = idp.check_token(body["access_token"])
        assert claims is not None and claims["exp"] == claims["iat"] + 120
