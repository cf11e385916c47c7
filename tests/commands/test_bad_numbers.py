"""Impossible lifetimes: from the identity provider a bad reply (exit 5, nothing stored);
already in a token file (written before replies were checked), read as needing a refresh
by every command that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CannedIdP, canned_account, run, set_state
from tui.core.store.account_store import AccountStore


def test_refresh_with_an_endless_expires_in_exits_5_and_stores_nothing(
        store: AccountStore, config: Path, capsys: pytest.CaptureFixture[str],
        quick_service: object) -> None:
    with CannedIdP() as canned:
        canned.reply('{"access_token": "new-at", "refresh_token": "new-rt", "expires_in": 1e30}')
        account = store.add(canned_account(canned))
        before = set_state(store, account, access_token="old-at", refresh_token="old-rt",
                           expires_at=1.0)
        assert run(config, "refresh", "work") == 5
        assert run(config, "token", "work") == 5
    err = capsys.readouterr().err
    assert "expires_in is 1e+30, which is not a number of seconds" in err
    assert "provider.bad_number" in err
    after = store.token_state(account)  # the old tokens, untouched; the failure noted
    assert (after.access_token, after.refresh_token, after.expires_at) == \
        (before.access_token, before.refresh_token, before.expires_at)
    assert after.last_error.startswith("bad_response")


@pytest.mark.parametrize("stored", ["1e30", "nan", "inf", "-1e30", "1e300"])
def test_a_stored_impossible_expiry_reads_as_needing_a_refresh(
        stored: str, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    account = store.add(canned_account(CannedIdP(), "work"))
    set_state(store, account, access_token="at", refresh_token="rt", expires_at=2e9,
              obtained_at=2e9 - 3600)
    token_file = next((store.state_dir / "tokens").glob("*.toml"))
    token_file.write_text(token_file.read_text().replace("expires_at = 2000000000.0",
                                                         f"expires_at = {stored}"))
    for args in (("list",), ("list", "--json"), ("show", "work", "--json"), ("status",),
                 ("status", "--check")):
        assert run(config, *args) == 0, args
    capsys.readouterr()
    assert run(config, "show", "work") == 0
    assert "token:           expired, refreshable" in capsys.readouterr().out
    assert run(config, "status", "--json") == 0
    assert '"state": "expired"' in capsys.readouterr().out
