"""`exo-oauth authorize` against tui.fakeidp: device code in-process, paste-back and loopback
as real processes, Ctrl+C, and client credentials for app-only accounts end to end."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.commands.helpers import add_app
from tests.helpers import (
    MovableClock,
    child_env,
    exo,
    fake_account,
    final_location,
    run,
    set_state,
)
from tui.core.model import APP_SCOPE, ParamRow
from tui.core.oauth.service import OAuthService
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")  # see conftest.py


def issued(idp: FakeIdP) -> int:
    return idp.stats()["issued"].get("client_credentials", 0)


def test_add_authorize_token_and_reacquire(idp: FakeIdP, store: AccountStore, config: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert add_app(idp, config, monkeypatch) == 0
    account = store.get("app")
    assert account.flow == "app" and account.token_params == (ParamRow("scope", APP_SCOPE),)
    assert "flow = 'app'" in config.read_text()
    assert run(config, "validate", "app") == 0
    assert run(config, "show", "app", "--json") == 0
    capsys.readouterr()

    assert run(config, "authorize", "app") == 0  # client credentials is the default here
    out = capsys.readouterr()
    assert "got an app-only token" in out.out and "refresh token" not in out.err
    state = store.token_state(account)
    assert state.access_token and not state.refresh_token and issued(idp) == 1
    assert state.scope == "" or APP_SCOPE in state.scope

    assert run(config, "token", "app") == 0  # still valid: no request
    assert capsys.readouterr().out.strip() == state.access_token and issued(idp) == 1

    set_state(store, account, expires_at=time.time() - 10)  # expired; no refresh token
    assert run(config, "token", "app", "--format", "json") == 0
    printed = json.loads(capsys.readouterr().out)["access_token"]
    renewed = store.token_state(account)
    assert printed == renewed.access_token != state.access_token and issued(idp) == 2
    assert not renewed.refresh_token
    assert idp.stats()["grant_types"].get("refresh_token", 0) == 0

    assert run(config, "refresh", "app") == 0 and issued(idp) == 3  # refresh = re-acquire

    # `status --check`: an expired app-only token is normal, not a problem
    set_state(store, account, expires_at=time.time() - 10)
    assert run(config, "status", "--check") == 0
    assert "OK: 1 account(s) healthy" in capsys.readouterr().out
    assert run(config, "status", "--json") == 0
    row = json.loads(capsys.readouterr().out)["accounts"][0]
    assert row["flow"] == "app" and row["state"] == "expired" and row["healthy"]


def test_methods_must_match_the_flow(idp: FakeIdP, store: AccountStore, config: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    add_app(idp, config, monkeypatch)
    store.add(fake_account(idp, "person"))
    capsys.readouterr()
    assert run(config, "authorize", "app", "--method", "device") == 2
    assert "--method client-credentials" in capsys.readouterr().err
    assert run(config, "authorize", "person", "--method", "client-credentials") == 2
    assert "--flow app" in capsys.readouterr().err
    assert idp.stats()["grant_types"] == {} or sum(idp.stats()["grant_types"].values()) == 0
    # turning an account into an app-only one swaps the default delegated scopes
    assert run(config, "edit", "person", "--flow", "app") == 0
    assert store.get("person").token_params == (ParamRow("scope", APP_SCOPE),)
    assert run(config, "authorize", "person") == 0 and issued(idp) == 1


def test_authorize_device_in_process(idp: FakeIdP, store: AccountStore, config: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:

    store.add(fake_account(idp, public=True))
    idp.options.auto_approve = 7
    monkeypatch.setattr("tui.commands.common.make_service",
                        lambda: OAuthService(clock=MovableClock.linked(idp)))
    assert run(config, "authorize", "work") == 0
    captured = capsys.readouterr()
    assert "https://microsoft.com/devicelogin" in captured.err  # the page the fake names
    code = re.search(r"enter the code:\s+(\S+)", captured.err)
    assert code and len(code[1]) == 9
    assert "work: signed in" in captured.out
    assert store.token_state(store.get("work")).refresh_token


def test_authorize_paste_process(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    store.add(fake_account(idp))
    proc = subprocess.Popen(exo("--config", str(config), "authorize", "work", "--method",
                                "paste"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env())
    assert proc.stderr and proc.stdin
    url = _url_line(proc.stderr)
    assert url.startswith(idp.authorize_url("contoso.example") + "?")
    location = asyncio.run(final_location(url))
    out, err = proc.communicate(location + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "work: signed in" in out
    assert store.token_state(store.get("work")).access_token


def test_authorize_paste_wrong_state_exits_2(idp: FakeIdP, store: AccountStore,
                                             config: Path) -> None:
    store.add(fake_account(idp))
    proc = subprocess.run(exo("--config", str(config), "authorize", "work", "--method",
                              "paste"), input="http://localhost:8400/?code=abc&state=nope\n",
                          capture_output=True, text=True, env=child_env(), timeout=30)
    assert proc.returncode == 2 and "state" in proc.stderr


def test_authorize_loopback_process(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    import socket

    store.add(fake_account(idp, redirect_uri="http://localhost:8400/cb"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(exo("--config", str(config), "authorize", "work", "--method",
                                "loopback", "--port", str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    assert proc.stderr
    url = _url_line(proc.stderr)
    assert f"redirect_uri=http%3A%2F%2Flocalhost%3A{port}%2Fcb" in url
    ssh = proc.stderr.readline() + proc.stderr.readline() + proc.stderr.readline()
    assert f"ssh -L {port}:127.0.0.1:{port} " in ssh and f"@{socket.gethostname()}" in ssh
    location = asyncio.run(final_location(url))
    page = httpx.get(location.replace("localhost", "127.0.0.1"))
    assert page.status_code == 200
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert store.token_state(store.get("work")).refresh_token


def test_loopback_needs_a_loopback_redirect(idp: FakeIdP, store: AccountStore,
                                            config: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    store.add(fake_account(idp, redirect_uri="https://login.microsoftonline.com/common/"
                                             "oauth2/nativeclient"))
    assert run(config, "authorize", "work", "--method", "loopback") == 2
    assert "http://localhost" in capsys.readouterr().err


def _url_line(stream: IO[str]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if line.startswith("http"):
            assert line.strip() == line.rstrip("\n")  # the URL alone on its own line
            return line.strip()
    raise AssertionError("no URL line on stderr")


@pytest.mark.parametrize("method", ["loopback", "paste"])
def test_ctrl_c_cancels_cleanly(idp: FakeIdP, store: AccountStore, config: Path,
                                method: str) -> None:
    import signal
    import socket

    store.add(fake_account(idp))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(exo("--config", str(config), "authorize", "work", "--method",
                                method, "--port", str(port)),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env(),
                            # as from a terminal: a test run started in the background
                            # inherits SIGINT ignored, and Python keeps it ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stderr
    _url_line(proc.stderr)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    try:
        # Wait with stdin still open, as in a terminal: closing it first (communicate())
        # would race the signal with an end-of-file on the paste prompt.
        proc.wait(timeout=10)
    finally:
        proc.kill()  # never leave a process behind, whatever happened
        proc.wait()
    err = proc.stderr.read()
    assert proc.stdin and proc.stdout
    proc.stdin.close()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    with socket.socket() as s:  # the loopback port is free again
        s.bind(("127.0.0.1", port))
