"""Fixtures for the oauth tests: a fake identity provider, a store, accounts with real tokens."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

from tui.core.clock import SystemClock
from tui.core.model import Account
from tui.core.oauth.redirect import parse_answer
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

from .helpers import fake_account, final_location

ROOT = Path(__file__).resolve().parents[3]


class QuickClock(SystemClock):
    """Real time, but retry and poll waits return at once (and are recorded)."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


async def sign_in(idp: FakeIdP, store: AccountStore, account: Account, *,
                  expired: bool = False) -> Account:
    """Authorize through the fake (code flow) and store the tokens, optionally already expired."""
    async with OAuthService() as service:
        request = service.authorize_request(account)
        answer = parse_answer(await final_location(request.url), request.state)
        result = await service.exchange_code(account, answer.code, request)
    state = result.apply_to(store.token_state(account), keep_refresh_token=False)
    if expired:
        state = replace(state, expires_at=time.time() - 10)
    store.save_token_state(state)
    return account


async def add_signed_in(idp: FakeIdP, store: AccountStore, label: str = "work", *,
                        expired: bool = False, **kw: object) -> Account:
    account = store.add(fake_account(idp, label=label, **kw))
    return await sign_in(idp, store, account, expired=expired)


def sub_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def exo(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]
