"""After a failed refresh the access token may still be good: list, status and show say both,
with the failure's time labelled and its code named once (real refreshes against the fake)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.helpers import MovableClock, run, signed_in
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")


def failed_refresh(idp: FakeIdP, store: AccountStore, config: Path, fault: str,
                   capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    # signed in a minute ago, so the failure is clearly after the last success
    account = signed_in(idp, store, "mail", clock=MovableClock(time.time() - 60))
    idp.inject(fault, 3)  # every try of one refresh
    code = run(config, "refresh", "mail")
    capsys.readouterr()
    failed = store.token_state(account).last_error_at
    assert failed is not None
    return code, time.strftime("%H:%M", time.localtime(failed))


def test_a_transient_failure_with_a_valid_token(idp: FakeIdP, store: AccountStore,
                                                config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, at = failed_refresh(idp, store, config, "503", capsys)
    assert code == 5
    left = re.compile(r"Valid for (\d+) min; last refresh failed \(AADSTS90033\) at "
                      + re.escape(at))
    assert run(config, "status") == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert left.search(row) and row.count("AADSTS90033") == 1
    assert "the last refresh failed" in row and "exo-oauth refresh mail" in row
    assert run(config, "list") == 0
    listed = capsys.readouterr().out.splitlines()[1]
    assert re.search(r"valid \d+ min; last refresh failed \(AADSTS90033\) at " + re.escape(at),
                     listed)
    assert run(config, "status", "--check") == 1
    check = capsys.readouterr().out
    assert check.count("AADSTS90033") == 1 and "temporarily_unavailable" in check
    assert run(config, "status", "--json") == 0
    data = json.loads(capsys.readouterr().out)["accounts"][0]
    assert data["state"] == "valid" and data["refresh_failed_at"] is not None
    assert left.search(data["status"])
    assert run(config, "refresh", "mail") == 0  # it recovers: the failure is gone
    assert run(config, "status") == 0
    assert "last refresh failed" not in capsys.readouterr().out


def test_a_refused_refresh_with_a_valid_token(idp: FakeIdP, store: AccountStore, config: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, at = failed_refresh(idp, store, config, "mfa_expired", capsys)
    assert code == 4
    assert run(config, "list") == 0
    listed = capsys.readouterr().out.splitlines()[1]
    assert re.search(r"needs sign-in; valid \d+ min; last refresh failed \(AADSTS50078\) at "
                     + re.escape(at), listed)
    assert run(config, "show", "mail") == 0
    shown = capsys.readouterr().out
    assert re.search(r"expires: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown)  # labelled
    assert shown.count("AADSTS50078") == 1
