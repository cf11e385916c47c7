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
from tui.fastpath import try_token
from tui.token_options import parse

FAST_PATH_IMPORTS = """
import sys
before = set(sys.modules)
from tui.cli import main
rc = main(["--config", sys.argv[1], "token", "work", "--format", "header"])
new = sorted(set(sys.modules) - before)
print("RESULT", rc, *new, file=sys.stderr)
"""
# The measured gap above the floor (dataclasses, tomllib, pathlib, hashlib, argparse, uuid,
# urllib.parse) and the heavy libraries that have no place on the fast path.
FORBIDDEN = {"dataclasses", "tomllib", "pathlib", "hashlib", "argparse", "uuid", "urllib.parse",
             "json", "re", "asyncio", "tomlkit", "httpx", "textual",
             "tui.core.store.account_store", "tui.core.errors"}


def test_fast_path_imports_only_small_modules(idp: FakeIdP, store: AccountStore,
                                              config: Path) -> None:
    account = signed_in(idp, store)
    proc = subprocess.run([sys.executable, "-c", FAST_PATH_IMPORTS, str(config)],
                          env=child_env(), timeout=60, capture_output=True, text=True)
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("RESULT")]
    _, rc, *loaded = line.split()
    assert rc == "0", proc.stderr
    assert not FORBIDDEN & (set(loaded) | {m.split(".")[0] for m in loaded}), loaded
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


def _shape(argv: list[str]) -> tuple[object, ...] | None:
    request = parse(argv)
    if request is None:
        return None
    return (request.config, request.label, request.format, request.user, request.min_valid)


def test_fast_path_argument_shapes() -> None:
    assert _shape(["token", "a"]) == (None, "a", "raw", None, 300.0)
    assert _shape(["--config=x", "token", "--format", "json", "a", "--min-valid=10"]) == \
        ("x", "a", "json", None, 10.0)
    assert _shape(["--config", "x", "token", "a"]) == ("x", "a", "raw", None, 300.0)
    assert _shape(["token", "a", "--format", "xoauth2", "--user", "u@x"]) == \
        (None, "a", "xoauth2", "u@x", 300.0)
    for bad in (["token"], ["token", "a", "b"], ["token", "a", "--format", "yaml"],
                ["token", "a", "--min-valid", "-1"], ["token", "-h"], ["--debug", "token", "a"],
                ["token", "a", "--user"], ["token", "a", "--min-valid", "nan"],
                ["token", "a", "--format", "xoauth2"]):
        assert _shape(bad) is None, bad


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
