"""Injected faults on the token endpoint: what a flaky network or gateway looks like."""

from __future__ import annotations

import json

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, SECRET, first_rt, refresh, token


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_5xx_then_normal(idp: FakeIdP, http: httpx.Client, kind: str) -> None:
    rt = first_rt(http, idp)
    idp.inject(kind, 2)
    for _ in range(2):
        r = refresh(http, idp, rt)
        assert r.status_code == int(kind)
        assert r.json()["error"] == "temporarily_unavailable"
    assert refresh(http, idp, rt).status_code == 200
    assert idp.stats()["faults"] == {kind: 2}


def test_429_has_retry_after(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("429")
    r = refresh(http, idp, "whatever")
    assert r.status_code == 429 and r.headers["retry-after"] == "1"


def test_html_page_instead_of_json(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("html")
    idp.inject("html", status=502)
    r = refresh(http, idp, "x")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<html>" in r.text
    assert refresh(http, idp, "x").status_code == 502


def test_malformed_and_empty_json(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("malformed_json")
    idp.inject("empty")
    r = refresh(http, idp, "x")
    assert r.headers["content-type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)
    r = refresh(http, idp, "x")
    assert r.status_code == 200 and r.content == b""


@pytest.mark.parametrize("kind", ["truncated", "drop"])
def test_transport_faults(idp: FakeIdP, http: httpx.Client, kind: str) -> None:
    rt = first_rt(http, idp)
    idp.inject(kind)
    with pytest.raises(httpx.RemoteProtocolError):
        refresh(http, idp, rt)
    assert refresh(http, idp, rt).status_code == 200  # the next request is served normally


def test_faults_are_served_in_order(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("503")
    idp.inject("429", 2)
    assert [refresh(http, idp, "x").status_code for _ in range(4)] == [503, 429, 429, 400]


def test_fraction(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("503", fraction=1.0)
    assert {refresh(http, idp, "x").status_code for _ in range(5)} == {503}
    idp.clear_faults()
    idp.inject("503", fraction=0.5)
    codes = [refresh(http, idp, "x").status_code for _ in range(200)]
    assert 40 < codes.count(503) < 160
    idp.clear_faults()
    idp.inject("503", fraction=0.0)
    assert {refresh(http, idp, "x").status_code for _ in range(5)} == {400}


def test_only_the_token_endpoint_is_faulted(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("503", fraction=1.0)
    assert http.get(idp.authorize_url(), params={
        "client_id": CONF, "response_type": "code", "redirect_uri": "http://localhost/",
        "scope": "User.Read"}).status_code == 302
    assert http.get(f"{idp.base_url}/_fake/stats").status_code == 200


def test_faults_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    url = f"{idp.base_url}/_fake/faults"
    r = http.post(url, json={"fault": "502", "count": 2})
    assert r.status_code == 200 and r.json()["faults"] == [
        {"fault": "502", "count": 2, "fraction": None}]
    assert http.get(url).json()["faults"][0]["count"] == 2
    assert refresh(http, idp, "x").status_code == 502
    assert http.post(url, json={"clear": True}).json() == {"faults": []}
    assert refresh(http, idp, "x").status_code == 400
    assert http.post(url, json={"fault": "teapot"}).status_code == 400
    assert http.post(url, data={"fault": "429", "fraction": "1.0"}).status_code == 200
    assert refresh(http, idp, "x").status_code == 429
    assert http.post(url, content=b"{not json").status_code == 400


def test_bad_fault_arguments(idp: FakeIdP) -> None:
    for args, kwargs in ((("404",), {}), (("503", 0), {}), (("503",), {"fraction": 1.5})):
        with pytest.raises(ValueError):
            idp.inject(*args, **kwargs)  # type: ignore[arg-type]


def test_stats_count_faulted_requests_and_reset(idp: FakeIdP, http: httpx.Client) -> None:
    idp.inject("503")
    token(http, idp, client_id=CONF, client_secret=SECRET, grant_type="refresh_token",
          refresh_token="x")
    stats = idp.stats()
    assert stats["endpoints"]["token"] == 1 and stats["grant_types"]["refresh_token"] == 1
    assert stats["issued"]["refresh_token"] == 0 and stats["faults"] == {"503": 1}
    assert http.post(f"{idp.base_url}/_fake/reset").json() == {"reset": True}
    assert idp.stats()["endpoints"]["token"] == 0
