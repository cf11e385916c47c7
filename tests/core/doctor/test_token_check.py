"""The token check against the fake identity provider: valid, refreshed, refused, missing."""

from __future__ import annotations

import time
from dataclasses import replace

from tests.helpers import add_signed_in, fake_account
from tui.core.doctor.diagnose import FAIL, PASS, check_token
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


async def run_check(store: AccountStore, label: str = "work") -> tuple:
    async with OAuthService() as service:
        return await check_token(store, store.get(label), service, time.time())


async def test_a_valid_token_passes(idp: FakeIdP, store: AccountStore) -> None:
    await add_signed_in(idp, store)
    check, state = await run_check(store)
    assert check.status == PASS and state is not None
    left = round(state.valid_for() / 60)  # Microsoft's lifetimes vary: 60-90 min
    assert f"valid for {left} min more; a refresh token is stored" in check.detail
    assert 59 <= left <= 90
    assert idp.stats()["grant_types"].get("refresh_token", 0) == 0


async def test_an_expired_token_is_refreshed(idp: FakeIdP, store: AccountStore) -> None:
    old = await add_signed_in(idp, store, expired=True)
    check, state = await run_check(store)
    assert check.status == PASS and "a refresh worked" in check.detail
    assert state.access_token != old.access_token
    assert idp.stats()["grant_types"]["refresh_token"] == 1


async def test_a_refused_refresh_fails_with_the_catalog_fix(idp: FakeIdP,
                                                            store: AccountStore) -> None:
    await add_signed_in(idp, store, expired=True)
    idp.revoke_all()
    check, state = await run_check(store)
    assert check.status == FAIL and state is None
    assert "the access token has expired and the refresh token was refused" in check.detail
    assert check.entry == "aadsts.50173"
    assert "exo-oauth authorize work" in check.fix


async def test_a_refresh_token_refused_earlier_fails_but_its_token_still_serves(
        idp: FakeIdP, store: AccountStore) -> None:
    acct = await add_signed_in(idp, store)
    state = replace(store.token_state(acct), needs_authorization=True,
                    last_error="invalid_grant AADSTS50173", last_error_at=time.time())
    store.save_token_state(state)
    check, usable = await run_check(store)
    assert check.status == FAIL and check.entry == "aadsts.50173"
    assert "the refresh token was refused at " in check.detail
    assert "(invalid_grant AADSTS50173); a person must sign in again" in check.detail
    left = round(state.valid_for() / 60)
    assert f"still valid for {left} min, so the checks below use it" in check.detail
    assert usable == state  # what `exo-oauth token` hands out meanwhile
    store.save_token_state(replace(state, expires_at=time.time() - 5))
    check, usable = await run_check(store)
    assert check.status == FAIL and usable is None
    assert check.detail.startswith("the access token has expired and the refresh token was")


async def test_a_refresh_refused_now_keeps_the_valid_token(idp: FakeIdP,
                                                           store: AccountStore) -> None:
    acct = await add_signed_in(idp, store)
    store.save_token_state(replace(store.token_state(acct),
                                   expires_at=time.time() + 30))  # too short for a login
    idp.inject("mfa_required")
    check, usable = await run_check(store)
    assert check.status == FAIL and check.entry == "aadsts.50076" and usable is None
    assert "AADSTS50076" in check.detail


async def test_never_authorized_fails(idp: FakeIdP, store: AccountStore) -> None:
    store.add(fake_account(idp))
    check, state = await run_check(store)
    assert check.status == FAIL and state is None and "never authorized" in check.detail
    assert check.fix == "Run `exo-oauth authorize work`."


async def test_expired_without_a_refresh_token_fails(idp: FakeIdP, store: AccountStore) -> None:
    acct = await add_signed_in(idp, store, expired=True)
    store.save_token_state(replace(store.token_state(acct), refresh_token=""))
    check, _ = await run_check(store)
    assert check.status == FAIL and "no refresh token" in check.detail
    assert idp.stats()["grant_types"].get("refresh_token", 0) == 0
