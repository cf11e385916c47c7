"""The `exo-oauth token` fast path: what it imports, when it steps aside for the full path,
the argument shapes it takes, and that the label must be in the account file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import child_env, signed_in
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP
from tui.fastpath import _parse, try_token

FAST_PATH_IMPORTS = """
import sys
from tui.cli import main
rc = main(["--config", sys.argv[1], "token", "work", "--format", "header"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("httpx", "tomlkit", "textual"))
print("RESULT", rc, heavy, "tui.core.store.account_store" in sys.modules, file=sys.stderr)
"""


def test_fast_path_imports_no_heavy_modules(idp: FakeIdP, store: AccountStore,
                                            config: Path) -> None:
    account = signed_in(idp, store)
    proc = subprocess.run([sys.executable, "-c", FAST_PATH_IMPORTS, str(config)],
                          env=child_env(), timeout=60, capture_output=True, text=True)
    assert "RESULT 0 [] False" in proc.stderr, proc.stderr
    token = store.token_state(account).access_token
    assert proc.stdout == f"Authorization: Bearer {token}\n"
    assert idp.stats()["grant_types"]["refresh_token"] == 0


def test_fast_path_steps_aside_when_unsure(idp: FakeIdP, store: AccountStore,
                                           config: Path) -> None:
    signed_in(idp, store, expired=True)
    signed_in(idp, store, "fresh")
    c = str(config)
    assert try_token(["--config", c, "token", "work"]) is None  # expired: full path refreshes
    assert try_token(["--config", c, "token", "nobody"]) is None
    assert try_token(["--config", c, "token", "fresh", "--min-valid", "99999"]) is None
    assert try_token(["--config", c, "token", "fresh", "--format", "xoauth2"]) is None
    assert try_token(["--config", c, "token", "fresh", "--debug"]) is None
    assert try_token(["--config", c + ".missing", "token", "fresh"]) is None
    assert try_token(["--config", c, "token", "fresh", "--format=raw"]) == 0


def test_fast_path_argument_shapes() -> None:
    assert _parse(["token", "a"]) == (None, "a", "raw", None, 300.0)
    assert _parse(["--config=x", "token", "--format", "json", "a", "--min-valid=10"]) == \
        ("x", "a", "json", None, 10.0)
    assert _parse(["token", "a", "--format", "xoauth2", "--user", "u@x"])[3] == "u@x"
    for bad in (["token"], ["token", "a", "b"], ["token", "a", "--format", "yaml"],
                ["token", "a", "--min-valid", "-1"], ["token", "-h"], ["--debug", "token", "a"],
                ["token", "a", "--user"]):
        assert _parse(bad) is None, bad


def test_fast_path_needs_the_label_in_the_account_file(idp: FakeIdP, store: AccountStore,
                                                       config: Path) -> None:
    signed_in(idp, store, "work")
    c = str(config)
    assert try_token(["--config", c, "token", "work"]) == 0
    assert try_token(["--config", c, "token", "wor"]) is None
    text = config.read_text()
    config.write_text(re.sub(r"""label = (["'])work\1""", r"label = \1workshop\1", text))
    assert "workshop" in config.read_text()
    assert try_token(["--config", c, "token", "work"]) is None  # renamed by hand
