"""Device code flow (RFC 8628) as Microsoft plays it: every polling answer, and the entry page."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, DEVICE, PUB, SECRET, aadsts, token


@pytest.fixture
def manual() -> Iterator[FakeIdP]:
    with FakeIdP(clients={CONF: SECRET, PUB: None}) as fake:
        yield fake


@pytest.fixture
def local_page() -> Iterator[FakeIdP]:
    """Names its own /devicelogin page instead of Microsoft's, so a person can use it."""
    with FakeIdP(clients={CONF: SECRET, PUB: None}, verification_uri=None) as fake:
        yield fake


def start(http: httpx.Client, idp: FakeIdP, client_id: str = PUB,
          scope: str = "offline_access User.Read") -> dict[str, object]:
    r = http.post(idp.devicecode_url(), data={"client_id": client_id, "scope": scope})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"user_code", "device_code", "verification_uri", "expires_in",
                         "interval", "message"}
    assert body["user_code"] in body["message"] and body["verification_uri"] in body["message"]
    return body


def poll(http: httpx.Client, idp: FakeIdP, device: dict[str, object],
         **extra: str) -> httpx.Response:
    return token(http, idp, client_id=PUB, grant_type=DEVICE,
                 device_code=str(device["device_code"]), **extra)


def test_pending_then_approved(manual: FakeIdP, http: httpx.Client) -> None:
    dev = start(http, manual)
    r = poll(http, manual, dev)
    assert r.status_code == 400 and r.json()["error"] == "authorization_pending"
    assert aadsts(r) == 70016
    assert manual.approve_device(str(dev["user_code"]))
    manual.advance(5)
    ok = poll(http, manual, dev)
    assert ok.status_code == 200 and "refresh_token" in ok.json()
    assert aadsts(poll(http, manual, dev)) == 54005  # a device code is redeemed once


def test_slow_down_when_polling_faster_than_the_interval(manual: FakeIdP,
                                                         http: httpx.Client) -> None:
    dev = start(http, manual)
    assert poll(http, manual, dev).json()["error"] == "authorization_pending"
    manual.advance(2)
    r = poll(http, manual, dev)
    assert r.json()["error"] == "slow_down"
    assert r.json()["error_description"].startswith("AADSTS70016: ")
    manual.advance(5)  # the old interval is no longer enough: it grew by 5 s
    assert poll(http, manual, dev).json()["error"] == "slow_down"
    manual.advance(15)
    assert poll(http, manual, dev).json()["error"] == "authorization_pending"


def test_declined(manual: FakeIdP, http: httpx.Client) -> None:
    dev = start(http, manual)
    assert manual.decline_device(str(dev["user_code"]))
    r = poll(http, manual, dev)
    assert r.json()["error"] == "authorization_declined" and aadsts(r) == 65004
    assert not manual.approve_device(str(dev["user_code"]))  # too late to change one's mind


@pytest.mark.parametrize("code", [70019, 70020])
def test_expired(http: httpx.Client, code: int) -> None:
    with FakeIdP(clients={PUB: None}, expired_device_code=code) as manual:
        dev = start(http, manual)
        manual.advance(901)
        r = poll(http, manual, dev)
        assert r.json()["error"] == "expired_token" and aadsts(r) == code
        assert not manual.approve_device(str(dev["user_code"]))


def test_verification_uri_is_microsofts(manual: FakeIdP, http: httpx.Client) -> None:
    dev = start(http, manual)
    assert dev["verification_uri"] == "https://microsoft.com/devicelogin"
    assert "https://microsoft.com/devicelogin" in str(dev["message"])
    assert "verification_uri_complete" not in dev


def test_bad_verification_code(manual: FakeIdP, http: httpx.Client) -> None:
    r = token(http, manual, client_id=PUB, grant_type=DEVICE, device_code="made-up")
    assert r.json()["error"] == "bad_verification_code" and aadsts(r) == 70000
    dev = start(http, manual)  # issued to PUB, redeemed by CONF: also unknown to CONF
    r = token(http, manual, client_id=CONF, client_secret=SECRET, grant_type=DEVICE,
              device_code=str(dev["device_code"]))
    assert r.json()["error"] == "bad_verification_code"


def test_confidential_and_public_client_rules(manual: FakeIdP, http: httpx.Client) -> None:
    dev = start(http, manual, client_id=CONF)
    manual.approve_device(str(dev["user_code"]))
    base = {"client_id": CONF, "grant_type": DEVICE, "device_code": str(dev["device_code"])}
    assert aadsts(token(http, manual, **base)) == 7000218
    assert token(http, manual, client_secret=SECRET, **base).status_code == 200
    pub = start(http, manual)
    assert aadsts(poll(http, manual, pub, client_secret="oops")) == 700025


def test_devicecode_request_errors(manual: FakeIdP, http: httpx.Client) -> None:
    url = manual.devicecode_url()
    assert aadsts(http.post(url, data={"scope": "User.Read"})) == 900144
    assert aadsts(http.post(url, data={"client_id": "nobody", "scope": "User.Read"})) == 700016
    assert aadsts(http.post(url, data={"client_id": PUB})) == 900144
    assert aadsts(http.post(manual.devicecode_url("unknown.example"),
                            data={"client_id": PUB, "scope": "User.Read"})) == 90002


def test_entry_page_approve_and_decline(local_page: FakeIdP, http: httpx.Client) -> None:
    manual = local_page
    dev, other = start(http, manual), start(http, manual)
    assert dev["verification_uri"] == manual.device_page_url
    page = http.get(str(dev["verification_uri"]))
    assert page.status_code == 200 and 'name="user_code"' in page.text
    code = str(dev["user_code"])
    typed = f"{code[:4].lower()}-{code[4:]}"  # people type lower case and dashes
    done = http.post(str(dev["verification_uri"]), data={"user_code": typed,
                                                         "decision": "approve"})
    assert done.status_code == 200 and "Signed in" in done.text
    assert poll(http, manual, dev).status_code == 200
    http.post(str(other["verification_uri"]), data={"user_code": other["user_code"],
                                                    "decision": "decline"})
    assert poll(http, manual, other).json()["error"] == "authorization_declined"
    wrong = http.post(str(dev["verification_uri"]), data={"user_code": "NOPE12345"})
    assert wrong.status_code == 400 and "unknown" in wrong.text
    assert manual.stats()["endpoints"]["devicelogin"] == 4


def test_auto_approve_on_the_moved_clock(http: httpx.Client) -> None:
    with FakeIdP(clients={PUB: None}, auto_approve=30) as idp:
        dev = start(http, idp)
        idp.advance(29)
        assert poll(http, idp, dev).json()["error"] == "authorization_pending"
        idp.advance(1)
        assert poll(http, idp, dev).status_code == 200


def test_auto_approve_in_real_time(http: httpx.Client) -> None:
    # The one real wait in this folder: auto-approval must also follow the wall clock.
    # Two seconds leave a loaded machine time for the first poll; then poll until approved.
    with FakeIdP(clients={PUB: None}, auto_approve=2.0, interval=0) as idp:
        started = time.monotonic()
        dev = start(http, idp)
        assert poll(http, idp, dev).json()["error"] == "authorization_pending"
        while (answer := poll(http, idp, dev)).status_code != 200:
            assert answer.json()["error"] == "authorization_pending"
            assert time.monotonic() - started < 30, "never approved"
            time.sleep(0.1)
        assert time.monotonic() - started >= 2.0
