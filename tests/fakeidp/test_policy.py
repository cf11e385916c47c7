"""Conditional Access and MFA answers: error, suberror and claims as Microsoft sends them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tui.fakeidp import FakeIdP
from tui.fakeidp.policy import policy_id

from .helpers import (
    CONF,
    DEVICE,
    PUB,
    SECRET,
    aadsts,
    first_rt,
    get_code,
    redeem,
    refresh,
    token,
)

# kind -> (AADSTS code, error, suberror, carries a claims challenge)
EXPECTED = {
    "mfa_required": (50076, "invalid_grant", "basic_action", True),
    "mfa_registration": (50079, "invalid_grant", "basic_action", True),
    "mfa_expired": (50078, "invalid_grant", "basic_action", True),
    "sign_in_frequency": (70043, "invalid_grant", "basic_action", True),
    "ca_blocked": (53003, "invalid_grant", "message_only", True),
    "ca_denied": (53003, "access_denied", "message_only", True),
    "interaction_required": (50076, "interaction_required", "basic_action", False),
    "consent_required": (65001, "invalid_grant", "consent_required", False),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_policy_answer_on_refresh(idp: FakeIdP, http: httpx.Client, kind: str) -> None:
    code, error, suberror, challenge = EXPECTED[kind]
    rt = first_rt(http, idp)
    idp.inject(kind)
    r = refresh(http, idp, rt)
    assert r.status_code == 400
    body = r.json()
    assert aadsts(r, ("suberror", "claims") if challenge else ("suberror",)) == code
    assert body["error"] == error and body["suberror"] == suberror
    if challenge:
        asked = json.loads(body["claims"])
        assert asked == {"access_token": {"capolids": {"essential": True,
                                                       "values": [policy_id(kind)]}}}
    assert idp.stats()["faults"] == {kind: 1}
    assert refresh(http, idp, rt).status_code == 200  # served once, as asked


def test_the_resource_is_named(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    idp.inject("mfa_required")
    r = refresh(http, idp, rt, scope="https://outlook.office.com/IMAP.AccessAsUser.All")
    assert "'https://outlook.office.com'" in r.json()["error_description"]


def test_a_policy_decides_last(idp: FakeIdP, http: httpx.Client) -> None:
    """A wrong secret or a dead token is reported as such; the policy waits for a good one."""
    rt = first_rt(http, idp)
    idp.inject("ca_blocked")
    assert refresh(http, idp, rt, client_secret="wrong").status_code == 401
    assert aadsts(refresh(http, idp, "garbage")) == 9002313
    assert aadsts(refresh(http, idp, rt), ("suberror", "claims")) == 53003


def test_policy_faults_reach_code_and_device_grants_but_not_app_tokens(
        http: httpx.Client) -> None:
    with FakeIdP(clients={CONF: SECRET, PUB: None}, auto_approve=0) as idp:
        idp.inject("mfa_required", fraction=1.0)  # a policy in force
        r = redeem(http, idp, get_code(http, idp))
        assert r.json()["error"] == "invalid_grant" and r.json()["suberror"] == "basic_action"
        dev = http.post(idp.devicecode_url(), data={"client_id": PUB,
                                                    "scope": "User.Read"}).json()
        r = token(http, idp, client_id=PUB, grant_type=DEVICE, device_code=dev["device_code"])
        assert r.json()["error_codes"] == [50076]
        app = token(http, idp, client_id=CONF, client_secret=SECRET,
                    grant_type="client_credentials",
                    scope="https://graph.microsoft.com/.default")
        assert app.status_code == 200  # no person to ask for MFA
        idp.clear_faults()
        assert redeem(http, idp, get_code(http, idp)).status_code == 200


def test_transport_and_policy_faults_queue_apart(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    idp.inject("ca_blocked")
    idp.inject("503")
    assert refresh(http, idp, rt).status_code == 503  # the gateway answers first
    assert refresh(http, idp, rt).json()["error_codes"] == [53003]
    assert refresh(http, idp, rt).status_code == 200


def test_policy_faults_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    rt = first_rt(http, idp)
    r = http.post(f"{idp.base_url}/_fake/faults", json={"fault": "sign_in_frequency"})
    assert r.status_code == 200 and r.json()["faults"][0]["fault"] == "sign_in_frequency"
    assert refresh(http, idp, rt).json()["error_codes"] == [70043]
    bad = http.post(f"{idp.base_url}/_fake/faults", json={"fault": "mfa"})
    assert bad.status_code == 400 and "mfa_required" in bad.json()["error"]


# ---- device code refused by the tenant's policy -------------------------------------------
@pytest.fixture
def blocking() -> Iterator[FakeIdP]:
    with FakeIdP(clients={PUB: None}, device_code_policy="block",
                 verification_uri=None) as fake:
        yield fake


def start(http: httpx.Client, idp: FakeIdP) -> dict[str, str]:
    r = http.post(idp.devicecode_url(), data={"client_id": PUB, "scope": "User.Read"})
    assert r.status_code == 200  # the code is handed out; the sign-in is what is refused
    return dict(r.json())


def poll(http: httpx.Client, idp: FakeIdP, dev: dict[str, str]) -> httpx.Response:
    return token(http, idp, client_id=PUB, grant_type=DEVICE, device_code=dev["device_code"])


def test_device_sign_in_refused_by_policy(blocking: FakeIdP, http: httpx.Client) -> None:
    dev = start(http, blocking)
    assert poll(http, blocking, dev).json()["error"] == "authorization_pending"
    page = http.post(dev["verification_uri"], data={"user_code": dev["user_code"],
                                                    "decision": "approve"})
    assert page.status_code == 200 and "AADSTS53003" in page.text
    blocking.advance(5)
    r = poll(http, blocking, dev)
    assert aadsts(r, ("suberror", "claims")) == 53003
    assert r.json()["error"] == "access_denied" and r.json()["suberror"] == "message_only"
    assert blocking.stats()["issued"]["device_code"] == 0


def test_device_sign_in_refused_on_auto_approval(http: httpx.Client) -> None:
    with FakeIdP(clients={PUB: None}, auto_approve=0, device_code_policy="block") as idp:
        r = poll(http, idp, start(http, idp))
        assert r.json()["error_codes"] == [53003]
        # other ways of signing in are not affected
        code = get_code(http, idp, client_id=PUB)
        assert token(http, idp, client_id=PUB, grant_type="authorization_code", code=code,
                     redirect_uri="http://localhost:8400/callback").status_code == 200


@pytest.mark.parametrize("expired", [70019, 70020])
def test_device_sign_in_blocked_silently_runs_out(http: httpx.Client, expired: int) -> None:
    with FakeIdP(clients={PUB: None}, auto_approve=0, device_code_policy="block_silently",
                 expired_device_code=expired, verification_uri=None) as idp:
        dev = start(http, idp)
        assert idp.approve_device(dev["user_code"])  # the person tried ...
        idp.advance(10)
        assert poll(http, idp, dev).json()["error"] == "authorization_pending"  # ... unheard
        idp.advance(900)
        r = poll(http, idp, dev)
        assert r.json()["error"] == "expired_token" and aadsts(r) == expired


def test_bad_device_options() -> None:
    with pytest.raises(ValueError, match="device_code_policy"):
        FakeIdP(device_code_policy="maybe")
    with pytest.raises(ValueError, match="70019 or 70020"):
        FakeIdP(expired_device_code=70018)
