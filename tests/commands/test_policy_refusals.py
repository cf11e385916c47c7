"""Conditional Access and MFA refusals, a damaged refresh token and the refresh_in advice, as
the commands meet them over loopback HTTP: exit 4, the policy named, the token still served."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import add_signed_in, run, signed_in
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP
from tui.fakeidp.policy import ANSWERS, policy_id

pytestmark = pytest.mark.usefixtures("quick_service")


@pytest.mark.parametrize("fault", sorted(ANSWERS))
def test_policy_refusals_need_a_sign_in(idp: FakeIdP, store: AccountStore, config: Path,
                                        capsys: pytest.CaptureFixture[str], fault: str) -> None:
    signed_in(idp, store)
    idp.inject(fault)
    assert run(config, "refresh", "work") == 4
    out = capsys.readouterr()
    code = ANSWERS[fault].code
    assert f"AADSTS{code}" in out.out + out.err
    if ANSWERS[fault].challenge:  # the policy the challenge names is passed on
        assert policy_id(fault) in out.out
    state = store.token_state(store.get("work"))
    assert state.needs_authorization and f"AADSTS{code}" in state.last_error
    assert state.last_error_id  # the catalog knows it
    assert run(config, "status", "work") == 0
    status = capsys.readouterr().out
    assert "Needs sign-in; token valid for" in status
    assert status.count(f"AADSTS{code}") == 1  # said once, not in three columns
    assert run(config, "token", "work") == 0  # the access token still serves until expiry
    assert capsys.readouterr().out.strip() == state.access_token


def test_ca_block_explains_the_policy_and_who_changes_it(idp: FakeIdP, store: AccountStore,
                                                        config: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    signed_in(idp, store, expired=True)
    idp.inject("ca_blocked")
    assert run(config, "token", "work") == 4
    err = capsys.readouterr().err
    assert "AADSTS53003" in err and f"Conditional Access policy {policy_id('ca_blocked')}" in err
    assert "aadsts.53003" in err and "Conditional Access" in err
    assert re.search(r"administrator", err, re.I)


def test_a_damaged_refresh_token_needs_a_sign_in(idp: FakeIdP, store: AccountStore,
                                                 config: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    account = signed_in(idp, store, expired=True)
    state = store.token_state(account)
    store.save_token_state(replace(state, refresh_token=state.refresh_token[:-9] + "damaged!!"))
    assert run(config, "token", "work") == 4  # invalid_grant, as at Microsoft: not a 5
    err = capsys.readouterr().err
    assert "AADSTS9002313" in err and "aadsts.9002313" in err


def test_token_command_and_fast_path_honour_the_advice(store: AccountStore, config: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    from tui.fastpath import try_token

    with FakeIdP(retry_after=0, auto_approve=0, access_token_lifetime=7200) as advising:
        account = asyncio.run(add_signed_in(advising, store))
        state = store.token_state(account)
        assert state.refresh_due_at is not None
        assert try_token(["--config", str(config), "token", "work"]) == 0  # fresh: fast
        assert capsys.readouterr().out.strip() == state.access_token
        store.save_token_state(replace(state, refresh_due_at=state.obtained_at))  # now due
        assert try_token(["--config", str(config), "token", "work"]) is None  # full command
        assert run(config, "token", "work") == 0
        printed = capsys.readouterr().out.strip()
        assert printed == store.token_state(account).access_token != state.access_token
        assert advising.stats()["issued"]["refresh_token"] == 1
