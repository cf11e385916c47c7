"""Token lifetimes as Microsoft issues them: varying, sometimes with refresh_in or as strings."""

from __future__ import annotations

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, SECRET, get_code, redeem, refresh, token


def lifetimes(http: httpx.Client, idp: FakeIdP, n: int, **extra: str) -> list[dict[str, object]]:
    rt = str(redeem(http, idp, get_code(http, idp)).json()["refresh_token"])
    out = []
    for _ in range(n):
        body = refresh(http, idp, rt, **extra).json()
        rt = body["refresh_token"]
        out.append(body)
    return out


def test_lifetimes_vary_between_60_and_90_minutes(idp: FakeIdP, http: httpx.Client) -> None:
    bodies = lifetimes(http, idp, 12)
    seen = {b["expires_in"] for b in bodies}
    assert all(isinstance(s, int) and 3600 <= s <= 5400 for s in seen)
    assert len(seen) > 1  # twelve draws from 1,801 values: equal ones would be a fluke
    assert all("refresh_in" not in b for b in bodies)  # short-lived: none, as at Microsoft
    for body in bodies:
        claims = idp.check_token(str(body["access_token"]))
        assert claims is not None and claims["exp"] == claims["iat"] + body["expires_in"]


def test_long_lived_tokens_come_with_refresh_in(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, access_token_lifetime=7200) as idp:
        body = redeem(http, idp, get_code(http, idp)).json()
        assert body["expires_in"] == body["ext_expires_in"] == 7200
        assert body["refresh_in"] == 3600


def test_continuous_access_evaluation_clients_get_day_long_tokens(idp: FakeIdP,
                                                                  http: httpx.Client) -> None:
    cae = '{"access_token":{"xms_cc":{"values":["cp1"]}}}'
    body = lifetimes(http, idp, 1, claims=cae)[0]
    assert isinstance(body["expires_in"], int) and 72000 <= body["expires_in"] <= 100800
    assert body["refresh_in"] == body["expires_in"] // 2


@pytest.mark.parametrize(("option", "present"), [(True, True), (False, False)])
def test_refresh_in_forced_on_or_off(http: httpx.Client, option: bool, present: bool) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, refresh_in=option,
                 access_token_lifetime=(9000, 9000)) as idp:
        body = redeem(http, idp, get_code(http, idp)).json()
        assert ("refresh_in" in body) is present


def test_numbers_as_strings(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0, numbers_as_strings=True,
                 refresh_in=True, access_token_lifetime=4000) as idp:
        body = redeem(http, idp, get_code(http, idp)).json()
        assert (body["expires_in"], body["ext_expires_in"], body["refresh_in"]) == \
            ("4000", "4000", "2000")
        app = token(http, idp, client_id=CONF, client_secret=SECRET,
                    grant_type="client_credentials",
                    scope="https://graph.microsoft.com/.default").json()
        assert app["expires_in"] == "4000"
        dev = http.post(idp.devicecode_url(), data={"client_id": CONF,
                                                    "scope": "User.Read"}).json()
        assert (dev["expires_in"], dev["interval"]) == ("900", "5")


@pytest.mark.parametrize("bad", [0, (10, 5), (0, 10)])
def test_bad_lifetimes(bad: int | tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        FakeIdP(access_token_lifetime=bad)
