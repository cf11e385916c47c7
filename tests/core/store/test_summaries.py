"""Lists and status read what they show without opening any sealed value."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from tests.helpers import make_account, run
from tui.core.model import TokenState
from tui.core.store import seal
from tui.core.store.account_store import AccountStore


@pytest.fixture
def rows(store: AccountStore) -> list[TokenState]:
    now = time.time()
    states = []
    for label, access, refresh, error in (("valid", "AT", "RT", ""), ("expired", "AT", "", ""),
                                          ("failed", "", "RT", "invalid_grant AADSTS70008"),
                                          ("never", "", "", "")):
        account = store.add(make_account(label, proxy_users=(f"{label}@contoso.example",)))
        state = TokenState(account.id, label, access, refresh,
                           now + (3600 if label == "valid" else -60), obtained_at=now - 7200,
                           last_refresh_at=now - 60, last_error=error,
                           last_error_at=now if error else None,
                           refresh_due_at=now + 1800 if label == "valid" else None)
        store.save_token_state(state)
        states.append(state)
    return states


def test_summaries_match_the_opened_states(store: AccountStore, rows: list[TokenState],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def no_opening(*_args: object) -> str:
        raise AssertionError("a sealed value was opened")

    with monkeypatch.context() as patch:
        patch.setattr(seal.Sealer, "open", no_opening)
        got = AccountStore(store.path).load_summaries()
    assert [s for _, s in got] == [state.summary() for state in rows]
    assert all(a.client_secret == "" for a, _ in got)  # left sealed, not opened
    opened = store.load(with_tokens=False)
    assert [a for a, _ in got] == [replace(a, client_secret="") for a in opened]
    assert got[0][0].proxy_users == ("valid@contoso.example",)


def test_list_and_status_open_nothing(store: AccountStore, rows: list[TokenState],
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def no_opening(*_args: object) -> str:
        raise AssertionError("a sealed value was opened")

    monkeypatch.setattr(seal.Sealer, "open", no_opening)
    assert run(store.path, "list") == 0
    out = capsys.readouterr().out
    assert "valid 60 min" in out or "valid 59 min" in out
    assert "expired" in out and "AT" not in out.replace("AUTO", "")
    assert run(store.path, "status") == 0
    assert "AADSTS70008" in capsys.readouterr().out


def test_summaries_say_whether_tokens_exist(rows: list[TokenState]) -> None:
    valid, expired, failed, never = (s.summary() for s in rows)
    assert valid.has_access_token and valid.has_refresh_token and valid.is_valid()
    assert valid.refresh_due_at is not None and valid.is_fresh()  # the schedule plans on it
    assert expired.has_access_token and not expired.is_valid()
    assert failed.status == "token" and not failed.has_access_token
    assert never.status == "none"
