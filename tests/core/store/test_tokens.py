"""The store's token side: token files follow renames and deletes, locks, stale files."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from tests.helpers import (
    make_account,
)
from tui.core.errors import (
    NoSuchAccount,
    StoreError,
)
from tui.core.model import ParamRow, TokenState
from tui.core.store import seal, token_format
from tui.core.store.account_store import AccountStore


def test_update_and_rename_keeps_tokens(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    state = TokenState(a.id, "work", "AT-1", "RT-1", time.time() + 3600)
    store.save_token_state(state)
    token_file = token_format.token_path(store.state_dir, store.path, a.id)
    assert token_file.exists()
    b = replace(a, label="work2", client_id="11111111-2222-3333-4444-555555555555",
                token_params=(ParamRow("scope", "x y"), ParamRow("a=b", "c=d")))
    saved = store.update(b, expected=a)
    assert saved.access_token == "AT-1" and saved.label == "work2"
    assert token_file.exists()  # named by the id: a new label moves nothing
    got = store.get("work2")
    assert got.config_equal(b) and got.refresh_token == "RT-1"
    with pytest.raises(NoSuchAccount):
        store.get("work")
    assert store.token_state(got).access_token == "AT-1"


def test_update_ignores_tokens_in_the_account(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    store.update(replace(a, access_token="stale", client_id="changed"))
    got = store.get("work")
    assert got.access_token == "" and got.client_id == "changed"


def test_delete_removes_the_token_file(store: AccountStore) -> None:
    a = store.add(make_account("work", access_token="AT", refresh_token="RT",
                               access_token_expires_at=123.0))
    b = store.add(make_account("keep"))
    path = token_format.token_path(store.state_dir, store.path, a.id)
    assert path.exists()
    store.delete(a.id)
    assert not path.exists()
    assert store.load() == [b]
    with pytest.raises(NoSuchAccount):
        store.delete(a.id)


def test_add_with_tokens_round_trips(store: AccountStore) -> None:
    a = make_account("work", access_token="AT", refresh_token="RT",
                     access_token_expires_at=1_800_000_000.5)
    store.add(a)
    assert store.get("work") == a


def test_token_state_of_another_account_is_ignored(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    store.save_token_state(TokenState("some-other-id", "work", "AT", "RT", 1.0))
    assert store.token_state(a) == TokenState(a.id, "work")
    assert store.get("work").access_token == ""


def test_token_lock_is_exclusive(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    with store.token_lock(a):
        with pytest.raises(StoreError, match="Timed out"):
            store.token_lock(a, timeout=0.05).acquire()
        # other accounts are not blocked
        with store.token_lock(replace(a, id="other"), timeout=0.05):
            pass
    renamed = store.update(replace(a, label="renamed"))
    # same lock after a rename (it follows the id)
    with store.token_lock(renamed), pytest.raises(StoreError):
        store.token_lock(a, timeout=0.05).acquire()


def test_token_state_for_a_hand_written_file_records_the_key(store: AccountStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("[[account]]\nlabel = \"hand\"\nclient_id = \"abc\"\n"
                          "client_type = \"public\"\n")
    hand = store.get("hand")
    store.save_token_state(TokenState(hand.id, "hand", "AT", "RT", 5.0))
    assert seal.read_header(store.path)["sealing"] == "keyfile"
    assert AccountStore(store.path).get("hand").access_token == "AT"


def test_a_token_file_left_by_a_killed_delete_never_serves_a_new_account(
        store: AccountStore) -> None:
    """A writer killed mid-delete can leave a token file; it is named by the gone account's
    id, so a new account with the same label (a new id) never reads it."""
    gone = store.add(make_account("old"))
    stale = token_format.token_path(store.state_dir, store.path, gone.id)
    store.save_token_state(TokenState(gone.id, "old", "AT-of-gone", "RT", 2e9))
    saved = stale.read_bytes()
    store.delete(gone.id)
    stale.write_bytes(saved)  # as if the delete had been killed before removing it
    new = store.add(make_account("old"))
    assert store.get("old").access_token == "" and store.token_state(new).refresh_token == ""
    other = store.add(make_account("other"))
    store.update(replace(other, label="other2"))
    assert store.get("other2").access_token == ""


def test_no_token_file_comes_back_after_a_delete(store: AccountStore) -> None:
    """A refresh or sign-in that queued behind a delete must not write the file again."""
    a = store.add(make_account("work"))
    store.save_token_state(TokenState(a.id, "work", "AT-1", "RT-1", time.time() + 3600))
    store.delete(a.id)
    token_file = token_format.token_path(store.state_dir, store.path, a.id)
    with pytest.raises(NoSuchAccount):
        store.save_token_state(TokenState(a.id, "work", "AT-2", "RT-2", time.time() + 3600))
    assert not token_file.exists()
    store.add(a)  # added again (same id): its tokens may be stored again
    store.save_token_state(TokenState(a.id, "work", "AT-3", "RT-3", time.time() + 3600))
    assert store.token_state(a).access_token == "AT-3"
