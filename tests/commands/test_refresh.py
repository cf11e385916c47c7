"""`exo-oauth refresh LABEL... | --all | --watch`: outcomes and exit codes, the same hooks as
`refresh --watch`, --keep-alive-days, and the watcher stopping on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.core.refresh.helpers import dump_hook, hook_runs
from tests.helpers import (
    MovableClock,
    child_env,
    exo,
    fake_account,
    run,
    signed_in,
)
from tui.core.refresh import hook_config
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_SECRET, FakeIdP

PASSPHRASE = "correct horse battery staple"


def events_of(out: Path) -> Counter[tuple[str, str]]:
    return Counter((r["env"]["EXO_OAUTH_LABEL"], r["env"]["EXO_OAUTH_EVENT"])
                   for r in hook_runs(out))


def test_one_shot_refresh_fires_a_hook_for_each_outcome(
        idp: FakeIdP, store: AccountStore, config: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    clock = MovableClock.linked(idp)
    signed_in(idp, store, "refused", clock=clock)
    idp.revoke_all()  # as if the password changed: its refresh token is refused (AADSTS50173)
    clock.advance(1)
    signed_in(idp, store, "ok", clock=clock)
    signed_in(idp, store, "bad-secret", clock=clock)
    store.add(fake_account(idp, "never"))  # added, never signed in: no refresh token
    store.update(replace(store.get("bad-secret"), client_secret="wrong-secret-value"))
    out = tmp_path / "hooks.jsonl"
    table = "".join(f"{event} = {dump_hook(out)}\n" for event in hook_config.EVENTS)
    config.write_text("[hooks]\n" + table + "\n" + config.read_text())

    assert run(config, "refresh", "--all") == 5  # invalid_client: the provider said no
    assert events_of(out) == {("ok", "refresh_success"): 1,
                              ("bad-secret", "refresh_failure"): 1,
                              ("refused", "needs_authorization"): 1,
                              ("never", "needs_authorization"): 1}
    runs = {r["env"]["EXO_OAUTH_LABEL"]: r["env"] for r in hook_runs(out)}
    assert runs["ok"]["EXO_OAUTH_ERROR"] == ""
    assert "AADSTS7000215" in runs["bad-secret"]["EXO_OAUTH_ERROR"]
    assert "AADSTS50173" in runs["refused"]["EXO_OAUTH_ERROR"]
    assert "exo-oauth authorize never" in runs["never"]["EXO_OAUTH_ERROR"]
    for env in runs.values():
        assert not {"EXO_OAUTH_PASSPHRASE", "EXO_OAUTH_CLIENT_SECRET"} & set(env)
    ok = store.token_state(store.get("ok"))
    secrets = {PASSPHRASE, DEMO_CLIENT_SECRET, "wrong-secret-value", ok.access_token,
               ok.refresh_token}
    assert [s for s in secrets if s in out.read_text()] == []

    # by label: only the named accounts, each outcome once more
    capsys.readouterr()
    assert run(config, "refresh", "ok") == 0
    assert run(config, "refresh", "refused", "never") == 4
    assert events_of(out) == {("ok", "refresh_success"): 2,
                              ("bad-secret", "refresh_failure"): 1,
                              ("refused", "needs_authorization"): 2,
                              ("never", "needs_authorization"): 2}
    assert "hook" not in capsys.readouterr().err  # every hook ran fine: nothing to say


def test_a_broken_hook_or_hooks_table_never_changes_the_exit_code(
        idp: FakeIdP, store: AccountStore, config: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    clock = MovableClock.linked(idp)
    signed_in(idp, store, "one", clock=clock)
    signed_in(idp, store, "two", clock=clock)
    out = tmp_path / "hooks.jsonl"
    config.write_text("[hooks]\nrefresh_succes = ['/bin/true']\n"  # a misspelt event name
                      f"refresh_success = ['{tmp_path / 'no-such-program'}']\n\n"
                      + config.read_text())
    text = config.read_text()
    cut = text.index("[[account]]", text.index("label = 'one'"))
    config.write_text(text[:cut] + f"[account.hooks]\nrefresh_success = {dump_hook(out)}\n\n"
                      + text[cut:])

    assert run(config, "refresh", "--all") == 0
    assert events_of(out) == {("one", "refresh_success"): 1}  # its own hook replaced the global
    captured = capsys.readouterr()
    assert "one: refreshed" in captured.out and "two: refreshed" in captured.out
    assert captured.err.count("unknown event 'refresh_succes'") == 1  # said once, not per account
    assert "two: the refresh_success hook" in captured.err and "could not start" in captured.err
    assert idp.stats()["grant_types"]["refresh_token"] == 2


def test_refresh_command(idp: FakeIdP, store: AccountStore, config: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store, "a")
    signed_in(idp, store, "b", expired=True)
    assert run(config, "refresh", "a", "b") == 0
    out = capsys.readouterr().out.splitlines()
    assert sorted(line.split(":")[0] for line in out) == ["a", "b"]
    assert all("refreshed" in line for line in out)
    store.add(fake_account(idp, label="c"))
    assert run(config, "refresh", "--all", "--concurrency", "2") == 4
    out = capsys.readouterr().out
    assert "c: failed" in out and out.count("refreshed") == 2
    assert run(config, "refresh") == 2 and run(config, "refresh", "a", "--all") == 2


def test_watch_stops_on_sigterm(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    signed_in(idp, store, "auto", expired=True, auto_refresh=True)
    proc = subprocess.Popen(exo("--config", str(config), "refresh", "--watch"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    assert proc.stdout
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert "watching" in lines[0] and "auto: refreshed" in lines[1]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip().endswith("stopped") and time.monotonic() - started < 5


def test_the_cli_passes_keep_alive_days(config: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[Any] = []

    async def fake_watch(store: AccountStore, **kw: Any) -> None:
        seen.append(kw["keep_alive_days"])

    monkeypatch.setattr("tui.core.refresh.watch.watch", fake_watch)
    assert run(config, "refresh", "--watch") == 0
    assert run(config, "refresh", "--watch", "--keep-alive-days", "12.5") == 0
    assert run(config, "refresh", "--watch", "--keep-alive-days", "0") == 0
    assert seen == [30.0, 12.5, 0.0]
    assert run(config, "refresh", "--watch", "--keep-alive-days", "-1") == 2
    assert run(config, "refresh", "--all", "--keep-alive-days", "5") == 2
    assert "--keep-alive-days" in capsys.readouterr().err
