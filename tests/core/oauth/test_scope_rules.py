"""Every token request names a scope, as Microsoft requires, even when only the Auth row has one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.helpers import fake_account, final_location
from tui.core.errors import OAuthError
from tui.core.model import ParamRow
from tui.core.oauth.redirect import parse_answer
from tui.core.oauth.service import OAuthService
from tui.fakeidp import FakeIdP

BOTH = "offline_access User.Read https://outlook.office.com/IMAP.AccessAsUser.All"


async def _signed_in(service: OAuthService, account):  # type: ignore[no-untyped-def]
    request = service.authorize_request(account)
    answer = parse_answer(await final_location(request.url), request.state)
    return await service.exchange_code(account, answer.code, request)


async def test_refresh_sends_the_auth_scope_when_no_token_row_names_one(idp: FakeIdP) -> None:
    account = fake_account(idp, token_params=(),
                           auth_params=(ParamRow("scope", "offline_access User.Read"),))
    async with OAuthService() as service:
        first = await _signed_in(service, account)
        again = await service.refresh(account, first.refresh_token)
    assert again.access_token and again.scope == "User.Read"
    assert idp.stats()["issued"]["refresh_token"] == 1


async def test_the_token_row_wins_over_the_auth_row(idp: FakeIdP) -> None:
    account = fake_account(idp, auth_params=(ParamRow("scope", BOTH),),
                           token_params=(ParamRow(
                               "scope", "offline_access https://outlook.office.com/"
                                        "IMAP.AccessAsUser.All"),))
    async with OAuthService() as service:
        first = await _signed_in(service, account)
        again = await service.refresh(account, first.refresh_token)
    claims = idp.check_token(again.access_token)
    assert claims is not None and claims["aud"] == "https://outlook.office.com"


async def test_no_scope_anywhere_is_refused_as_microsoft_does(idp: FakeIdP) -> None:
    account = fake_account(idp)
    async with OAuthService() as service:
        first = await _signed_in(service, account)
        bare = replace(account, token_params=(), auth_params=())
        with pytest.raises(OAuthError) as info:
            await service.refresh(bare, first.refresh_token)
    assert info.value.codes == (900144,) and "'scope'" in (info.value.error_description or "")


async def test_two_resources_in_the_auth_row_need_a_token_row(idp: FakeIdP) -> None:
    """The Auth row may span Graph and Outlook; the code redemption then names both and
    Microsoft refuses (one resource per token): the token row must pick one."""
    account = fake_account(idp, token_params=(), auth_params=(ParamRow("scope", BOTH),))
    async with OAuthService() as service:
        with pytest.raises(OAuthError) as info:
            await _signed_in(service, account)
    assert info.value.codes == (28000,)
