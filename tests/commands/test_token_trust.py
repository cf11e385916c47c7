"""`token LABEL` serves only the token of the account LABEL names in the account file now.

Token files are named by the account's id and say which id they belong to; the label
index that lets the fast path skip the account file is used only while it describes
the file exactly. Every case runs through the fast path and the full command.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers import make_account, run
from tui.core.errors import AmbiguousLabel
from tui.core.model import Account, TokenState
from tui.core.store import label_index, token_format
from tui.core.store.account_store import AccountStore
from tui.fastpath import try_token


def signed_in(store: AccountStore, label: str) -> Account:
    """An account with a valid access token (and no refresh token: the full path can
    only serve what is on disk, never fetch anything)."""
    account = store.add(make_account(label))
    store.save_token_state(TokenState(account.id, label, f"AT-of-{label}", "",
                                      time.time() + 3600))
    return account


def token_file(store: AccountStore, account: Account) -> Path:
    return token_format.token_path(store.state_dir, store.path, account.id)


def fast(store: AccountStore, label: str, capsys: pytest.CaptureFixture[str]) -> str | None:
    """What the fast path prints, or None when it steps aside."""
    done = try_token(["--config", str(store.path), "token", label])
    out = capsys.readouterr().out
    return out.strip() if done == 0 else None


def full(store: AccountStore, label: str, capsys: pytest.CaptureFixture[str]
         ) -> tuple[int, str, str]:
    code = run(store.path, "token", label, "--min-valid", "0")
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err


def settle() -> None:
    """Let the clock pass the file's timestamp tick, so a later read may settle the index."""
    time.sleep(2 * label_index.SETTLE_NS / 1e9)


def test_the_fast_path_serves_a_plain_valid_token(store: AccountStore,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(store, "a1")
    assert fast(store, "a1", capsys) == "AT-of-a1"


def test_another_accounts_token_file_copied_over_is_never_served(
        store: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    a1, a2 = signed_in(store, "a1"), signed_in(store, "a2")
    shutil.copyfile(token_file(store, a2), token_file(store, a1))  # a restored backup
    assert fast(store, "a1", capsys) is None
    code, out, _ = full(store, "a1", capsys)
    assert "AT-of-a2" not in out and code == 4  # no token of its own, nothing to refresh with
    assert fast(store, "a2", capsys) == "AT-of-a2"


def test_a_token_file_edited_to_claim_another_id_does_not_open(
        store: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    """The seal binds account id and field: rewriting the id line is not enough."""
    a1, a2 = signed_in(store, "a1"), signed_in(store, "a2")
    text = token_file(store, a2).read_text().replace(a2.id, a1.id)
    token_file(store, a1).write_text(text)
    assert fast(store, "a1", capsys) is None
    code, out, err = full(store, "a1", capsys)
    assert code == 6 and "AT-of-a2" not in out + err


def test_a_label_renamed_by_hand_keeps_its_tokens(store: AccountStore,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(store, "work")
    store.path.write_text(store.path.read_text().replace("'work'", "'office'"))
    assert fast(store, "office", capsys) is None  # the index is out of date until a read
    assert full(store, "office", capsys)[:2] == (0, "AT-of-work")
    assert full(store, "work", capsys)[0] == 3
    settle()
    AccountStore(store.path).labels()  # any full read writes the index again
    assert fast(store, "office", capsys) == "AT-of-work"
    assert fast(store, "work", capsys) is None


def test_labels_swapped_by_hand_keeping_size_and_mtime(store: AccountStore,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """An editor that restores the mtime (or `touch -r`) still moves the ctime, which the
    index also records: the fast path steps aside and the full path reads the file."""
    signed_in(store, "a1")
    signed_in(store, "a2")
    assert fast(store, "a1", capsys) == "AT-of-a1"
    before = os.stat(store.path)
    text = store.path.read_text()
    swapped = text.replace("'a1'", "'@@'").replace("'a2'", "'a1'").replace("'@@'", "'a2'")
    assert len(swapped) == len(text) and swapped != text
    with open(store.path, "r+") as fh:  # in place: same inode, same size
        fh.write(swapped)
    os.utime(store.path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(store.path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)
    assert fast(store, "a1", capsys) is None
    assert full(store, "a1", capsys)[:2] == (0, "AT-of-a2")


def test_an_index_written_within_the_timestamp_tick_is_not_trusted(
        store: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(store, "a1")
    data = label_index.read(label_index.index_path(str(store.state_dir),
                                                   os.path.realpath(store.path)))
    assert data is not None and label_index.header_of(data)["settled"] == "1"
    st = os.stat(store.path)
    assert not label_index.is_settled(st, st.st_ctime_ns + label_index.SETTLE_NS // 2)
    assert label_index.is_settled(st, st.st_ctime_ns + 2 * label_index.SETTLE_NS)
    index = Path(label_index.index_path(str(store.state_dir), os.path.realpath(store.path)))
    index.write_bytes(data.replace(b"settled\t1", b"settled\t0"))
    assert fast(store, "a1", capsys) is None


def test_two_accounts_with_one_label(store: AccountStore,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    a1, a2 = signed_in(store, "a1"), signed_in(store, "a2")
    store.path.write_text(store.path.read_text().replace("'a2'", "'a1'"))
    assert store.ids_for("a1") == [a1.id, a2.id]
    with pytest.raises(AmbiguousLabel) as info:
        store.get("a1")
    assert a1.id in str(info.value) and a2.id in str(info.value)
    settle()
    store.labels()  # the index now records both
    assert fast(store, "a1", capsys) is None
    code, out, err = full(store, "a1", capsys)
    assert code == 2 and out == "" and a2.id in err


def test_an_account_file_that_does_not_parse_exits_6(store: AccountStore,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(store, "a1")
    store.path.write_text(store.path.read_text() + "\n[[account]\n")
    assert fast(store, "a1", capsys) is None
    code, out, err = full(store, "a1", capsys)
    assert code == 6 and out == "" and "line" in err


def test_label_named_token_files_move_to_the_id_on_first_use(
        store: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    """Token files of earlier versions were named from the config path and the label."""
    a1, a2 = signed_in(store, "a1"), signed_in(store, "a2")
    resolved = token_format.resolved(store.path)
    legacy = {a: Path(store.state_dir) / "tokens" / token_format.legacy_file_name(resolved,
                                                                                a.label)
              for a in (a1, a2)}
    for account, old in legacy.items():
        token_file(store, account).rename(old)
    assert fast(store, "a1", capsys) is None  # not moved yet
    assert full(store, "a1", capsys)[:2] == (0, "AT-of-a1")  # first use moves it
    assert token_file(store, a1).exists() and not legacy[a1].exists()
    assert fast(store, "a1", capsys) == "AT-of-a1"
    assert AccountStore(store.path).token_summary(a2).has_access_token  # a list moves it too
    assert token_file(store, a2).exists() and not legacy[a2].exists()


def test_a_label_named_file_of_another_account_is_left_alone(store: AccountStore) -> None:
    a1, a2 = signed_in(store, "a1"), signed_in(store, "a2")
    resolved = token_format.resolved(store.path)
    legacy_a1 = Path(store.state_dir) / "tokens" / token_format.legacy_file_name(resolved, "a1")
    token_file(store, a2).rename(legacy_a1)  # a2's tokens under a1's old name
    token_file(store, a1).unlink()
    assert store.token_state(a1).access_token == ""
    assert legacy_a1.exists() and not token_file(store, a1).exists()
