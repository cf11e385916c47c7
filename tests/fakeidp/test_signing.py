"""RS256 tokens whose keys are published at jwks_uri, checked the way a real validator does."""

from __future__ import annotations

import base64
import email.utils
import json

import httpx
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tui.fakeidp import FakeIdP
from tui.fakeidp.signing import b64url_decode

from .helpers import CONF, SECRET, get_code, redeem


def _int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


def verify_with_jwks(http: httpx.Client, discovery_url: str, token: str) -> dict[str, object]:
    """What a validator with no knowledge of the fake does: discovery -> jwks_uri -> the key
    named by ``kid`` -> an RS256 signature check. Returns the claims."""
    jwks_uri = http.get(discovery_url).json()["jwks_uri"]
    keys = http.get(jwks_uri)
    assert keys.status_code == 200 and keys.headers["content-type"].startswith(
        "application/json")
    head, body, signature = token.split(".")
    header = json.loads(b64url_decode(head))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    jwk = next(k for k in keys.json()["keys"] if k["kid"] == header["kid"])
    assert jwk["kty"] == "RSA" and jwk["use"] == "sig" and jwk["x5t"] == header["x5t"]
    public = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
    public.verify(b64url_decode(signature), f"{head}.{body}".encode(), padding.PKCS1v15(),
                  hashes.SHA256())
    # The certificate in x5c holds the same key (older validators read it from there).
    cert = x509.load_der_x509_certificate(base64.b64decode(jwk["x5c"][0]))
    assert cert.public_key().public_numbers() == public.public_numbers()
    return dict(json.loads(b64url_decode(body)))


def test_access_and_id_tokens_verify_against_the_published_keys(idp: FakeIdP,
                                                                http: httpx.Client) -> None:
    body = redeem(http, idp, get_code(http, idp)).json()
    claims = verify_with_jwks(http, idp.discovery_url(), body["access_token"])
    assert claims["aud"] == "https://graph.microsoft.com"
    assert verify_with_jwks(http, idp.discovery_url(), body["id_token"])["aud"] == CONF
    doc = http.get(idp.discovery_url()).json()
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["jwks_uri"].endswith("/discovery/v2.0/keys")
    assert idp.stats()["endpoints"]["keys"] == 2


def test_app_only_tokens_are_signed_too(idp: FakeIdP, http: httpx.Client) -> None:
    r = http.post(idp.token_url(), data={"client_id": CONF, "client_secret": SECRET,
                                         "grant_type": "client_credentials",
                                         "scope": "https://outlook.office365.com/.default"})
    claims = verify_with_jwks(http, idp.discovery_url("common"), r.json()["access_token"])
    assert claims["idtyp"] == "app"


def test_a_tampered_token_fails_the_check(idp: FakeIdP, http: httpx.Client) -> None:
    token = redeem(http, idp, get_code(http, idp)).json()["access_token"]
    head, body, signature = token.split(".")
    claims = json.loads(b64url_decode(body))
    claims["aud"] = "https://outlook.office.com"
    forged_body = base64.urlsafe_b64encode(
        json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        verify_with_jwks(http, idp.discovery_url(), f"{head}.{forged_body}.{signature}")
    assert idp.check_token(f"{head}.{forged_body}.{signature}") is None
    assert idp.check_token(token) is not None


def test_each_fake_has_its_own_key(http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET}, auto_approve=0) as a, \
            FakeIdP(clients={CONF: SECRET}, auto_approve=0) as b:
        token = redeem(http, a, get_code(http, a)).json()["access_token"]
        assert a.check_token(token) is not None and b.check_token(token) is None
        kids = {http.get(x.jwks_url()).json()["keys"][0]["kid"] for x in (a, b)}
        assert len(kids) == 2
        with pytest.raises(StopIteration):  # b does not publish the key a signed with
            verify_with_jwks(http, b.discovery_url(), token)


def test_keys_of_an_unknown_tenant(idp: FakeIdP, http: httpx.Client) -> None:
    r = http.get(idp.jwks_url("unknown.example"))
    assert r.status_code == 400 and r.json()["error_codes"] == [90002]
    assert http.get(idp.jwks_url("common")).status_code == 200


def test_date_header_follows_the_moved_clock(idp: FakeIdP, http: httpx.Client) -> None:
    def date() -> float:
        return email.utils.parsedate_to_datetime(
            http.get(idp.discovery_url()).headers["date"]).timestamp()

    before = date()
    assert abs(before - idp.now()) < 5
    http.post(f"{idp.base_url}/_fake/clock", json={"advance": 7200})
    assert date() - before >= 7199
