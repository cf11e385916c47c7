"""get_token, refresh_many and watch against the fake, with a real account store; a process
killed between receiving and saving tokens loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from tests.core.refresh.helpers import watch_passes
from tests.helpers import (
    MovableClock,
    add_signed_in,
    child_env,
    fake_account,
    signed_in,
)
from tui import cli
from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.model import Account, ParamRow, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.refresh.batch import batch_exit_code, refresh_many
from tui.core.refresh.single_flight import get_token
from tui.core.refresh.watch import watch
from tui.core.store.account_store import AccountStore
from tui.core.store.protocol import Store
from tui.fakeidp import FakeIdP


async def test_valid_token_needs_no_request(idp: FakeIdP, store: AccountStore) -> None:
    account = await add_signed_in(idp, store)
    before = idp.stats()["grant_types"]["refresh_token"]
    async with OAuthService() as service:
        state = await get_token(store, account, service=service)
    assert state.access_token and idp.stats()["grant_types"]["refresh_token"] == before


async def test_expired_token_is_refreshed_and_rotation_saved(idp: FakeIdP,
                                                             store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    old = store.token_state(account)
    async with OAuthService() as service:
        state = await get_token(store, account, service=service)
    saved = store.token_state(account)
    assert saved == state and state.access_token != old.access_token
    assert state.refresh_token != old.refresh_token  # the newest refresh token is kept
    assert state.expires_at and state.expires_at > time.time() + 3000
    assert state.last_refresh_at and not state.needs_authorization


async def test_the_newest_refresh_token_is_always_stored(store: AccountStore) -> None:
    """Microsoft keeps old refresh tokens alive, so only a strict fake shows that exo-oauth
    never goes back to one: each refresh starts from the token the last one stored."""
    with FakeIdP(retry_after=0, auto_approve=0, strict_rotation=True) as strict:
        account = await add_signed_in(strict, store)
        seen = [store.token_state(account).refresh_token]
        async with OAuthService() as service:
            for _ in range(3):
                state = await get_token(store, account, service=service, force=True)
                assert store.token_state(account).refresh_token == state.refresh_token
                seen.append(state.refresh_token)
            assert len(set(seen)) == 4
            with pytest.raises(OAuthError) as dead:  # the first one was retired on the way
                await service.refresh(account, seen[0])
        assert dead.value.error == "invalid_grant"
        assert strict.stats()["issued"]["refresh_token"] == 3


async def test_force_and_min_valid(idp: FakeIdP, store: AccountStore) -> None:
    account = await add_signed_in(idp, store)
    async with OAuthService() as service:
        forced = await get_token(store, account, service=service, force=True)
        longer = await get_token(store, account, service=service, min_valid=7200)
    assert idp.stats()["grant_types"]["refresh_token"] == 2
    assert forced.access_token != longer.access_token


async def test_single_flight_in_one_process(idp: FakeIdP, store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    idp.latency_ms = 100
    async with OAuthService() as service:
        states = await asyncio.gather(*(get_token(store, account, service=service)
                                        for _ in range(20)))
    assert idp.stats()["grant_types"]["refresh_token"] == 1
    assert len({s.access_token for s in states}) == 1


async def test_refused_refresh_token_marks_needs_authorization(
        idp: FakeIdP, store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    config_before = store.path.read_bytes()
    idp.revoke_all()
    async with OAuthService() as service:
        with pytest.raises(NeedsAuthorization) as info:
            await get_token(store, account, service=service)
        assert info.value.exit_code == 4 and "50173" in str(info.value)
        state = store.token_state(account)
        assert state.needs_authorization and "AADSTS50173" in state.last_error
        assert "50173" in state.last_error_id  # the troubleshooting entry, for the UI
        assert state.refresh_token  # kept, in case a person wants to look
        # asking again does not bother the identity provider
        with pytest.raises(NeedsAuthorization):
            await get_token(store, account, service=service)
    assert idp.stats()["grant_types"]["refresh_token"] == 1
    assert store.path.read_bytes() == config_before  # the configuration is untouched


async def test_transient_failure_records_error_but_keeps_tokens(
        idp: FakeIdP, store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    old = store.token_state(account)
    idp.inject("503", 3)
    async with OAuthService(clock=MovableClock()) as service:
        with pytest.raises(OAuthError):
            await get_token(store, account, service=service)
    state = store.token_state(account)
    assert state.refresh_token == old.refresh_token and not state.needs_authorization
    assert "temporarily_unavailable" in state.last_error


async def test_no_refresh_token_needs_authorization(idp: FakeIdP, store: AccountStore) -> None:
    account = store.add(fake_account(idp))
    async with OAuthService() as service:
        with pytest.raises(NeedsAuthorization):
            await get_token(store, account, service=service)


async def test_old_refresh_token_kept_when_none_comes_back(idp: FakeIdP,
                                                          store: AccountStore) -> None:
    account = await add_signed_in(idp, store, expired=True)
    old = store.token_state(account)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token_type": "Bearer", "access_token": "NEW-AT",
                                         "expires_in": 3600, "scope": "User.Read"})

    async with OAuthService(transport=httpx.MockTransport(handler)) as service:
        state = await get_token(store, account, service=service)
    assert state.access_token == "NEW-AT" and state.refresh_token == old.refresh_token
    assert store.token_state(account).refresh_token == old.refresh_token


async def test_refresh_many_bounds_concurrency(tmp_path: Path) -> None:
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={"access_token": "A", "expires_in": 3600})

    class MemoryStore:
        """A conforming Store that counts the locks held at once."""

        def __init__(self) -> None:
            self.path = tmp_path / "accounts.toml"  # never written: no hooks
            self.states: dict[str, TokenState] = {}

        def load_all(self) -> list[tuple[Account, TokenState]]:
            return []

        def token_state(self, account: Account) -> TokenState:
            return self.states.get(account.id) or TokenState(account.id, account.label,
                                                             refresh_token="rt")

        def token_stamp(self, account: Account) -> int | None:
            return None

        def save_token_state(self, state: TokenState) -> None:
            self.states[state.account_id] = state

        @contextlib.asynccontextmanager
        async def token_lock(self, account: Account) -> AsyncIterator[None]:
            nonlocal held, held_peak
            held += 1
            held_peak = max(held_peak, held)
            try:
                yield
            finally:
                held -= 1

    held = held_peak = 0
    accounts = [Account(label=f"a{i}", client_id="c", token_url="https://idp.example/token")
                for i in range(40)]
    async with OAuthService(transport=httpx.MockTransport(handler)) as service:
        memory: Store = MemoryStore()
        outcomes = await refresh_many(memory, accounts, 5, service=service)
    assert peak == 5 and all(o.ok for o in outcomes) and batch_exit_code(outcomes) == 0
    # local work (lock, save) may overlap the next requests, within a bound
    assert 5 <= held_peak <= 10 and held == 0


async def test_refresh_many_reports_each_account(idp: FakeIdP, store: AccountStore) -> None:
    good = await add_signed_in(idp, store, "good", expired=True)
    never = store.add(fake_account(idp, label="never"))
    seen: list[str] = []
    async with OAuthService() as service:
        outcomes = await refresh_many(store, [good, never], service=service,
                                      on_result=lambda o: seen.append(o.account.label))
    assert sorted(seen) == ["good", "never"]
    assert [o.ok for o in outcomes] == [True, False]
    assert batch_exit_code(outcomes) == 4


async def test_watch_refreshes_before_expiry_and_after_a_long_sleep(
        idp: FakeIdP, store: AccountStore) -> None:
    auto = await add_signed_in(idp, store, "auto", auto_refresh=True)
    await add_signed_in(idp, store, "manual", expired=True)  # not auto: left alone
    state = store.token_state(auto)
    store.save_token_state(replace(state, expires_at=time.time() + 1000))
    clock = MovableClock.linked(idp)
    stop = asyncio.Event()
    lines: list[str] = []

    def after_sleep(seconds: float) -> None:
        if len(clock.sleeps) == 1:
            clock.advance(5000 - seconds)  # suspended through the expiry
        if len(clock.sleeps) == 3:
            stop.set()

    clock.on_sleep = after_sleep
    async with OAuthService(clock=clock) as service:
        await asyncio.wait_for(watch(store, service=service, stop=stop, log=lines.append,
                                     clock=clock), 10)
    assert clock.sleeps[:2] == [30, 30]  # the loop's waits; the first one lasted 5000 s
    refreshed = [line for line in lines if "refreshed" in line]
    assert len(refreshed) == 1 and refreshed[0].startswith("auto:")
    assert idp.stats()["grant_types"]["refresh_token"] == 1
    assert lines[-1] == "stopped"


async def test_watch_reports_a_dead_account_once(idp: FakeIdP, store: AccountStore) -> None:
    await add_signed_in(idp, store, "auto", auto_refresh=True, expired=True)
    idp.revoke_all()
    clock = MovableClock()
    stop = asyncio.Event()
    lines: list[str] = []

    def after_sleep(seconds: float) -> None:
        if len(clock.sleeps) >= 3:
            stop.set()

    clock.on_sleep = after_sleep
    async with OAuthService(clock=clock) as service:
        await asyncio.wait_for(watch(store, service=service, stop=stop, log=lines.append,
                                     clock=clock), 10)
    assert sum("refresh failed" in line for line in lines) == 1
    assert sum("needs a sign-in" in line for line in lines) == 0  # already reported above
    assert idp.stats()["grant_types"]["refresh_token"] == 1
    assert json.dumps(lines)  # plain strings


def test_get_token_from_two_event_loops(idp: FakeIdP, store: AccountStore) -> None:
    account = asyncio.run(add_signed_in(idp, store, expired=True))

    async def once() -> str:
        async with OAuthService() as service:
            return (await get_token(store, account, service=service, force=True)).access_token

    first, second = asyncio.run(once()), asyncio.run(once())  # one lock per loop, no clash
    assert first != second and idp.stats()["grant_types"]["refresh_token"] == 2


async def test_watch_survives_a_broken_account_file(idp: FakeIdP, store: AccountStore) -> None:
    await add_signed_in(idp, store, "auto", auto_refresh=True, expired=True)
    good = store.path.read_bytes()
    store.path.write_bytes(good + b"\n[[account]\nbroken")
    clock = MovableClock()
    stop = asyncio.Event()
    lines: list[str] = []

    def after_sleep(seconds: float) -> None:
        if len(clock.sleeps) == 2:
            store.path.write_bytes(good)  # the person fixed the file
        if len(clock.sleeps) == 3:
            stop.set()

    clock.on_sleep = after_sleep
    async with OAuthService(clock=clock) as service:
        await asyncio.wait_for(watch(store, service=service, stop=stop, log=lines.append,
                                     clock=clock), 10)
    assert sum("cannot read the accounts" in line for line in lines) == 1
    assert any(line.startswith("auto: refreshed") for line in lines)


KILL_BETWEEN_RECEIPT_AND_SAVE = """
import asyncio, os, signal, sys
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import get_token
from tui.core.store.account_store import AccountStore

