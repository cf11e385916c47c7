"""Answer parsing and retries at the HTTP level, for corners a real server rarely shows.

The fake identity provider covers the ordinary cases (see test_service.py); here a
MockTransport plays servers that misbehave in ways worth pinning down exactly.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tui.core.clock import ManualClock
from tui.core.errors import BAD_RESPONSE, NETWORK, OAUTH, OAuthError
from tui.core.model import Account, ParamRow
from tui.core.oauth.http import RetryPolicy, parse_retry_after, scrub
from tui.core.oauth.service import OAuthService, merge_params

TOKEN_URL = "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token"
SECRET = "s3cr3t~value.with_chars"
RT = "0.AAAA-refresh-token-value-xyz"


def account(**kw: object) -> Account:
    base = dict(label="a", client_id="11111111-2222-3333-4444-555555555555",
                client_secret=SECRET,
                authorize_url=TOKEN_URL.replace("/token", "/authorize"), token_url=TOKEN_URL)
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def service(handler, clock: ManualClock | None = None) -> OAuthService:
    return OAuthService(clock=clock or ManualClock(), transport=httpx.MockTransport(handler))


def ok_body(**extra: object) -> dict[str, object]:
    return {"token_type": "Bearer", "access_token": "AT", "expires_in": 3599,
            "refresh_token": "RT2", "scope": "User.Read", **extra}


@pytest.mark.parametrize(
    ("content_type", "body", "detail"),
    [
        ("text/html", b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "HTML"),
        ("application/json", b"", "empty body"),
        ("application/json", b'{"access_token": "AT", "expi', "truncated JSON"),
        ("application/json", b"[1, 2, 3]", "JSON list"),
        ("application/json", b'"just a string"', "JSON str"),
        ("text/plain", b"hello", "truncated JSON"),
    ],
)
async def test_unreadable_answers_are_bad_response(content_type: str, body: bytes,
                                                   detail: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    err = info.value
    assert err.kind == BAD_RESPONSE
    assert err.status == 200
    assert "HTTP 200" in str(err) and content_type in str(err)
    assert detail in str(err)
    assert RT not in str(err) and SECRET not in str(err)


async def test_json_object_without_error_on_4xx_is_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"hello": "world"})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert info.value.kind == BAD_RESPONSE and info.value.status == 403


async def test_success_without_access_token_is_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer"})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert info.value.kind == BAD_RESPONSE and "access_token" in str(info.value)


async def test_microsoft_error_fields_are_kept_and_secrets_scrubbed() -> None:
    desc = (f"AADSTS70008: The refresh token {RT} has expired.\r\nTrace ID: t-1\r\n"
            "Correlation ID: c-2\r\nTimestamp: 2024-01-09 02:02:12Z")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={
            "error": "invalid_grant", "error_description": desc, "error_codes": [70008],
            "timestamp": "2024-01-09 02:02:12Z", "trace_id": "t-1", "correlation_id": "c-2",
            "error_uri": "https://login.microsoftonline.com/error?code=70008",
            "suberror": "bad_token"})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    err = info.value
    assert (err.kind, err.status, err.error, err.codes) == (OAUTH, 400, "invalid_grant", (70008,))
    assert (err.trace_id, err.correlation_id, err.suberror) == ("t-1", "c-2", "bad_token")
    assert err.needs_authorization
    assert RT not in str(err) and RT not in (err.error_description or "")
    assert "AADSTS70008" in str(err) and "Trace ID" not in str(err)


async def test_codes_come_from_the_description_when_error_codes_is_missing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={
            "error": "invalid_scope",
            "error_description": "AADSTS28000: two resources. Trace ID: x Correlation ID: y "
                                 "Timestamp: 2024-01-09 02:02:12Z"})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert info.value.codes == (28000,)
    assert info.value.trace_id == "x" and info.value.correlation_id == "y"
    assert info.value.timestamp == "2024-01-09 02:02:12Z"


async def test_graph_error_shape() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {
            "code": "InvalidAuthenticationToken", "message": "Access token has expired.",
            "innerError": {"request-id": "r-1", "client-request-id": "c-1"}}})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.get_json("https://graph.microsoft.com/v1.0/me", "eyJabc")
    err = info.value
    assert (err.error, err.status, err.trace_id) == ("InvalidAuthenticationToken", 401, "r-1")
    assert "Access token has expired" in str(err)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_transient_statuses_are_retried_then_succeed(status: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            return httpx.Response(status, text="busy", headers={"content-type": "text/plain"})
        return httpx.Response(200, json=ok_body())

    clock = ManualClock()
    async with service(handler, clock) as svc:
        result = await svc.refresh(account(), RT)
    assert result.access_token == "AT" and len(calls) == 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0] * 0.9


async def test_retry_after_is_honoured() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(429, json={"error": "too_many"}, headers={"Retry-After": "7"})
        return httpx.Response(200, json=ok_body())

    clock = ManualClock()
    async with service(handler, clock) as svc:
        await svc.refresh(account(), RT)
    assert clock.sleeps == [7.0]


async def test_very_long_retry_after_is_not_waited_for() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "throttled"}, headers={"Retry-After": "3600"})

    clock = ManualClock()
    async with service(handler, clock) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert clock.sleeps == [] and info.value.retry_after == 3600.0 and info.value.status == 429


async def test_three_tries_at_most_then_the_last_answer_counts() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, html="<html><body>down</body></html>")

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert len(calls) == 3
    assert info.value.kind == BAD_RESPONSE and info.value.status == 503
    assert "text/html" in str(info.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_4xx_is_never_retried(status: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(status, json={"error": "invalid_request",
                                            "error_description": "AADSTS900144: missing"})

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert len(calls) == 1 and info.value.codes == (900144,)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "could not connect"),
        (httpx.ConnectTimeout("slow"), "connecting took longer"),
        (httpx.ReadTimeout("slow"), "no complete answer"),
        (httpx.RemoteProtocolError("peer closed"), "dropped"),
    ],
)
async def test_network_failures_are_retried_then_reported(exc: Exception, words: str) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise exc

    async with service(handler) as svc:
        with pytest.raises(OAuthError) as info:
            await svc.refresh(account(), RT)
    assert len(calls) == 3
    assert info.value.kind == NETWORK and words in str(info.value)
    assert "tried 3 times" in str(info.value) and "login.microsoftonline.com" in str(info.value)


async def test_network_failure_then_success() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json=ok_body())

    async with service(handler) as svc:
        assert (await svc.refresh(account(), RT)).refresh_token == "RT2"


def test_retry_backoff_grows_with_jitter() -> None:
    policy = RetryPolicy()
    lows = [policy.backoff(n, rng=lambda: 0.0) for n in (1, 2, 3)]
    highs = [policy.backoff(n, rng=lambda: 1.0) for n in (1, 2, 3)]
    assert lows == [0.25, 0.5, 1.0] and highs == [0.5, 1.0, 2.0]


def test_retry_after_forms() -> None:
    assert parse_retry_after("12", 0) == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0) == 10.0
    assert parse_retry_after("soon", 0) is None and parse_retry_after(None, 0) is None


def test_scrub() -> None:
    assert scrub("token abcd1234 here", ["abcd1234"]) == "token *** here"
    assert scrub("jwt eyJhbGciOiJI.eyJzdWIiOiIx.sig-part", []) == "jwt ***"


# -- request shapes ------------------------------------------------------------------


async def test_token_request_body_rows_and_secret_in_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body())

    acct = account(token_params=(ParamRow("scope", "https://outlook.office.com/IMAP.AccessAsUser.All"
                                          " offline_access"), ParamRow("extra", "1")))
    async with service(handler) as svc:
        await svc.refresh(acct, RT)
    form = httpx.QueryParams(seen[0].content.decode())
    assert form["grant_type"] == "refresh_token" and form["refresh_token"] == RT
    assert form["client_secret"] == SECRET and form["extra"] == "1"
    assert form["scope"].startswith("https://outlook.office.com/IMAP")
    assert "authorization" not in seen[0].headers


async def test_basic_client_auth_and_public_clients() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ok_body())

    async with service(handler) as svc:
        await svc.refresh(account(client_auth="basic"), RT)
        await svc.refresh(account(client_type="public", client_secret=""), RT)
    basic = httpx.QueryParams(seen[0].content.decode())
    assert "client_secret" not in basic
    assert seen[0].headers["authorization"] == httpx.BasicAuth(
        "11111111-2222-3333-4444-555555555555", SECRET)._auth_header
    public = httpx.QueryParams(seen[1].content.decode())
    assert "client_secret" not in public and "authorization" not in seen[1].headers


def test_rows_override_defaults_in_place() -> None:
    merged = merge_params([("a", "1"), ("b", "2")], [ParamRow("b", "x"), ParamRow("c", "3"),
                                                     ParamRow(" ", "skip")])
    assert merged == [("a", "1"), ("b", "x"), ("c", "3")]


async def test_device_endpoint_microsoft_and_discovery() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/t/v2.0/.well-known/openid-configuration":
            return httpx.Response(200, json={"device_authorization_endpoint": "https://idp/dev"})
        return httpx.Response(404, html="<html>nope</html>")

    async with service(handler) as svc:
        assert await svc.device_endpoint(account()) == TOKEN_URL.replace("/token", "/devicecode")
        other = account(token_url="https://idp.example/t/oauth2/v2.0/token")
        assert await svc.device_endpoint(other) == "https://idp/dev"
        nothing = account(token_url="https://idp.example/x/token")
        with pytest.raises(OAuthError) as info:
            await svc.device_endpoint(nothing)
    assert info.value.error == "device_flow_unsupported"


async def test_device_start_defaults_interval_to_five() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps({
            "device_code": "DC", "user_code": "ABC", "verification_uri": "https://v",
            "expires_in": 900}).encode(), headers={"content-type": "application/json"})

    async with service(handler) as svc:
        device = await svc.start_device(account())
    assert device.interval == 5.0 and device.expires_in == 900.0 and "DC" not in repr(device)


@pytest.mark.parametrize(("header", "seconds"), [
    ("3600", 3600.0), ("-5", 0.0), ("nan", None), ("inf", 86400.0), ("1e30", 86400.0),
    ("soon", None), ("", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_retry_after_is_a_sane_number_of_seconds(header: str, seconds: float | None) -> None:
    from tui.core.oauth.http import parse_retry_after

    assert parse_retry_after(header, 1_800_000_000.0) == seconds
