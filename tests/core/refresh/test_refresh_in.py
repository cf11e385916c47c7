"""get_token meets Microsoft's lifetimes over loopback HTTP: the real expires_in, and the
refresh_in advice (sent as strings here, as some endpoints do) honoured before expiry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import MovableClock, add_signed_in
from tui.core.errors import NeedsAuthorization
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import get_token
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP
from tui.fakeidp.policy import policy_id


@pytest.fixture
def advising() -> Iterator[FakeIdP]:
    """Two-hour tokens, with refresh_in (one hour) sent as strings."""
    with FakeIdP(retry_after=0, auto_approve=0, access_token_lifetime=7200,
                 numbers_as_strings=True) as fake:
        yield fake


async def test_the_real_lifetime_and_refresh_in_are_stored(advising: FakeIdP,
                                                           store: AccountStore) -> None:
    account = await add_signed_in(advising, store)
    state = store.token_state(account)
    assert state.obtained_at is not None and state.expires_at is not None
    assert state.expires_at - state.obtained_at == 7200  # not an assumed hour
    assert state.refresh_due_at == pytest.approx(state.obtained_at + 3600)
    claims = advising.check_token(state.access_token)
    assert claims is not None and claims["exp"] - claims["iat"] == 7200


async def test_varying_lifetimes_are_taken_as_sent(idp: FakeIdP, store: AccountStore) -> None:
    lifetimes = set()
    for n in range(4):
        account = await add_signed_in(idp, store, f"a{n}")
        state = store.token_state(account)
        assert state.expires_at is not None and state.obtained_at is not None
        claims = idp.check_token(state.access_token)
        assert claims is not None
        assert state.expires_at - state.obtained_at == claims["exp"] - claims["iat"]
        assert state.refresh_due_at is None  # short-lived tokens come without refresh_in
        lifetimes.add(claims["exp"] - claims["iat"])
    assert all(3600 <= s <= 5400 for s in lifetimes)


async def test_the_advised_refresh_happens_before_expiry(advising: FakeIdP,
                                                         store: AccountStore) -> None:
    account = await add_signed_in(advising, store)
    first = store.token_state(account)
    clock = MovableClock.linked(advising)
    async with OAuthService(clock=clock) as service:
        clock.advance(3500)
        assert await get_token(store, account, service=service) == first  # not due yet
        clock.advance(200)  # past refresh_in, with an hour of validity left
        fresh = await get_token(store, account, service=service)
    assert fresh.access_token != first.access_token
    assert advising.stats()["issued"]["refresh_token"] == 1
    assert fresh.refresh_due_at and fresh.refresh_due_at > clock.time() + 3000


async def test_a_failed_advised_refresh_keeps_the_valid_token(advising: FakeIdP,
                                                              store: AccountStore) -> None:
    account = await add_signed_in(advising, store)
    first = store.token_state(account)
    clock = MovableClock.linked(advising)
    clock.advance(3700)
    advising.inject("mfa_required")
    async with OAuthService(clock=clock) as service:
        served = await get_token(store, account, service=service)
        assert served.access_token == first.access_token  # still valid for 58 min
        assert served.needs_authorization and "AADSTS50076" in served.last_error
        again = await get_token(store, account, service=service)  # no second request
    assert again.access_token == first.access_token
    assert advising.stats()["grant_types"]["refresh_token"] == 1


async def test_a_transient_failure_is_retried_after_a_pause(advising: FakeIdP,
                                                            store: AccountStore) -> None:
    account = await add_signed_in(advising, store)
    clock = MovableClock.linked(advising)
    clock.advance(3700)
    advising.inject("503", 3)  # all three tries of one attempt
    async with OAuthService(clock=clock) as service:
        kept = await get_token(store, account, service=service)
        assert kept.last_error and not kept.needs_authorization
        assert await get_token(store, account, service=service) == kept  # too soon
        clock.advance(301)
        fresh = await get_token(store, account, service=service)
    assert fresh.access_token != kept.access_token and not fresh.last_error


async def test_needs_authorization_carries_the_refusal(idp: FakeIdP,
                                                       store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    idp.inject("sign_in_frequency")
    async with OAuthService() as service:
        with pytest.raises(NeedsAuthorization) as info:
            await get_token(store, account, service=service)
    refusal = info.value.oauth_error
    assert refusal is not None and refusal.codes == (70043,)
    assert refusal.suberror == "basic_action" and refusal.policy_ids == (
        policy_id("sign_in_frequency"),)
