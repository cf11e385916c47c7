"""Per-account token files: naming, round trip, sealing, damage."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import child_env
from tui.core.errors import ParseError, SealError, StoreError
from tui.core.model import TokenState
from tui.core.store import token_format
from tui.core.store.seal import Sealer

SEALER = Sealer(bytes(range(32)), source="test key")


def state(**kw: object) -> TokenState:
    base: dict[str, object] = dict(account_id="id-1", label="work", access_token="eyJ.access",
                                   refresh_token="0.refresh", expires_at=1_700_000_123.25,
                                   obtained_at=1_700_000_000.0, scope="Mail.Read")
    base.update(kw)
    return TokenState(**base)  # type: ignore[arg-type]


def test_token_path_is_stable_and_distinct(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c" / "accounts.toml"
    p = token_format.token_path(tmp_path / "s", cfg, "work")
    assert p.parent == tmp_path / "s" / "tokens" and p.suffix == ".toml"
    assert p == token_format.token_path(tmp_path / "s", cfg, "work")
    assert p != token_format.token_path(tmp_path / "s", cfg, "work2")
    assert p != token_format.token_path(tmp_path / "s", tmp_path / "other.toml", "work")
    monkeypatch.chdir(tmp_path)
    assert p == token_format.token_path(tmp_path / "s", Path("c/accounts.toml"), "work")
    (tmp_path / "c").mkdir()
    os.symlink(tmp_path / "c", tmp_path / "link")
    assert p == token_format.token_path(tmp_path / "s", tmp_path / "link" / "accounts.toml", "work")


def test_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "state" / "tokens" / "x.toml"
    odd = state(last_error='AADSTS70008: "expired"\n\tline two \\ \x7f ☃',
                needs_authorization=True, expires_at=None, last_error_at=12.5)
    token_format.write_token_state(p, odd, SEALER)
    assert token_format.read_token_state(p, SEALER) == odd
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    data = p.read_bytes()
    assert b"eyJ.access" not in data and b"0.refresh" not in data
    raw = tomllib.loads(data.decode())
    assert raw["access_token"].startswith("enc:v1:") and raw["schema"] == 1
    assert "expires_at" not in raw


def test_numbers_survive_exactly(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    for value in (0.1, 1_700_000_000, 1.5e-7, 253402300799.0):
        token_format.write_token_state(p, state(expires_at=float(value), obtained_at=None),
                                       SEALER)
        got = token_format.read_token_state(p, SEALER)
        assert got is not None and got.expires_at == float(value)


def test_missing_file_is_none(tmp_path: Path) -> None:
    assert token_format.read_token_state(tmp_path / "nope.toml", SEALER) is None


def test_flipped_byte_in_a_token_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    token_format.write_token_state(p, state(), SEALER)
    text = p.read_text()
    start = text.index("access_token = 'enc:v1:") + len("access_token = 'enc:v1:") + 10
    p.write_text(text[:start] + ("A" if text[start] != "A" else "B") + text[start + 1:])
    with pytest.raises(SealError, match="account 'work'"):
        token_format.read_token_state(p, SEALER)


def test_swapped_tokens_and_moved_files_are_errors(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    token_format.write_token_state(p, state(), SEALER)
    raw = tomllib.loads(p.read_text())
    swapped = p.read_text().replace(raw["access_token"], "@A@").replace(
        raw["refresh_token"], raw["access_token"]).replace("@A@", raw["refresh_token"])
    p.write_text(swapped)
    with pytest.raises(SealError):
        token_format.read_token_state(p, SEALER)
    token_format.write_token_state(p, state(), SEALER)
    p.write_text(p.read_text().replace("account_id = 'id-1'", "account_id = 'id-2'"))
    with pytest.raises(SealError):
        token_format.read_token_state(p, SEALER)


@pytest.mark.parametrize(("text", "error"), [
    ("schema = 2\naccount_id = 'a'\nlabel = 'b'\n", StoreError),
    ("schema = 1\nlabel = 'b'\n", StoreError),
    ("schema = 1\naccount_id = 'a'\nlabel = 'b'\nexpires_at = 'soon'\n", StoreError),
    ("schema = 1\naccount_id = 'a'\nlabel = 'b'\nneeds_authorization = 1\n", StoreError),
    ("schema = 1\naccount_id = \n", ParseError),
])
def test_damaged_files_are_clear_errors(tmp_path: Path, text: str,
                                        error: type[Exception]) -> None:
    p = tmp_path / "t.toml"
    p.write_text(text)
    with pytest.raises(error) as info:
        token_format.read_token_state(p, SEALER)
    assert str(p) in str(info.value)


def test_token_modules_stay_light() -> None:
    """The token fast path: no tomlkit, httpx, textual or asyncio."""
    code = ("import sys, tui.core.store.token_format, tui.core.store.seal, "
            "tui.core.store.fileio, tui.core.paths\n"
            "print(sorted(m for m in ('tomlkit', 'httpx', 'textual', 'asyncio') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=child_env(), check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("state_kw", [
    {}, {"last_error": "it's got a quote"}, {"last_error": "tab\there"},
    {"scope": "a\nb"}, {"expires_at": float("inf")}, {"expires_at": -1.5e-300},
    {"needs_authorization": True, "access_token": "", "refresh_token": ""},
])
def test_quick_reader_agrees_with_tomllib(tmp_path: Path, state_kw: dict[str, object]) -> None:
    p = tmp_path / "t.toml"
    token_format.write_token_state(p, state(**state_kw), SEALER)
    text = p.read_text()
    quick = token_format._quick(text)
    assert quick is None or quick == tomllib.loads(text)
    expected = state(**state_kw)
    if expected.expires_at is not None and not 0 <= expected.expires_at < 1e12:
        expected = replace(expected, expires_at=None)  # no clock can show it: none
    assert token_format.read_token_state(p, SEALER) == expected


@pytest.mark.parametrize("written", [
    "expires_at = 1e30", "expires_at = nan", "expires_at = inf", "expires_at = -inf",
    "expires_at = -5.0", "expires_at = 1e300",
])
def test_impossible_times_read_as_needing_a_refresh(tmp_path: Path, written: str) -> None:
    """A state stored before replies were checked (an expires_in of 1e30 was stored as it
    came) loads without an expiry: it reads as needing a refresh, never as valid, and
    every screen can show it."""
    p = tmp_path / "t.toml"
    token_format.write_token_state(p, state(), SEALER)
    text = "".join(line + "\n" for line in p.read_text().splitlines()
                   if not line.startswith(("expires_at", "obtained_at")))
    p.write_text(text + written + "\n")
    got = token_format.read_token_state(p, SEALER)
    assert got is not None and got.expires_at is None and got.access_token
    assert not got.is_valid(0, now=1_700_000_000)
    p.write_text(text + "expires_at = 1700086400.0\n")
    assert token_format.read_token_state(p, SEALER).expires_at == 1700086400.0


@pytest.mark.parametrize("text", [
    "a = 'x'\na = 'y'\n",  # duplicate key: tomllib refuses it
    "a = 1.\n", "a = 'x' # c\n", 'a = "x"\n', "a='x'\n", "A = 1\n",
])
def test_quick_reader_leaves_anything_unusual_to_tomllib(text: str) -> None:
    assert token_format._quick(text) is None
