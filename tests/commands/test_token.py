"""`exo-oauth token` against the fake, in-process (cli.main) and as real processes: formats,
refreshing when needed, exit codes, retries, and ten processes sharing one refresh."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.commands.helpers import add_app
from tests.helpers import (
    MovableClock,
    child_env,
    exo,
    fake_account,
    run,
    signed_in,
)
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_USER_UPN, FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")


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
    assert 3000 < data["expires_in"] <= 5400 and "User.Read" in data["scope"]
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


def test_ten_processes_one_refresh(idp: FakeIdP, store: AccountStore, config: Path) -> None:
    signed_in(idp, store, expired=True)
    idp.latency_ms = 1500  # the first refresh is still in flight when the others ask
    procs = [subprocess.Popen(exo("--config", str(config), "token", "work"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=child_env()) for _ in range(10)]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 10, [err for _out, err in results]
    tokens = {out for out, _err in results}
    assert len(tokens) == 1 and len(tokens.pop().strip()) > 20
    stats = idp.stats()
    assert stats["grant_types"]["refresh_token"] == 1
    assert stats["issued"]["refresh_token"] == 1


def test_refusals_are_recorded_and_explained(idp: FakeIdP, store: AccountStore, config: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    add_app(idp, config, monkeypatch)
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", "a-wrong-secret-value")
    assert run(config, "edit", "app") == 0
    capsys.readouterr()
    assert run(config, "token", "app") == 5  # invalid_client: the identity provider said no
    err = capsys.readouterr().err
    assert "AADSTS7000215" in err and "a-wrong-secret-value" not in err
    state = store.token_state(store.get("app"))
    assert "AADSTS7000215" in state.last_error and not state.needs_authorization
    assert run(config, "status", "--check") == 1
    assert "app: " in capsys.readouterr().out
