"""`exo-oauth status` and `status --check` on a movable clock: healthy, expiring, refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.core.refresh.helpers import DAY
from tests.helpers import make_account, run
from tui.commands import status
from tui.core.clock import SYSTEM_CLOCK, ManualClock
from tui.core.model import TokenState
from tui.core.store.account_store import AccountStore

NOW = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    clock = ManualClock(start=NOW)
    monkeypatch.setattr(status, "CLOCK", clock)
    return clock


def add(store: AccountStore, label: str, *, used_days_ago: float = 0.0,
        expires_in: float = 3000.0, refresh_token: str = "rt-value", **state: object) -> None:
    account = store.add(make_account(label, **{k: v for k, v in state.items()
                                                  if k in ("flow", "token_params")}))
    used = NOW - used_days_ago * DAY
    fields = {k: v for k, v in state.items() if k not in ("flow", "token_params")}
    store.save_token_state(TokenState(
        account.id, label, access_token="at-value", refresh_token=refresh_token,
        expires_at=NOW + expires_in, obtained_at=used, last_refresh_at=used,
        **fields))  # type: ignore[arg-type]


def check(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(config, "status", "--check", *args)
    return code, capsys.readouterr().out


def test_check_exit_codes_move_with_the_clock(store: AccountStore, config: Path,
                                              clock: ManualClock,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    add(store, "healthy")
    add(store, "expiring", expires_in=60)  # inside the refresh margin: refreshed, not a problem
    add(store, "ageing", used_days_ago=80)  # 10 days before Microsoft drops its refresh token
    code, out = check(config, capsys)
    assert code == 0 and out == "OK: 3 account(s) healthy\n"

    clock.advance(4 * DAY)  # "ageing" is now 84 days idle: a person is needed within 7 days
    code, out = check(config, capsys)
    assert code == 1
    assert out.splitlines() == [
        "ageing: the refresh token has been idle 84 days; Microsoft drops it at 90 "
        "(run `exo-oauth refresh ageing`)"]
    assert check(config, capsys, "healthy", "expiring")[0] == 0  # only the named accounts
    assert check(config, capsys, "--days", "3")[0] == 0  # a shorter warning window

    clock.advance(7 * DAY)  # 91 days: gone; every access token has long expired too
    code, out = check(config, capsys)
    assert code == 1 and "ageing: " in out and "most likely been dropped" in out
    assert "healthy" not in out  # expired access token + refresh token: still fine


def test_needs_authorization_and_never_authorized_fail_the_check(
        store: AccountStore, config: Path, clock: ManualClock,
        capsys: pytest.CaptureFixture[str]) -> None:
    add(store, "fine")
    add(store, "refused", needs_authorization=True, last_error="invalid_grant AADSTS70008",
        last_error_id="aadsts.70008", last_error_at=NOW)
    store.add(make_account("new"))  # added, never signed in
    code, out = check(config, capsys)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("refused: the refresh token was refused")
    assert "`exo-oauth authorize refused`" in lines[0]
    # the last error, and the catalog entry that explains it
    assert lines[0].endswith("(invalid_grant AADSTS70008; see `exo-oauth troubleshoot "
                             "aadsts.70008`)")
    assert lines[1] == "new: never authorized; run `exo-oauth authorize new`"
    assert check(config, capsys, "fine")[0] == 0


def test_json_output(store: AccountStore, config: Path, clock: ManualClock,
                     capsys: pytest.CaptureFixture[str]) -> None:
    add(store, "fine", used_days_ago=2)
    add(store, "refused", needs_authorization=True, last_error="invalid_grant AADSTS70008",
        last_error_id="aadsts.70008", last_error_at=NOW)
    assert run(config, "status", "--json") == 0  # without --check: always 0
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is False
    fine, refused = data["accounts"]
    assert fine == {
        "label": "fine", "state": "valid", "status": "Valid, expires in 50 min",
        "expires_in": 3000, "last_refresh_at": NOW - 2 * DAY, "refresh_token_idle_days": 2.0,
        "last_error": None, "last_error_entry": None, "refresh_failed_at": None,
        "auto_refresh": False, "flow": "delegated", "healthy": True, "problem": None,
        "proxy_users": [], "proxy_password": False}
    assert refused["state"] == "needs_authorization" and not refused["healthy"]
    assert refused["last_error"] == "invalid_grant AADSTS70008"
    assert refused["last_error_entry"] == "aadsts.70008"
    assert run(config, "status", "--json", "--check") == 1
    assert json.loads(capsys.readouterr().out)["healthy"] is False
    assert run(config, "status", "--json", "--check", "fine") == 0
    capsys.readouterr()


def test_table_and_unknown_label(store: AccountStore, config: Path, clock: ManualClock,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config, "status") == 0
    assert "No accounts yet" in capsys.readouterr().out
    assert run(config, "status", "--check") == 0  # nothing configured: nothing unhealthy
    capsys.readouterr()
    add(store, "fine", used_days_ago=3)
    add(store, "refused", needs_authorization=True, last_error="invalid_grant AADSTS50173",
        last_error_id="aadsts.50173", last_error_at=NOW)
    assert run(config, "status") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["LABEL", "STATUS", "LAST", "REFRESH", "RT", "IDLE", "PROBLEM"]
    assert out[1].startswith("fine ") and "Valid, expires in 50 min" in out[1]
    assert "3 days" in out[1] and out[1].split()[-1] == "-"
    at = time.strftime("%H:%M", time.localtime(NOW))
    assert f"Needs sign-in; token valid for 50 min; last refresh failed (AADSTS50173) at {at}" \
        in out[2] and "exo-oauth authorize refused" in out[2]
    assert out[2].count("AADSTS50173") == 1  # the failure is named once
    assert "(see `exo-oauth troubleshoot aadsts.50173`)" in out[2]
    assert run(config, "status", "nope") == 3
    assert "nope" in capsys.readouterr().err


def test_no_secret_in_any_output(store: AccountStore, config: Path, clock: ManualClock,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    add(store, "fine")
    add(store, "old", used_days_ago=88)
    for args in (("status",), ("status", "--json"), ("status", "--check")):
        run(config, *args)
        captured = capsys.readouterr()
        text = captured.out + captured.err
        for secret in ("at-value", "rt-value", make_account("x").client_secret):
            assert secret not in text


def test_status_runs_on_the_real_clock() -> None:
    assert status.CLOCK is SYSTEM_CLOCK  # unless a test moves it, as the ones above do
