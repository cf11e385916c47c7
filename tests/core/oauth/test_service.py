"""The OAuth service against the local identity provider over real loopback HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.helpers import MovableClock, browse, fake_account, final_location
from tui.core.clock import ManualClock
from tui.core.errors import BAD_RESPONSE, NETWORK, OAuthError
from tui.core.model import Account, ParamRow
from tui.core.oauth.loopback import LoopbackReceiver, redirect_path
from tui.core.oauth.redirect import parse_answer
from tui.core.oauth.service import OAuthService
from tui.fakeidp import FakeIdP

OUTLOOK_AND_GRAPH = "offline_access User.Read https://outlook.office.com/IMAP.AccessAsUser.All"


@pytest.fixture
def idp_options() -> dict[str, Any]:
    """Sign-ins wait for the person: the consent page, and device codes until approved."""
    return {"auto_approve": None}


def svc(clock: ManualClock | None = None) -> OAuthService:
    return OAuthService(clock=clock or ManualClock())


def with_scope(account: Account, scope: str) -> Account:
    return replace(account, token_params=(ParamRow("scope", scope),),
                   auth_params=(ParamRow("scope", scope),))


# -- authorize URL -------------------------------------------------------------------


def test_authorize_url_shape_and_row_order(idp: FakeIdP) -> None:
    acct = fake_account(idp, auth_params=(ParamRow("scope", "offline_access User.Read"),
                                          ParamRow("prompt", "select_account"),
                                          ParamRow("login_hint", "a@b.c"),
                                          ParamRow("response_mode", "query")))
    request = OAuthService().authorize_request(acct)
    query = parse_qs(urlsplit(request.url).query)
    keys = list(dict.fromkeys(k.split("=")[0] for k in urlsplit(request.url).query.split("&")))
    assert keys == ["client_id", "response_type", "redirect_uri", "state", "code_challenge",
                    "code_challenge_method", "scope", "prompt", "login_hint", "response_mode"]
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert len(request.state) >= 43 and len(request.code_verifier) >= 43
    assert query["state"] == [request.state] and query["redirect_uri"] == [acct.redirect_uri]
    assert "%20" in request.url and "+" not in request.url
    again = OAuthService().authorize_request(acct)
    assert again.state != request.state and again.code_verifier != request.code_verifier


def test_a_row_overrides_a_default(idp: FakeIdP) -> None:
    acct = fake_account(idp, auth_params=(ParamRow("redirect_uri", "http://127.0.0.1:9/x"),
                                          ParamRow("scope", "User.Read")))
    request = OAuthService().authorize_request(acct)
    assert parse_qs(urlsplit(request.url).query)["redirect_uri"] == ["http://127.0.0.1:9/x"]
    assert request.redirect_uri == "http://127.0.0.1:9/x"


# -- the three ways to authorize ------------------------------------------------------


@pytest.mark.parametrize("public", [False, True])
async def test_paste_flow(idp: FakeIdP, public: bool) -> None:
    acct = fake_account(idp, public=public)
    async with svc() as service:
        request = service.authorize_request(acct)
        location = await final_location(request.url)
        assert location.startswith("http://localhost:8400")
        answer = parse_answer(location, request.state)
        assert "session_state" in answer.extra
        result = await service.exchange_code(acct, answer.code, request)
    assert result.access_token and result.refresh_token
    assert result.expires_in is not None and 3600 <= result.expires_in <= 5400
    assert idp.stats()["issued"]["authorization_code"] == 1


async def test_paste_bare_code(idp: FakeIdP) -> None:
    acct = fake_account(idp)
    async with svc() as service:
        request = service.authorize_request(acct)
        code = parse_qs(urlsplit(await final_location(request.url)).query)["code"][0]
        result = await service.exchange_code(acct, parse_answer(code, request.state).code,
                                             request)
    assert result.access_token


async def test_loopback_flow(idp: FakeIdP) -> None:
    acct = fake_account(idp, redirect_uri="http://localhost:8400/callback")
    async with svc() as service, LoopbackReceiver(state="pending", path=redirect_path(
            acct.redirect_uri)) as rx:
        redirect_uri = f"http://localhost:{rx.port}/callback"
        request = service.authorize_request(acct, redirect_uri=redirect_uri)
        rx.state = request.state
        waiter = asyncio.create_task(rx.wait(timeout=10))
        location = await final_location(request.url)
        async with httpx.AsyncClient() as browser:  # the browser follows the redirect
            forged = location.replace(request.state, "forged-state")
            assert (await browser.get(forged.replace("localhost", "127.0.0.1"))).status_code == 400
            page = await browser.get(location.replace("localhost", "127.0.0.1"))
        assert page.status_code == 200 and "exo-oauth" in page.text
        answer = await waiter
        result = await service.exchange_code(acct, answer.code, request)
    assert result.refresh_token


async def test_device_flow_pending_then_done(idp: FakeIdP) -> None:
    idp.options.auto_approve = 12.0
    clock = MovableClock.linked(idp)
    acct = fake_account(idp, public=True)
    kinds: list[str] = []
    async with svc(clock) as service:
        async for step in service.device_flow(acct):
            kinds.append(step.kind)
            if step.kind == "started":
                assert step.device.user_code and step.interval == 5
                assert step.device.verification_uri == "https://microsoft.com/devicelogin"
            if step.result is not None:
                result = step.result
    assert kinds == ["started", "pending", "pending", "done"]
    assert clock.sleeps == [5, 5, 5] and result.refresh_token
    assert idp.stats()["endpoints"]["openid-configuration"] == 1  # not a Microsoft host


async def test_device_flow_slow_down_adds_five_seconds(idp: FakeIdP) -> None:
    clock = MovableClock.linked(idp)
    acct = fake_account(idp)
    events = []
    async with svc(clock) as service:
        async def on_progress(step) -> None:
            events.append((step.kind, step.interval))
            if step.kind == "started":
                clock.wake_early = 3  # poll too early (the first early poll only counts)
            if step.kind == "slow_down" and step.interval == 15:
                assert idp.approve_device(step.device.user_code)

        result = await service.run_device_flow(acct, on_progress)
    assert events[0] == ("started", 5)
    assert ("slow_down", 10) in events and ("slow_down", 15) in events
    assert events[-1][0] == "done" and result.access_token
    assert clock.sleeps[-1] == 15


async def test_device_flow_declined(idp: FakeIdP) -> None:
    clock = MovableClock.linked(idp)
    async with svc(clock) as service:
        with pytest.raises(OAuthError) as info:
            async for step in service.device_flow(fake_account(idp)):
                if step.kind == "started":
                    idp.decline_device(step.device.user_code)
    assert info.value.error == "authorization_declined" and 65004 in info.value.codes


async def test_device_flow_gives_up_at_expires_in(idp: FakeIdP) -> None:
    idp.options.device_code_lifetime = 22
    clock = MovableClock.linked(idp)
    async with svc(clock) as service:
        with pytest.raises(OAuthError) as info:
            await service.run_device_flow(fake_account(idp))
    assert info.value.error == "expired_token" and "expired" in str(info.value)
    assert sum(clock.sleeps) == pytest.approx(22)
    assert idp.stats()["grant_types"]["device_code"] == 4  # at 5, 10, 15, 20 s


async def test_device_flow_server_says_expired(idp: FakeIdP) -> None:
    clock = MovableClock.linked(idp)
    async with svc(clock) as service:
        with pytest.raises(OAuthError) as info:
            async for step in service.device_flow(fake_account(idp)):
                if step.kind == "started":
                    idp.advance(10_000)  # the fake's code dies; ours thinks it has time
    assert info.value.error == "expired_token" and 70019 in info.value.codes


async def test_device_flow_bad_verification_code(idp: FakeIdP) -> None:
    clock = MovableClock.linked(idp)
    async with svc(clock) as service:
        with pytest.raises(OAuthError) as info:
            async for step in service.device_flow(fake_account(idp)):
                if step.kind == "started":
                    with idp.state.lock:
                        idp.state.devices.clear()
    assert info.value.error == "bad_verification_code"


# -- AADSTS cases -----------------------------------------------------------------------


async def _code_for(service: OAuthService, acct, **kw):
    request = service.authorize_request(acct, **kw)
    answer = parse_answer(await final_location(request.url), request.state)
    return request, answer.code


async def test_pkce_mismatch_501481(idp: FakeIdP) -> None:
    acct = fake_account(idp)
    async with svc() as service:
        request, code = await _code_for(service, acct)
        with pytest.raises(OAuthError) as info:
            await service.exchange_code(acct, code, replace(request, code_verifier="x" * 50))
    assert info.value.codes == (501481,) and info.value.error == "invalid_grant"
    assert code not in str(info.value)


async def test_code_reused_54005_and_expired_70008(idp: FakeIdP) -> None:
    acct = fake_account(idp)
    async with svc() as service:
        request, code = await _code_for(service, acct)
        await service.exchange_code(acct, code, request)
        with pytest.raises(OAuthError) as reused:
            await service.exchange_code(acct, code, request)
        request, code = await _code_for(service, acct)
        idp.advance(601)
        with pytest.raises(OAuthError) as expired:
            await service.exchange_code(acct, code, request)
    assert reused.value.codes == (54005,) and expired.value.codes == (70008,)


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        (dict(client_id="99999999-9999-4999-8999-999999999999"), 700016, 400),
        (dict(client_secret="wrong-secret"), 7000215, 401),
        (dict(client_secret=""), 7000218, 401),
        (dict(client_auth="basic", client_secret="wrong"), 7000215, 401),
    ],
)
async def test_client_errors(idp: FakeIdP, change: dict, code: int, status: int) -> None:
    acct = replace(fake_account(idp), **change)
    async with svc() as service:
        with pytest.raises(OAuthError) as info:
            await service.refresh(acct, "0.some-refresh-token")
    assert info.value.codes == (code,) and info.value.status == status
    assert "wrong-secret" not in str(info.value)


async def test_public_client_sending_a_secret_700025(idp: FakeIdP) -> None:
    acct = replace(fake_account(idp, public=True), client_type="confidential",
                   client_secret="oops-a-secret")
    async with svc() as service:
        with pytest.raises(OAuthError) as info:
            await service.refresh(acct, "0.rt")
    assert info.value.codes == (700025,)


async def test_basic_auth_works(idp: FakeIdP) -> None:
    acct = replace(fake_account(idp), client_auth="basic")
    async with svc() as service:
        request, code = await _code_for(service, acct)
        assert (await service.exchange_code(acct, code, request)).access_token


@pytest.mark.parametrize(("change", "code"), [
    (dict(redirect_uri="https://app.example/callback"), 50011),
    (dict(client_id="99999999-9999-4999-8999-999999999999"), 700016),
    (dict(tenant="unknown.example"), 90002),
])
async def test_errors_shown_on_the_provider_page(idp: FakeIdP, change: dict, code: int) -> None:
    """Microsoft does not redirect these back (RFC 6749 4.1.2.1): the person sees them."""
    acct = fake_account(idp, **change)
    request = OAuthService().authorize_request(acct)
    page = await browse(request.url)
    assert page.status_code == 400 and f"AADSTS{code}" in page.text


async def test_error_redirect_becomes_oauth_error(idp: FakeIdP) -> None:
    acct = fake_account(idp, auth_params=(ParamRow("scope", "User.Read"),
                                          ParamRow("response_type", "token")))
    request = OAuthService().authorize_request(acct)
    with pytest.raises(OAuthError) as info:
        parse_answer(await final_location(request.url), request.state)
    assert info.value.codes == (700054,) and info.value.trace_id


async def test_user_cancel_is_access_denied(idp: FakeIdP) -> None:
    request = OAuthService().authorize_request(fake_account(idp))
    with pytest.raises(OAuthError) as info:
        parse_answer(await final_location(request.url, approve=False), request.state)
    assert info.value.error == "access_denied" and info.value.suberror == "cancel"


async def test_scope_spanning_two_resources_28000(idp: FakeIdP) -> None:
    acct = with_scope(fake_account(idp), OUTLOOK_AND_GRAPH)
    async with svc() as service:
        with pytest.raises(OAuthError) as info:
            await service.start_device(acct)
    assert info.value.codes == (28000,) and info.value.error == "invalid_scope"


async def test_unknown_tenant_90002(idp: FakeIdP) -> None:
    acct = fake_account(idp, tenant="unknown.example")
    async with svc() as service:
        with pytest.raises(OAuthError) as info:
            await service.refresh(acct, "0.rt")
    assert info.value.codes == (90002,)


async def test_refresh_rotation_revocation_and_inactivity(idp: FakeIdP) -> None:
    acct = fake_account(idp)
    async with svc() as service:
        request, code = await _code_for(service, acct)
        first = await service.exchange_code(acct, code, request)
        second = await service.refresh(acct, first.refresh_token)
        assert second.refresh_token and second.refresh_token != first.refresh_token
        # as at Microsoft, rotation revokes nothing: the first token still works
        third = await service.refresh(acct, first.refresh_token)
        await service.refresh(acct, third.refresh_token)
        assert (await service.refresh(acct, first.refresh_token)).access_token
        idp.advance(91 * 86400)
        with pytest.raises(OAuthError) as inactive:
            await service.refresh(acct, third.refresh_token)
        assert inactive.value.codes == (700082,)
        request, code = await _code_for(service, acct)
        fresh = await service.exchange_code(acct, code, request)
        idp.revoke_all()
        with pytest.raises(OAuthError) as revoked:
            await service.refresh(acct, fresh.refresh_token)
    assert revoked.value.codes == (50173,) and revoked.value.needs_authorization


# -- transient failures and unreadable answers, from a real server -------------------------


async def _refreshable(idp: FakeIdP, service: OAuthService):
    acct = fake_account(idp)
    request, code = await _code_for(service, acct)
    return acct, await service.exchange_code(acct, code, request)


@pytest.mark.parametrize("fault", ["500", "503", "429", "drop", "truncated"])
async def test_transient_faults_are_retried(idp: FakeIdP, fault: str) -> None:
    async with svc() as service:
        acct, tokens = await _refreshable(idp, service)
        idp.reset_stats()
        idp.inject(fault, 2)
        result = await service.refresh(acct, tokens.refresh_token)
    assert result.access_token
    assert idp.stats()["grant_types"]["refresh_token"] == 3


@pytest.mark.parametrize(("fault", "kind"), [("html", BAD_RESPONSE),
                                             ("malformed_json", BAD_RESPONSE),
                                             ("empty", BAD_RESPONSE), ("drop", NETWORK)])
async def test_unreadable_answers(idp: FakeIdP, fault: str, kind: str) -> None:
    async with svc() as service:
        acct, tokens = await _refreshable(idp, service)
        idp.inject(fault, 3)
        with pytest.raises(OAuthError) as info:
            await service.refresh(acct, tokens.refresh_token)
    assert info.value.kind == kind
    assert tokens.refresh_token not in str(info.value)
    if kind == BAD_RESPONSE:
        assert "HTTP 200" in str(info.value) and info.value.content_type


async def test_oauth_400_is_not_retried(idp: FakeIdP) -> None:
    async with svc() as service:
        with pytest.raises(OAuthError):
            await service.refresh(fake_account(idp), "0.unknown-token")
    assert idp.stats()["grant_types"]["refresh_token"] == 1


async def test_graph_me(idp: FakeIdP) -> None:
    async with svc() as service:
        _acct, tokens = await _refreshable(idp, service)
        me = await service.get_json(idp.me_url, tokens.access_token)
        with pytest.raises(OAuthError) as info:
            await service.get_json(idp.me_url, "not-a-token")
    assert me["userPrincipalName"] == "demo.user@contoso.example"
    assert info.value.status == 401 and info.value.error == "InvalidAuthenticationToken"


async def test_client_credentials(idp: FakeIdP) -> None:
    acct = replace(fake_account(idp), token_params=(
        ParamRow("scope", "https://graph.microsoft.com/.default"),))
    async with svc() as service:
        result = await service.client_credentials(acct)
        with pytest.raises(OAuthError) as info:
            await service.client_credentials(with_scope(fake_account(idp), "User.Read"))
    assert result.access_token and not result.refresh_token
    assert info.value.codes == (1002012,)


async def test_loopback_with_form_post_response_mode(idp: FakeIdP) -> None:
    """response_mode=form_post: the fake's page posts the answer to the receiver."""
    import re
    from html import unescape

    acct = fake_account(idp, auth_params=(ParamRow("scope", "offline_access User.Read"),
                                          ParamRow("response_mode", "form_post")))
    async with svc() as service, LoopbackReceiver(state="x") as rx:
        request = service.authorize_request(acct, redirect_uri=f"http://127.0.0.1:{rx.port}/")
        rx.state = request.state
        waiter = asyncio.create_task(rx.wait(timeout=10))
        page = await browse(request.url)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
        async with httpx.AsyncClient() as browser:
            await browser.post(f"http://127.0.0.1:{rx.port}/",
                               data={k: unescape(v) for k, v in fields.items()})
        result = await service.exchange_code(acct, (await waiter).code, request)
    assert result.access_token
