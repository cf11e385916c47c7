"""The token commands, in-process (cli.main) and as real processes, against the fake."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.helpers import (
    MovableClock,
    child_env,
    exo,
    fake_account,
    final_location,
    run,
    signed_in,
)
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_USER_UPN, FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")


# -- token ----------------------------------------------------------------------------------


def test_token_formats(idp: FakeIdP, store: AccountStore, config: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    account = signed_in(idp, store)
    token = store.token_state(account).access_token
    assert run(config, "token", "work") == 0
    assert capsys.readouterr().out == token + "\n"
    assert run(config, "token", "work", "--format", "header") == 0
    assert capsys.readouterr().out == f"Authorization: Bearer {token}\n"
    assert run(config, "token", "work", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["access_token"] == token and data["token_type"] == "Bearer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["expires_at"])
    assert 3000 < data["expires_in"] <= 3599 and "User.Read" in data["scope"]
    assert run(config, "token", "work", "--format", "xoauth2", "--user", DEMO_USER_UPN) == 0
    decoded = base64.b64decode(capsys.readouterr().out.strip()).decode()
    assert decoded == f"user={DEMO_USER_UPN}\x01auth=Bearer {token}\x01\x01"
    assert run(config, "token", "work", "--format", "xoauth2") == 2
    assert "--user" in capsys.readouterr().err


def test_token_refreshes_an_expired_token(idp: FakeIdP, store: AccountStore, config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    account = signed_in(idp, store, expired=True)
    old = store.token_state(account)
    assert run(config, "token", "work", "--format", "json") == 0
    printed = json.loads(capsys.readouterr().out)["access_token"]
    new = store.token_state(account)
    assert printed == new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    assert idp.stats()["grant_types"]["refresh_token"] == 1


def test_min_valid_forces_a_refresh(idp: FakeIdP, store: AccountStore, config: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store)
    assert run(config, "token", "work", "--min-valid", "7200") == 0
    assert idp.stats()["grant_types"]["refresh_token"] == 1


def test_exit_codes(idp: FakeIdP, store: AccountStore, config: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store, expired=True)
    store.add(fake_account(idp, label="fresh"))
    assert run(config, "token", "nobody") == 3
    assert run(config, "token", "fresh") == 4
    assert "authorize" in capsys.readouterr().err
    idp.revoke_all()
    before = config.read_bytes()
    assert run(config, "token", "work") == 4
    err = capsys.readouterr().err
    assert "AADSTS50173" in err and "exo-oauth authorize work" in err
    assert "Traceback" not in err and config.read_bytes() == before


@pytest.mark.parametrize(("fault", "words"), [("html", "text/html"),
                                              ("malformed_json", "invalid or truncated JSON"),
                                              ("empty", "empty body"), ("drop", "dropped"),
                                              ("truncated", "dropped")])
def test_unreadable_answers_exit_5(idp: FakeIdP, store: AccountStore, config: Path,
                                         capsys: pytest.CaptureFixture[str], fault: str,
                                         words: str) -> None:
    account = signed_in(idp, store, expired=True)
    rt = store.token_state(account).refresh_token
    idp.inject(fault, 3)
    assert run(config, "token", "work") == 5
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and rt not in err
    assert store.token_state(account).refresh_token == rt


@pytest.mark.parametrize("fault", ["500", "502", "429", "drop"])
def test_transient_errors_are_retried_by_the_cli(idp: FakeIdP, store: AccountStore,
                                                       config: Path, quick_service: MovableClock,
                                                       fault: str) -> None:
    signed_in(idp, store, expired=True)
    idp.inject(fault, 2)
    assert run(config, "token", "work") == 0
    assert idp.stats()["grant_types"]["refresh_token"] == 3 and len(quick_service.sleeps) == 2


def test_oauth_4xx_is_not_retried_by_the_cli(idp: FakeIdP, store: AccountStore,
                                                   config: Path) -> None:
    account = signed_in(idp, store, expired=True)
    store.update(replace(store.get("work"), client_secret="wrong-secret"))
    assert run(config, "token", "work") == 5
    assert idp.stats()["grant_types"]["refresh_token"] == 1
    assert not store.token_state(account).needs_authorization  # a config problem, not a dead grant


# -- refresh and test -----------------------------------------------------------------------


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


def test_test_command(idp: FakeIdP, store: AccountStore, config: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store)
    assert run(config, "test", "work") == 0
    assert f"Demo User <{DEMO_USER_UPN}>" in capsys.readouterr().out
    assert run(config, "test", "work", "--url", f"{idp.base_url}/nothing") == 5
    assert "404" in capsys.readouterr().err


def test_default_test_url_follows_the_cloud() -> None:
    from tui.core.oauth.endpoints import graph_me_url as default_test_url

    us = "https://login.microsoftonline.us/t/oauth2/v2.0/token"
    assert default_test_url(us) == "https://graph.microsoft.us/v1.0/me"
    cn = "https://login.chinacloudapi.cn/t/oauth2/v2.0/token"
    assert default_test_url(cn) == "https://microsoftgraph.chinacloudapi.cn/v1.0/me"
    assert default_test_url("http://127.0.0.1:4/t/oauth2/v2.0/token") == \
        "http://127.0.0.1:4/v1.0/me"


# -- authorize ------------------------------------------------------------------------------


def test_authorize_device_in_process(idp: FakeIdP, store: AccountStore, config: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tui.core.oauth.service import OAuthService

    store.add(fake_account(idp, public=True))
    idp.options.auto_approve = 7
    monkeypatch.setattr("tui.commands.common.make_service",
                        lambda: OAuthService(clock=MovableClock.linked(idp)))
    assert run(config, "authorize", "work") == 0
    captured = capsys.readouterr()
    assert f"{idp.base_url}/devicelogin" in captured.err
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
