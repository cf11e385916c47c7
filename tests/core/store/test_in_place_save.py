"""Saving one account of many rewrites its chunk only, and leaves what a full save would."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import make_account
from tui.core.model import Account, ParamRow
from tui.core.proxy.passwords import hash_password
from tui.core.store import account_file, label_index, parse_cache
from tui.core.store.account_store import AccountStore


def many(store: AccountStore, count: int) -> list[Account]:
    out = [store.add(make_account(f"acct-{i:03d}", client_id=f"c-{i}")) for i in range(count)]
    store.path.write_text("# mine, kept\n" + store.path.read_text().replace(
        "[[account]]", "# a note above an account\n[[account]]", 3))
    AccountStore(store.path).labels()  # the hand edit: a full read writes the index
    return out


def whole_file_save(path: Path, account: Account, state_dir: Path) -> str:
    """The same save through the whole-file path (a copy with no index or cache)."""
    copy = path.with_name("copy.toml")
    shutil.copyfile(path, copy)
    other = AccountStore(copy, state_dir=state_dir / "other")
    other._view = lambda: None  # type: ignore[method-assign]
    other.update(account)
    return copy.read_text()


def test_in_place_save_equals_the_whole_file_save(store: AccountStore, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    accounts = many(store, 12)
    changed = replace(accounts[5], label="renamed", redirect_uri="http://localhost:9000",
                      token_params=(ParamRow("scope", "x"), ParamRow("extra", "y")),
                      proxy_users=("scanner@contoso.example", "*@contoso.example"),
                      proxy_password_hash=hash_password("printer-password-1"))
    expected = whole_file_save(store.path, changed, tmp_path)

    def no_whole_parse(*_args: object) -> None:
        raise AssertionError("parsed the whole file")

    fresh = AccountStore(store.path)
    with monkeypatch.context() as patch:
        patch.setattr(account_file, "parse", no_whole_parse)
        fresh.update(changed, expected=accounts[5])
        assert store.path.read_text() == expected  # byte for byte what a full save writes
        fresh.update(replace(accounts[9], auto_refresh=True))  # offsets moved: still right
        fresh.update(replace(accounts[0], client_id="first"))
    text = store.path.read_text()
    assert text.startswith("# mine, kept\n") and text.count("# a note above") == 3
    reread = AccountStore(store.path, state_dir=tmp_path / "elsewhere")  # no index, no cache
    assert [(a.label, a.client_id, a.auto_refresh) for a in reread.load()] == [
        (a.label, a.client_id, a.auto_refresh) for a in fresh.load()]
    assert reread.get("renamed").token_params == changed.token_params
    assert reread.get("renamed").config_equal(fresh.get("renamed"))
    assert (fresh.get("renamed").proxy_users, fresh.get("renamed").proxy_password_hash) == \
        (changed.proxy_users, changed.proxy_password_hash)
    summaries = {a.label: a for a, _ in fresh.load_summaries()}  # from the cache's lines
    assert summaries["renamed"].proxy_users == changed.proxy_users
    assert summaries["renamed"].proxy_password_hash == changed.proxy_password_hash
    assert reread.get("acct-009").auto_refresh and reread.get("acct-000").client_id == "first"


def test_the_index_and_cache_after_in_place_saves_match_a_fresh_read(
        store: AccountStore, tmp_path: Path) -> None:
    accounts = many(store, 8)
    store.update(replace(accounts[3], label="renamed"))
    store.update(replace(accounts[7], client_id="last"))
    index = Path(label_index.index_path(str(store.state_dir), str(store.path.resolve())))
    after_saves = label_index.entries_of(index.read_bytes())
    cache = parse_cache.cache_path(store.state_dir, str(store.path.resolve()))
    cached = cache.read_bytes()
    index.unlink()
    cache.unlink()
    rebuilt = AccountStore(store.path)
    assert [a.label for a in rebuilt.load()][3] == "renamed"
    assert label_index.entries_of(index.read_bytes()) == after_saves
    assert cache.read_bytes() == cached  # the same lines a whole write would give
