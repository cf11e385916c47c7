"""Two accounts with one label (a hand edit): every command that takes a LABEL refuses
it (exit 2), changes nothing, and says how to tell the two apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_account, run, set_state
from tui.core.store.account_store import AccountStore

COMMANDS = [
    ("show", "a1"), ("show", "a1", "--json"), ("edit", "a1", "--client-id", "x"),
    ("edit", "a1", "--rename", "a3"), ("delete", "a1", "--yes"), ("token", "a1"),
    ("refresh", "a1"), ("status", "a1"), ("status", "a1", "--json"), ("authorize", "a1"),
    ("test", "a1"), ("doctor", "a1"), ("proxy-password", "a1"), ("validate", "a1"),
]


@pytest.fixture
def twins(store: AccountStore, config: Path) -> tuple[str, str]:
    a1 = store.add(make_account("a1", client_secret="first-secret-value"))
    a2 = store.add(make_account("a2", client_secret="second-secret-value"))
    for account in (a1, a2):
        set_state(store, account, access_token="at", refresh_token="rt", expires_at=4e9)
    config.write_text(config.read_text().replace("'a2'", "'a1'").replace('"a2"', '"a1"'))
    return a1.id, a2.id


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_label_command_refuses_an_ambiguous_label(
        args: tuple[str, ...], twins: tuple[str, str], config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = config.read_bytes()
    tokens = sorted(p.read_bytes() for p in (config.parent / "tokens").glob("*")) \
        if (config.parent / "tokens").exists() else None
    assert run(config, *args) == 2
    out, err = capsys.readouterr()
    assert "at" not in out.split()
    assert "2 accounts" in err and "'a1'" in err
    assert twins[0] in err and twins[1] in err  # how to tell them apart
    assert config.read_bytes() == before
    if tokens is not None:
        assert sorted(p.read_bytes() for p in (config.parent / "tokens").glob("*")) == tokens
