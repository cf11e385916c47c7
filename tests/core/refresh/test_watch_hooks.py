"""`refresh --watch` fires hooks: the right event and environment, a timeout, never a secret."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import MovableClock, fake_account, make_account, signed_in
from tui.core.errors import NeedsAuthorization
from tui.core.model import TokenState
from tui.core.refresh import hook_config
from tui.core.refresh.batch import RefreshOutcome
from tui.core.refresh.hook_config import fire_hooks, hook_event
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_SECRET, FakeIdP

from .helpers import dump_hook, hook_runs, watch_passes

PASSPHRASE = "correct horse battery staple"


def global_hooks(store: AccountStore, out: Path) -> None:
    table = "".join(f"{event} = {dump_hook(out)}\n" for event in hook_config.EVENTS)
    store.path.write_text("[hooks]\n" + table + "\n" + store.path.read_text())


def test_each_outcome_fires_its_hook_with_label_event_and_no_secret(
        idp: FakeIdP, store: AccountStore, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    clock = MovableClock.linked(idp)
    refused = signed_in(idp, store, "refused", clock=clock, auto_refresh=True)
    idp.revoke_all()  # as if the password changed: its refresh token is refused (AADSTS50173)
    clock.advance(1)
    ok = signed_in(idp, store, "ok", clock=clock, auto_refresh=True)
    bad = signed_in(idp, store, "bad-secret", clock=clock, auto_refresh=True)
    store.add(fake_account(idp, "never", auto_refresh=True))  # added, never signed in
    store.update(replace(store.get("bad-secret"), client_secret="wrong-secret-value"))
    clock.advance(5400)  # every access token has expired (they live 60-90 min)
    secrets = {PASSPHRASE, DEMO_CLIENT_SECRET, "wrong-secret-value"}
    for account in (ok, bad, refused):
        state = store.token_state(account)
        secrets |= {state.access_token, state.refresh_token}
    out = tmp_path / "hooks.jsonl"
    global_hooks(store, out)

    # two passes an hour apart: a refused account is reported once per run, failures and
    # successes every time they happen
    lines = asyncio.run(watch_passes(store, clock, passes=2, between=5400))
    runs = {run["env"]["EXO_OAUTH_LABEL"]: run["env"] for run in hook_runs(out)}
    assert set(runs) == {"ok", "bad-secret", "refused", "never"}
    assert runs["ok"]["EXO_OAUTH_EVENT"] == "refresh_success"
    assert runs["ok"]["EXO_OAUTH_ERROR"] == ""
    assert runs["bad-secret"]["EXO_OAUTH_EVENT"] == "refresh_failure"
    assert "AADSTS7000215" in runs["bad-secret"]["EXO_OAUTH_ERROR"]
    assert runs["refused"]["EXO_OAUTH_EVENT"] == "needs_authorization"
    assert "AADSTS50173" in runs["refused"]["EXO_OAUTH_ERROR"]
    assert "exo-oauth authorize refused" in runs["refused"]["EXO_OAUTH_ERROR"]
    assert runs["never"]["EXO_OAUTH_EVENT"] == "needs_authorization"
    events = Counter((r["env"]["EXO_OAUTH_LABEL"], r["env"]["EXO_OAUTH_EVENT"])
                     for r in hook_runs(out))
    assert events == {("refused", "needs_authorization"): 1, ("never", "needs_authorization"): 1,
                      ("ok", "refresh_success"): 2, ("bad-secret", "refresh_failure"): 2}
    for env in runs.values():
        assert not {"EXO_OAUTH_PASSPHRASE", "EXO_OAUTH_CLIENT_SECRET"} & set(env)
    secrets |= {store.token_state(ok).access_token, store.token_state(ok).refresh_token}
    dumped = out.read_text() + "\n".join(lines)
    leaked = [s for s in secrets if s and s in dumped]
    assert leaked == []


def test_a_hung_or_broken_hook_never_stops_refreshing(
        idp: FakeIdP, store: AccountStore, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook_config, "HOOK_TIMEOUT_S", 0.5)
    clock = MovableClock.linked(idp)
    signed_in(idp, store, "slow", clock=clock, auto_refresh=True)
    signed_in(idp, store, "broken", clock=clock, auto_refresh=True)
    hung = [sys.executable, "-c", "import time; time.sleep(30)"]
    text = store.path.read_text()
    cut = text.index("[[account]]", text.index("label = 'slow'"))
    store.path.write_text(
        "[hooks]\nrefresh_success = ['/no/such/program']\n\n" + text[:cut]
        + f"[account.hooks]\nrefresh_success = {hung!r}\n\n".replace("'", '"') + text[cut:])
    clock.advance(5400)
    started = time.monotonic()
    lines = asyncio.run(watch_passes(store, clock, passes=2, between=5400))
    assert time.monotonic() - started < 5  # two passes, each hook cut off after 0.5 s
    assert sum(line.startswith("slow: refreshed") for line in lines) == 2
    assert sum(line.startswith("broken: refreshed") for line in lines) == 2
    assert sum("slow: the refresh_success hook" in line and "timed out after" in line
               for line in lines) == 2
    assert sum("broken: the refresh_success hook (/no/such/program) could not start" in line
               for line in lines) == 2
    assert idp.stats()["grant_types"]["refresh_token"] == 4


def test_hook_config_mistakes_are_logged_once_and_hooks_can_be_off(
        idp: FakeIdP, store: AccountStore, tmp_path: Path) -> None:
    clock = MovableClock.linked(idp)
    signed_in(idp, store, "mail", clock=clock, auto_refresh=True)
    out = tmp_path / "hooks.jsonl"
    store.path.write_text(f"[hooks]\nrefresh_succes = {dump_hook(out)}\n"
                          f"refresh_success = {dump_hook(out)}\n\n" + store.path.read_text())
    clock.advance(5400)
    lines = asyncio.run(watch_passes(store, clock, passes=3, between=5400))
    assert sum("unknown event 'refresh_succes'" in line for line in lines) == 1
    assert len(hook_runs(out)) == 3
    clock.advance(5400)
    asyncio.run(watch_passes(store, clock, hooks=False))
    assert len(hook_runs(out)) == 3


def test_fire_hooks_is_one_call_for_the_ui(store: AccountStore, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    account = store.add(make_account("mail"))
    out = tmp_path / "hooks.jsonl"
    store.path.write_text(
        "[hooks]\n" + "".join(f"{e} = {dump_hook(out, e)}\n" for e in hook_config.EVENTS)
        + "\n" + store.path.read_text())
    state = TokenState(account.id, "mail", access_token="secret-access")
    refused = NeedsAuthorization("'mail' needs a new sign-in (invalid_grant AADSTS70008)")

    async def fire_all() -> list[object]:
        return [await fire_hooks(store, account, item) for item in (
            state, refused, OSError("disk full"), RefreshOutcome(account, state=state).result,
            RefreshOutcome(account, error=refused).result)]

    results = asyncio.run(fire_all())
    assert all(r is not None and r.ok for r in results)
    events = [r["argv"][0] for r in hook_runs(out)]
    assert events == ["refresh_success", "needs_authorization", "refresh_failure",
                      "refresh_success", "needs_authorization"]
    assert hook_event(OSError("disk full")) == ("refresh_failure", "disk full")
    assert "secret-access" not in out.read_text()


def test_fire_hooks_without_hooks_or_file_does_nothing(store: AccountStore) -> None:
    account = make_account("mail")
    assert asyncio.run(fire_hooks(store, account, OSError("x"))) is None  # no account file
    store.add(account)
    assert asyncio.run(fire_hooks(store, account, OSError("x"))) is None  # no hooks in it
