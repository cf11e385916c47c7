"""Store writes that wait for a refresh of this process in flight (after_refresh): they
neither time out on the refresh's token lock nor lose what it stores."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import add_signed_in, fake_account
from tui.core.errors import NoSuchAccount
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import after_refresh, get_token
from tui.core.store import account_writes
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


async def in_flight(idp: FakeIdP, before: int) -> None:
    """Until the fake has received one more token request than ``before``."""
    while token_requests(idp) <= before:
        await asyncio.sleep(0.01)


def token_requests(idp: FakeIdP) -> int:
    return sum(idp.stats()["endpoints"].values())


async def test_a_delete_waits_for_the_refresh_in_flight(
        idp: FakeIdP, store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    # Far shorter than the refresh takes: waiting on the token file lock would time out.
    monkeypatch.setattr(account_writes, "RENAME_WAIT_S", 0.2)
    account = await add_signed_in(idp, store)
    token_file = Path(store._token_file(account.id))
    idp.latency_ms = 1000
    async with OAuthService() as service:
        before = token_requests(idp)
        refresh = asyncio.create_task(get_token(store, account, service=service, force=True))
        await in_flight(idp, before)
        await after_refresh(store, account, lambda: store.delete(account.id))
        assert refresh.done()  # the delete went after the refresh, not beside it
        state = refresh.result()
    assert state.refresh_token and state.refresh_token != account.refresh_token
    assert store.labels() == []
    assert not token_file.exists()


async def test_a_refresh_queued_behind_a_delete_writes_nothing(idp: FakeIdP,
                                                               store: AccountStore) -> None:
    """App-only: the queued refresh needs no stored token, so it would get one and store it."""
    account = store.add(fake_account(idp, "robot", app=True))
    async with OAuthService() as service:
        await get_token(store, account, service=service)
        token_file = Path(store._token_file(account.id))
        assert token_file.exists()
        await after_refresh(store, account, lambda: store.delete(account.id))
        with pytest.raises(NoSuchAccount):
            await get_token(store, account, service=service, force=True)
    assert not token_file.exists()


async def test_a_rename_during_a_refresh_keeps_the_new_tokens(idp: FakeIdP,
                                                              store: AccountStore) -> None:
    account = await add_signed_in(idp, store)
    idp.latency_ms = 500
    async with OAuthService() as service:
        before = token_requests(idp)
        refresh = asyncio.create_task(get_token(store, account, service=service, force=True))
        await in_flight(idp, before)
        renamed = replace(account, label="renamed")
        saved = await after_refresh(store, account,
                                    lambda: store.update(renamed, expected=account))
        state = await refresh
    assert saved.refresh_token == state.refresh_token != account.refresh_token
    assert store.get("renamed").access_token == state.access_token
