"""A key file its group or others can read opens every sealed secret: validate, status
and doctor say so, with the chmod that fixes it; a private key file gets no warning."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.helpers import make_account, run
from tui.core import paths
from tui.core.store.account_store import AccountStore


@pytest.mark.parametrize("args", [("validate",), ("validate", "work"), ("status",),
                                  ("status", "--json"), ("doctor", "work")], ids=" ".join)
def test_a_readable_key_file_is_warned_about(args: tuple[str, ...], store: AccountStore,
                                             config: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    store.add(make_account("work", client_secret="a-secret-to-seal"))
    key = paths.key_file()
    fix = f"chmod 600 {shlex.quote(str(key))}"
    run(config, *args)
    assert fix not in capsys.readouterr().err
    key.chmod(0o644)
    run(config, *args)
    out, err = capsys.readouterr()
    assert fix in out + err
    assert f"{key} is 0644: group and others can get at it" in out + err
    if args[0] != "doctor":
        assert "this key file opens every sealed secret" in err
