"""tui.core.model: objects that hold secrets never show them in a repr."""

from __future__ import annotations

from rich.pretty import pretty_repr

from tests.helpers import SECRET, make_account
from tui.core.model import TokenState


def test_account_and_token_state_reprs_hide_the_secrets() -> None:
    account = make_account("work", access_token="at-" + "a" * 40, refresh_token="rt-" + "r" * 40,
                           proxy_password_hash="scrypt$16384$8$1$c2FsdA$aGFzaA")
    state = TokenState(account.id, "work", "at-" + "a" * 40, "rt-" + "r" * 40, 2e9)
    for shown in (repr(account), str(account), f"{account!r}", pretty_repr(account),
                  repr(state), pretty_repr({"state": state}), repr([account, state])):
        for secret in (SECRET, "a" * 40, "r" * 40, "c2FsdA"):
            assert secret not in shown
    assert "client_secret=<hidden, 39 chars>" in repr(account)
    assert "label='work'" in repr(account) and "expires_at=2000000000.0" in repr(state)
    assert "refresh_token=''" in repr(TokenState("id", "x"))  # nothing to hide: shown empty
