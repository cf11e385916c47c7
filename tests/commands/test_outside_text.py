"""Text from the account file and from the identity provider reaches the terminal shown,
never executed, through every command: a label holding an OSC sequence and a bidi
override, and an error reply holding a screen-clearing CSI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import (
    HOSTILE_ERROR,
    HOSTILE_LABEL,
    CannedIdP,
    canned_account,
    raw_controls,
    run,
    set_state,
)
from tui.core.store.account_store import AccountStore

L = HOSTILE_LABEL
COMMANDS = [
    ("list",), ("list", "--json"), ("show", L), ("show", L, "--json"),
    ("status",), ("status", L), ("status", "--json"), ("status", "--check"),
    ("validate",), ("validate", L, "--json"), ("refresh", L), ("refresh", "--all"),
    ("token", L), ("token", L, "--format", "json"), ("test", L),
    ("authorize", L, "--method", "device"), ("troubleshoot", HOSTILE_ERROR["error_description"]),
    ("troubleshoot", "--json", HOSTILE_ERROR["error_description"]),
    ("edit", L, "--auto-refresh"), ("proxy-password", L), ("delete", L), ("delete", L, "--yes"),
]


@pytest.fixture
def canned() -> CannedIdP:
    with CannedIdP() as server:
        server.reply(HOSTILE_ERROR, 400)
        yield server


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_shows_outside_text_escaped(
        args: tuple[str, ...], canned: CannedIdP, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str], quick_service: object) -> None:
    account = store.add(canned_account(canned, L))
    set_state(store, account, access_token="expired-at", refresh_token="rt-value",
              expires_at=1.0, last_error="invalid_grant\x1b[2J: \u202ebad")
    run(config, *args)
    out, err = capsys.readouterr()
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert out + err
    if "--json" in args:
        json.loads(out)  # the escapes are JSON's own: still valid, and means the same
