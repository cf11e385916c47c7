"""Whole `exo-oauth` processes: concurrency across processes, a kill mid-refresh, the fast
path's imports, and `refresh --watch` stopping on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui import cli
from tui.core.model import Account
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP
from tui.fastpath import try_token
from tui.token_options import parse

from .conftest import add_signed_in, exo, sub_env


def signed_in(idp: FakeIdP, store: AccountStore, label: str = "work", **kw: Any) -> Account:
    return asyncio.run(add_signed_in(idp, store, label, **kw))


def fake_stats(idp: FakeIdP) -> dict[str, dict[str, int]]:
    return httpx.get(f"{idp.base_url}/_fake/stats").json()


def test_ten_processes_one_refresh(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    signed_in(idp, store, expired=True)
    idp.latency_ms = 1500  # the first refresh is still in flight when the others ask
    procs = [subprocess.Popen(exo("--config", str(config), "token", "work"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=sub_env()) for _ in range(10)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [err for _out, err in results]
    tokens = {out for out, _err in results}
    assert len(tokens) == 1 and len(tokens.pop().strip()) > 20
    stats = fake_stats(idp)
    assert stats["grant_types"]["refresh_token"] == 1
    assert stats["issued"]["refresh_token"] == 1


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
                          env=sub_env(), timeout=60, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert fake_stats(idp)["issued"]["refresh_token"] == 1  # a new token was issued and lost
    assert store.token_state(account) == before  # the old refresh token is still on disk
    # ...and it still works, because its successor was never used
    assert cli.main(["--config", str(config), "token", "work"]) == 0
    after = store.token_state(account)
    assert capsys.readouterr().out.strip() == after.access_token
    assert after.refresh_token not in ("", before.refresh_token)
    assert fake_stats(idp)["issued"]["refresh_token"] == 2


FAST_PATH_IMPORTS = """
import sys
from tui.cli import main
rc = main(["--config", sys.argv[1], "token", "work", "--format", "header"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("httpx", "tomlkit", "textual"))
print("RESULT", rc, heavy, "tui.core.store.account_store" in sys.modules, file=sys.stderr)
"""


def test_fast_path_imports_no_heavy_modules(idp: FakeIdP, store: AccountStore,
                                            config: Path) -> None:
    account = signed_in(idp, store)
    proc = subprocess.run([sys.executable, "-c", FAST_PATH_IMPORTS, str(config)],
                          env=sub_env(), timeout=60, capture_output=True, text=True)
    assert "RESULT 0 [] False" in proc.stderr, proc.stderr
    token = store.token_state(account).access_token
    assert proc.stdout == f"Authorization: Bearer {token}\n"
    assert fake_stats(idp)["grant_types"]["refresh_token"] == 0


def test_fast_path_steps_aside_when_unsure(idp: FakeIdP, store: AccountStore,
                                           config: Path) -> None:
    signed_in(idp, store, expired=True)
    signed_in(idp, store, "fresh")
    c = str(config)
    assert try_token(["--config", c, "token", "work"]) is None  # expired: full path refreshes
    assert try_token(["--config", c, "token", "nobody"]) is None
    assert try_token(["--config", c, "token", "fresh", "--min-valid", "99999"]) is None
    assert try_token(["--config", c, "token", "fresh", "--format", "xoauth2"]) is None
    assert try_token(["--config", c, "token", "fresh", "--debug"]) is None
    assert try_token(["--config", c + ".missing", "token", "fresh"]) is None
    assert try_token(["--config", c, "token", "fresh", "--format=raw"]) == 0


def _shape(argv: list[str]) -> tuple[object, ...] | None:
    request = parse(argv)
    if request is None:
        return None
    return (request.config, request.label, request.format, request.user, request.min_valid)


def test_fast_path_argument_shapes() -> None:
    assert _shape(["token", "a"]) == (None, "a", "raw", None, 300.0)
    assert _shape(["--config=x", "token", "--format", "json", "a", "--min-valid=10"]) == \
        ("x", "a", "json", None, 10.0)
    assert _shape(["--config", "x", "token", "a"]) == ("x", "a", "raw", None, 300.0)
    assert _shape(["token", "a", "--format", "xoauth2", "--user", "u@x"]) == \
        (None, "a", "xoauth2", "u@x", 300.0)
    for bad in (["token"], ["token", "a", "b"], ["token", "a", "--format", "yaml"],
                ["token", "a", "--min-valid", "-1"], ["token", "-h"], ["--debug", "token", "a"],
                ["token", "a", "--user"], ["token", "a", "--min-valid", "nan"],
                ["token", "a", "--format", "xoauth2"]):
        assert _shape(bad) is None, bad


def test_watch_stops_on_sigterm(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    signed_in(idp, store, "auto", expired=True, auto_refresh=True)
    proc = subprocess.Popen(exo("--config", str(config), "refresh", "--watch"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=sub_env())
    assert proc.stdout
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    assert "watching" in lines[0] and "auto: refreshed" in lines[1]
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip().endswith("stopped") and time.monotonic() - started < 5


def test_fast_path_needs_the_label_in_the_account_file(idp: FakeIdP, store: AccountStore,
                                                       config: Path) -> None:
    signed_in(idp, store, "work")
    c = str(config)
    assert try_token(["--config", c, "token", "work"]) == 0
    assert try_token(["--config", c, "token", "wor"]) is None
    text = config.read_text()
    config.write_text(re.sub(r"""label = (["'])work\1""", r"label = \1workshop\1", text))
    assert "workshop" in config.read_text()
    assert try_token(["--config", c, "token", "work"]) is None  # renamed by hand
