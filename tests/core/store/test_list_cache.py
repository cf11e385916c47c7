"""The list cache: a list reuses what the last one saw, never what has changed since."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import make_account
from tui.core.model import TokenState
from tui.core.store import label_index, list_cache, seal, token_format
from tui.core.store.account_store import AccountStore

SETTLE_S = 2 * label_index.SETTLE_NS / 1e9


@pytest.fixture
def filled(store: AccountStore) -> AccountStore:
    now = time.time()
    for n, label in enumerate(("alpha", "beta", "gamma")):
        account = store.add(make_account(label, client_secret=f"client-secret-{label}"))
        if n < 2:  # gamma has no token file
            store.save_token_state(TokenState(account.id, label, f"access-{label}",
                                              f"refresh-{label}", now + 3600 * (n + 1),
                                              obtained_at=now))
    time.sleep(SETTLE_S)  # the files are older than a timestamp tick: their stats vouch
    return store


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The token files read (opened), in order."""
    seen: list[str] = []
    real = token_format.read_stat

    def counting(path: str | os.PathLike[str]) -> tuple[bytes, os.stat_result, int] | None:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(token_format, "read_stat", counting)
    return seen


def summaries(store: AccountStore) -> dict[str, tuple[bool, float | None]]:
    return {a.label: (s.has_access_token, s.expires_at)
            for a, s in AccountStore(store.path).load_summaries()}


def cache_file(store: AccountStore) -> Path:
    return list_cache.cache_path(store.state_dir, token_format.resolved(store.path))


def test_a_second_list_opens_no_token_file(filled: AccountStore, reads: list[str]) -> None:
    first = AccountStore(filled.path).load_summaries()
    assert len(reads) >= 3  # (and where an earlier version kept gamma's tokens)
    reads.clear()
    again = AccountStore(filled.path).load_summaries()
    assert reads == []
    assert again == first
    assert [a.label for a, _ in again] == ["alpha", "beta", "gamma"]
    assert again[2][1].has_access_token is False


def test_a_new_token_is_seen_at_once(filled: AccountStore, reads: list[str]) -> None:
    summaries(filled)
    beta = filled.get("beta")
    filled.save_token_state(TokenState(beta.id, "beta", "", "", None, needs_authorization=True))
    gamma = filled.get("gamma")
    filled.save_token_state(TokenState(gamma.id, "gamma", "new-access", "", time.time() + 60))
    reads.clear()
    got = {a.label: s for a, s in AccountStore(filled.path).load_summaries()}
    assert sorted(os.path.basename(p) for p in reads) == sorted(
        token_format.token_file_name(token_format.resolved(filled.path), a.id)
        for a in (beta, gamma))  # only the two that changed
    assert got["beta"].needs_authorization and not got["beta"].has_access_token
    assert got["gamma"].has_access_token
    assert got["alpha"].has_refresh_token


def test_a_removed_token_file_is_seen(filled: AccountStore) -> None:
    summaries(filled)
    alpha = filled.get("alpha")
    os.unlink(token_format.token_path(filled.state_dir, filled.path, alpha.id))
    assert summaries(filled)["alpha"] == (False, None)