store = AccountStore(sys.argv[1])
account = store.get("work")

def killed(state):  # the new tokens arrived; die before they reach the disk
    os.kill(os.getpid(), signal.SIGKILL)

store.save_token_state = killed

async def main():
    async with OAuthService() as service:
        await get_token(store, account, service=service)

asyncio.run(main())
"""


def test_kill_between_receipt_and_save_loses_nothing(idp: FakeIdP, store: AccountStore,
                                                     config: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    account = signed_in(idp, store, expired=True)
    before = store.token_state(account)
    proc = subprocess.run([sys.executable, "-c", KILL_BETWEEN_RECEIPT_AND_SAVE, str(config)],
                          env=child_env(), timeout=60, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert idp.stats()["issued"]["refresh_token"] == 1  # a new token was issued and lost
    assert store.token_state(account) == before  # the old refresh token is still on disk
    # ...and it still works, because its successor was never used
    assert cli.main(["--config", str(config), "token", "work"]) == 0
    after = store.token_state(account)
    assert capsys.readouterr().out.strip() == after.access_token
    assert after.refresh_token not in ("", before.refresh_token)
    assert idp.stats()["issued"]["refresh_token"] == 2


def test_the_fake_refuses_what_microsoft_refuses(idp: FakeIdP, store: AccountStore) -> None:
    """Past the validator (which stops these first), the identity provider's answers."""

    async def attempt(**kw: object) -> OAuthError:
        account = fake_account(idp, "x", app=True, **kw)
        async with OAuthService() as service:
            with pytest.raises(OAuthError) as caught:
                await get_token(store, account, service=service)
        return caught.value

    common = asyncio.run(attempt(token_url=idp.token_url("common")))
    assert common.codes[0] == 9001023
    named = asyncio.run(attempt(token_params=(ParamRow("scope", "Mail.Read"),)))
    assert named.codes[0] == 1002012


def test_watch_renews_an_auto_refresh_app_only_account(idp: FakeIdP,
                                                       store: AccountStore) -> None:
    clock = MovableClock.linked(idp)
    account = store.add(fake_account(idp, "app", app=True, auto_refresh=True))
    lines = asyncio.run(watch_passes(store, clock, passes=3, between=5400))
    # the first pass, then each expiry (tokens live 60-90 min)
    assert idp.stats()["issued"]["client_credentials"] == 3
    assert sum(line.startswith("app: refreshed") for line in lines) == 3
    assert not store.token_state(account).refresh_token
    assert not any("needs a sign-in" in line for line in lines)
