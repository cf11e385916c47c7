"""Every error the local identity provider (tui.fakeidp) can produce maps to its specific entry.

Two layers: the fake's whole error table rendered in each shape it uses (token JSON
body, authorize redirect, sign-in page), and real answers over loopback HTTP turned
into OAuthError by the OAuth service's own response parser.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tui.core.errors import OAuthError
from tui.core.oauth.http import parse_response
from tui.core.troubleshoot import catalog
from tui.fakeidp import FakeIdP, errors, pages

CONF, SECRET, PUB = "conf-app", "s3cret-value", "public-app"
REDIRECT = "http://localhost:8400/callback"
SCOPE = "offline_access openid User.Read"

# The fake's error table (tui.fakeidp.errors.MESSAGES) -> the entry each must select.
EXPECTED = {
    900144: "aadsts.90014", 90002: "aadsts.90002", 900023: "aadsts.900023",
    700016: "aadsts.700016", 7000215: "aadsts.7000215", 7000218: "aadsts.7000218",
    700025: "aadsts.700025", 50011: "aadsts.50011", 501481: "aadsts.50148",
    54005: "aadsts.54005", 70008: "aadsts.70008", 700082: "aadsts.700082",
    50173: "aadsts.50173", 9002313: "aadsts.9002313", 70000: "aadsts.70000",
    28000: "aadsts.28000", 70011: "aadsts.70011", 70003: "aadsts.70003",
    700054: "aadsts.700054", 50058: "aadsts.50058", 70016: "device.pending",
    -70016: "device.slow_down", 65004: "device.declined", 70019: "device.expired",
    -70000: "device.bad_code", 9001023: "aadsts.9001023", 1002012: "aadsts.1002012",
    90033: "aadsts.90033", 28003: "aadsts.28003", 70020: "device.expired",
    50076: "aadsts.50076", 50079: "aadsts.50079", 50078: "aadsts.50078",
    70043: "aadsts.70043", 53003: "aadsts.53003", 65001: "aadsts.65001",
}
PAGE_CODES = (900144, 90002, 900023, 700016, 50011)  # shown on the fake's own sign-in page


def _top(thing: object) -> catalog.Match:
    found = catalog.match(thing)
    assert found, f"no match for {thing!r}"
    return found[0]


def test_the_table_covers_every_fake_error() -> None:
    assert set(errors.MESSAGES) == set(EXPECTED), "the fake gained or lost an error case"


@pytest.mark.parametrize(("code", "entry_id"), sorted(EXPECTED.items()))
def test_fake_error_body_and_redirect_select_the_specific_entry(code: int, entry_id: str) -> None:
    now = time.time()
    body = errors.aad_error(code, now, tenant="contoso.example", client_id=CONF,
                            param="scope", scope="x", redirect_uri=REDIRECT)
    redirect = REDIRECT + "?" + urlencode(errors.redirect_error_params(code, now, "st-1"))
    fragment = REDIRECT + "#" + urlencode(errors.redirect_error_params(code, now, None))
    for thing in (json.dumps(body), redirect, fragment):
        top = _top(thing)
        assert top.id == entry_id, (thing, [(m.id, m.via) for m in catalog.match(thing)])
        assert not top.entry.generic
    if code in PAGE_CODES:
        page = pages.sign_in_error(code, errors.message(code, tenant="contoso.example"))
        assert _top(page).id == entry_id


def test_fake_cancel_and_graph_errors() -> None:
    cancel = REDIRECT + "?" + urlencode(errors.cancel_params("st-1"))
    assert _top(cancel).id == "signin.cancelled"
    graph_401 = json.dumps(errors.graph_error("InvalidAuthenticationToken", "Expired.", 0))
    assert _top(graph_401).id == "http.401"
    graph_400 = json.dumps(errors.graph_error("BadRequest", "/me needs a user.", 0))
    assert _top(graph_400).id == "http.400"


# ---- over loopback HTTP ------------------------------------------------------------------
@pytest.fixture
def idp_options() -> dict[str, Any]:
    return {"clients": {CONF: SECRET, PUB: None}, "redirect_uris": [REDIRECT], "retry_after": 1}


def _oauth_error(resp: httpx.Response, what: str = "Token request") -> OAuthError:
    with pytest.raises(OAuthError) as info:
        parse_response(resp, what=what, secrets=(SECRET,))
    return info.value


def _code(http: httpx.Client, idp: FakeIdP, client_id: str = CONF) -> str:
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": SCOPE, "state": "st-9"}
    r = http.get(idp.authorize_url(), params=params)
    assert r.status_code == 302
    location = r.headers["location"]
    return httpx.URL(location).params["code"]


def _post(http: httpx.Client, idp: FakeIdP, tenant: str = "contoso.example",
          **form: str) -> httpx.Response:
    return http.post(idp.token_url(tenant), data=form)


def test_token_endpoint_errors_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    cases = {
        "aadsts.7000215": _post(http, idp, client_id=CONF, client_secret="wrong",
                                grant_type="authorization_code", code=_code(http, idp),
                                redirect_uri=REDIRECT),
        "aadsts.7000218": _post(http, idp, client_id=CONF, grant_type="authorization_code",
                                code=_code(http, idp), redirect_uri=REDIRECT),
        "aadsts.700025": _post(http, idp, client_id=PUB, client_secret="x",
                               grant_type="authorization_code", code=_code(http, idp, PUB),
                               redirect_uri=REDIRECT),
        "aadsts.700016": _post(http, idp, client_id="nobody", grant_type="refresh_token",
                               refresh_token="x"),
        "aadsts.90002": _post(http, idp, tenant="unknown.example", client_id=CONF,
                              client_secret=SECRET, grant_type="refresh_token",
                              refresh_token="x"),
    }
    for entry_id, resp in cases.items():
        exc = _oauth_error(resp)
        assert _top(exc).id == entry_id, (entry_id, exc)
        advice = catalog.advice_for(exc)
        assert advice is not None and _top(exc).entry.title in advice


def test_authorize_page_and_redirect_errors_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    base = {"client_id": CONF, "response_type": "code", "redirect_uri": REDIRECT,
            "scope": SCOPE, "state": "st-2"}
    page = http.get(idp.authorize_url() + "?" + urlencode({**base, "client_id": "nobody"}))
    assert page.status_code == 400 and _top(page.text).id == "aadsts.700016"
    page = http.get(idp.authorize_url() + "?" + urlencode({**base, "redirect_uri":
                                                           "http://evil.example/cb"}))
    assert _top(page.text).id == "aadsts.50011"
    r = http.get(idp.authorize_url() + "?" + urlencode({**base, "response_type": "token"}))
    assert r.status_code == 302 and _top(r.headers["location"]).id == "aadsts.700054"


def test_revoked_refresh_token_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    ok = _post(http, idp, client_id=CONF, client_secret=SECRET, grant_type="authorization_code",
               code=_code(http, idp), redirect_uri=REDIRECT, scope=SCOPE)
    refresh_token = ok.json()["refresh_token"]
    idp.revoke_all()
    exc = _oauth_error(_post(http, idp, client_id=CONF, client_secret=SECRET,
                             grant_type="refresh_token", refresh_token=refresh_token,
                             scope=SCOPE))
    assert _top(exc).id == "aadsts.50173"
    assert refresh_token not in str(exc)


@pytest.mark.parametrize(("fault", "entry_id"), [
    ("503", "aadsts.90033"), ("500", "aadsts.90033"), ("429", "aadsts.90033"),
    ("html", "provider.bad_response"), ("malformed_json", "provider.bad_response"),
    ("empty", "provider.bad_response"),
])
def test_injected_faults_with_an_answer(idp: FakeIdP, http: httpx.Client, fault: str,
                                        entry_id: str) -> None:
    idp.inject(fault, 1)
    resp = _post(http, idp, client_id=CONF, client_secret=SECRET, grant_type="refresh_token",
                 refresh_token="x")
    found = catalog.match(_oauth_error(resp))
    assert found[0].id == entry_id
    if fault in ("429", "503", "500"):  # the status entry is offered too
        assert {"http.429", "http.5xx"} & {m.id for m in found}


@pytest.mark.parametrize("fault", ["drop", "truncated"])
def test_injected_transport_faults(idp: FakeIdP, http: httpx.Client, fault: str) -> None:
    idp.inject(fault, 1)
    with pytest.raises(httpx.TransportError) as info:
        _post(http, idp, client_id=CONF, client_secret=SECRET, grant_type="refresh_token",
              refresh_token="x")
    assert _top(info.value).id == "network.dropped"


def test_graph_me_without_a_token_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    resp = http.get(idp.me_url)
    assert resp.status_code == 401
    exc = _oauth_error(resp, "Graph request")
    assert _top(exc).id == "http.401"
