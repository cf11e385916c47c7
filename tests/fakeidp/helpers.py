"""Helpers shared by the fake identity provider tests: PKCE, a browser stand-in, token calls."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx

from tui.fakeidp import FakeIdP

CONF, SECRET, PUB = "conf-app", "s3cret-value", "public-app"
REDIRECT = "http://localhost:8400/callback"
SCOPE = "offline_access openid User.Read Mail.ReadWrite"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(http: httpx.Client, idp: FakeIdP, challenge: str | None = None,
             client_id: str = CONF, scope: str = SCOPE, **extra: str) -> str:
    params = {"client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": scope, "state": "st-123", **extra}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    r = http.get(idp.authorize_url(), params=params)
    assert r.status_code == 302, r.text
    q = query_of(r.headers["location"])
    assert q["state"] == "st-123"
    return q["code"]


def token(http: httpx.Client, idp: FakeIdP, tenant: str = "contoso.example",
          **data: str) -> httpx.Response:
    return http.post(idp.token_url(tenant), data=data)


def redeem(http: httpx.Client, idp: FakeIdP, code: str, verifier: str | None = None,
           **extra: str) -> httpx.Response:
    data = {"client_id": CONF, "client_secret": SECRET, "grant_type": "authorization_code",
            "code": code, "redirect_uri": REDIRECT, "scope": SCOPE, **extra}
    if verifier:
        data["code_verifier"] = verifier
    return token(http, idp, **data)


def refresh(http: httpx.Client, idp: FakeIdP, rt: str, **extra: str) -> httpx.Response:
    """A refresh naming SCOPE (Microsoft refuses one without scope) unless ``scope`` is given."""
    data = {"client_id": CONF, "client_secret": SECRET, "grant_type": "refresh_token",
            "refresh_token": rt, "scope": SCOPE, **extra}
    return token(http, idp, **data)


def first_rt(http: httpx.Client, idp: FakeIdP) -> str:
    """The refresh token of a fresh sign-in of the confidential client."""
    return str(redeem(http, idp, get_code(http, idp)).json()["refresh_token"])


def aadsts(r: httpx.Response, extra: tuple[str, ...] = ()) -> int:
    """The AADSTS code of a Microsoft-shaped error, checking the whole shape on the way;
    ``extra``: the keys that follow the usual ones (suberror, claims), in order."""
    body = r.json()
    code = body["error_codes"][0]
    desc = body["error_description"]
    assert desc.startswith(f"AADSTS{code}: ")
    assert f"\r\nTrace ID: {body['trace_id']}\r\nCorrelation ID: {body['correlation_id']}" \
           f"\r\nTimestamp: {body['timestamp']}" in desc
    assert desc.endswith(f"Timestamp: {body['timestamp']}")
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"
    assert list(body) == ["error", "error_description", "error_codes", "timestamp", "trace_id",
                          "correlation_id", "error_uri", *extra]
    return code
