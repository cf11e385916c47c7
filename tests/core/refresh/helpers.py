"""Helpers for the unattended tests: accounts on the fake, device sign-in, a linked clock."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui import cli
from tui.core.clock import ManualClock
from tui.core.model import Account, ParamRow, TokenState
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeIdP

DAY = 86400.0
TENANT = "contoso.example"
# A hook that writes its argv and whole environment to a file (one JSON object per run).
DUMP = ("import json, os, sys; "
        "open(sys.argv[1], 'a').write(json.dumps({'argv': sys.argv[2:], "
        "'env': dict(os.environ)}) + '\\n')")


class LinkedClock(ManualClock):
    """A manual clock that moves the fake's clock too, so both agree on the time."""

    def __init__(self, idp: FakeIdP) -> None:
        super().__init__(start=idp.now())
        self.idp = idp

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        if hasattr(self, "idp"):
            self.idp.advance(seconds)


def run(config: Path, *args: str) -> int:
    return cli.main(["--config", str(config), *args])


def offline_account(label: str, **kw: Any) -> Account:
    """An account on Microsoft's URLs for tests that never talk to an identity provider."""
    authorize_url, token_url = endpoint_urls(TENANT)
    base: dict[str, Any] = dict(label=label, client_id=DEMO_CLIENT_ID,
                                client_secret=DEMO_CLIENT_SECRET,
                                authorize_url=authorize_url, token_url=token_url)
    base.update(kw)
    return Account(**base)


def fake_account(idp: FakeIdP, label: str, *, app: bool = False, **kw: Any) -> Account:
    base: dict[str, Any] = dict(label=label, client_id=DEMO_CLIENT_ID,
                                client_secret=DEMO_CLIENT_SECRET,
                                authorize_url=idp.authorize_url(TENANT),
                                token_url=idp.token_url(TENANT))
    if app:
        base.update(flow="app", token_params=(ParamRow("scope",
                                                       "https://outlook.office365.com/.default"),))
    base.update(kw)
    return Account(**base)


async def device_sign_in(store: AccountStore, account: Account, clock: ManualClock) -> TokenState:
    """Sign in through the fake's device flow (auto-approved) and store the tokens."""
    from tui.core.refresh.single_flight import save_sign_in

    async with OAuthService(clock=clock) as service:
        result = await service.run_device_flow(account)
        return await save_sign_in(store, account, result)


def signed_in(idp: FakeIdP, store: AccountStore, clock: ManualClock, label: str,
              **kw: Any) -> Account:
    account = store.add(fake_account(idp, label, **kw))
    asyncio.run(device_sign_in(store, account, clock))
    return account


def set_state(store: AccountStore, account: Account, **changes: Any) -> TokenState:
    state = replace(store.token_state(account), **changes)
    store.save_token_state(state)
    return state


def hook_runs(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def dump_hook(out: Path, *tag: str) -> str:
    """A TOML array for a hook that records its run into ``out``."""
    return json.dumps([sys.executable, "-c", DUMP, str(out), *tag])