def test_a_token_file_read_within_its_tick_is_read_again(store: AccountStore,
                                                         reads: list[str]) -> None:
    account = store.add(make_account("fresh"))
    store.save_token_state(TokenState(account.id, "fresh", "a1", "", 1000.0))
    path = token_format.token_path(store.state_dir, store.path, account.id)
    st = os.stat(path)
    assert summaries(store)["fresh"] == (True, 1000.0)
    # Rewritten in place, same size, mtime put back: only a read can tell.
    with open(path, "r+b") as fh:
        data = fh.read()
        fh.seek(0)
        fh.write(data.replace(b"1000.0", b"2000.0"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    reads.clear()
    assert summaries(store)["fresh"] == (True, 2000.0)
    assert len(reads) == 1


def test_an_edit_of_the_account_file_is_seen(filled: AccountStore) -> None:
    summaries(filled)
    beta = filled.get("beta")
    filled.update(replace(beta, label="bravo", auto_refresh=True))
    got = {a.label: a for a, _ in AccountStore(filled.path).load_summaries()}
    assert set(got) == {"alpha", "bravo", "gamma"} and got["bravo"].auto_refresh
    # and by hand: the bytes differ, so the kept accounts are not used
    text = filled.path.read_text(encoding="utf-8").replace("'gamma'", "'gamma2'")
    filled.path.write_text(text.replace('"gamma"', '"gamma2"'), encoding="utf-8")
    assert "gamma2" in summaries(filled)


def test_after_an_edit_only_changed_token_files_are_read_again(
        filled: AccountStore, reads: list[str]) -> None:
    """Other account file bytes: the accounts are parsed again, but each token file's
    summary is kept while its stamp holds, from the cache file or from memory."""
    summaries(filled)
    beta = filled.get("beta")
    filled.update(replace(beta, label="bravo"))
    reads.clear()
    got = {a.label: s for a, s in AccountStore(filled.path).load_summaries()}
    assert reads == []
    assert set(got) == {"alpha", "bravo", "gamma"}
    assert got["bravo"].label == "bravo" and got["bravo"].has_access_token
    assert got["bravo"].account_id == beta.id and not got["gamma"].has_access_token
    # One process listing, saving, listing again (the UI): from memory, and a token
    # file that changed meanwhile is the only one read.
    ui = AccountStore(filled.path)
    ui.load_summaries()
    alpha = ui.get("alpha")
    ui.update(replace(alpha, auto_refresh=True))
    ui.save_token_state(TokenState(alpha.id, "alpha", "access-2", "refresh-2",
                                   time.time() + 60))
    time.sleep(SETTLE_S)
    reads.clear()
    again = {a.label: (a.auto_refresh, s.expires_at) for a, s in ui.load_summaries()}
    assert len(reads) == 1 and reads[0].endswith(
        token_format.token_file_name(token_format.resolved(filled.path), alpha.id))
    assert again["alpha"][0] is True and again["alpha"][1] is not None
    assert again["alpha"][1] < time.time() + 61


def test_it_holds_no_secret_sealed_or_not(filled: AccountStore) -> None:
    summaries(filled)
    text = cache_file(filled).read_text(encoding="utf-8")
    sealed = [line for line in filled.path.read_text(encoding="utf-8").splitlines()
              if line.startswith("client_secret")]
    assert len(sealed) == 3
    for line in sealed:
        assert line.split("=", 1)[1].strip().strip("'\"") not in text
    for word in ("client-secret-", "access-alpha", "refresh-alpha"):
        assert word not in text
    assert oct(cache_file(filled).stat().st_mode & 0o777) == "0o600"


def test_a_damaged_or_foreign_cache_is_ignored(filled: AccountStore) -> None:
    want = summaries(filled)
    path = cache_file(filled)
    kept = path.read_bytes()
    digest = kept.split(b'"sha256":"', 1)[1][:64]
    for damage in (b"", b"{", b'{"version": 1}', kept[:-40],
                   kept.replace(digest, b"0" * 64).replace(b'"alpha"', b'"omega"'),
                   kept.replace(b'"texts":[', b'"texts":[1,')):
        path.write_bytes(damage)
        assert summaries(filled) == want


def test_listing_opens_no_sealed_value(filled: AccountStore,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_opening(*_args: object) -> str:
        raise AssertionError("a sealed value was opened")

    monkeypatch.setattr(seal.Sealer, "open", no_opening)
    summaries(filled)
    assert summaries(filled)["alpha"][0] is True


def test_a_settled_label_index_spares_hashing_the_account_file(
        filled: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    summaries(filled)
    filled.get("alpha")  # a full read settles the index (the files are past their tick)
    hashed: list[bytes] = []  # (names of the token files and caches are hashes too)
    real = hashlib.sha256

    def counting(data: bytes = b"") -> Any:
        hashed.append(bytes(data))
        return real(data)

    monkeypatch.setattr(hashlib, "sha256", counting)
    assert set(summaries(filled)) == {"alpha", "beta", "gamma"}
    assert filled.path.read_bytes() not in hashed
    # An edit by hand that keeps the size and puts the mtime back still moves the
    # ctime: the index no longer vouches, the file is hashed, and the edit is seen.
    st = filled.path.stat()
    text = filled.path.read_text(encoding="utf-8")
    filled.path.write_text(text.replace("gamma", "gamna"), encoding="utf-8")
    os.utime(filled.path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert "gamna" in summaries(filled)
    assert filled.path.read_bytes() in hashed
