"""AccountStore: add/get/update/delete, renames, conflicts, sealing, damage, hand-written files."""

from __future__ import annotations

import os
import stat
import time
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import (
    SECRET,
    make_account,
)
from tui.core import paths
from tui.core.errors import (
    ConflictError,
    NoSuchAccount,
    ParseError,
    SealError,
    StoreError,
    UsageError,
)
from tui.core.model import APP_SCOPE, ParamRow, TokenState
from tui.core.store import token_format
from tui.core.store.account_store import AccountStore, InvalidAccount

from .helpers import all_files


def test_empty_store(store: AccountStore) -> None:
    assert store.load() == [] and store.labels() == []
    with pytest.raises(NoSuchAccount):
        store.get("work")
    assert not store.path.exists()


def test_add_get_load(store: AccountStore) -> None:
    a = make_account("work")
    b = make_account("home", client_type="public", client_secret="", auto_refresh=True,
                     token_params=(), auth_params=(ParamRow("prompt", "consent"),))
    assert store.add(a) == a
    store.add(b)
    assert store.load() == [a, b]
    assert store.labels() == ["work", "home"]
    assert store.get("home") == b and store.get_by_id(a.id) == a
    assert AccountStore(store.path).load() == [a, b]  # a fresh reader agrees
    raw = tomllib.loads(store.path.read_text())
    assert raw["exo-oauth"]["schema"] == 1
    assert raw["account"][0]["client_secret"].startswith("enc:v1:")
    assert raw["account"][1]["client_secret"] == ""


def test_load_without_tokens_opens_secrets_but_reads_no_token_file(
        store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    a = store.add(make_account("work"))
    store.save_token_state(TokenState(a.id, "work", "AT-1", "RT-1", time.time() + 3600))
    assert store.load()[0].refresh_token == "RT-1"

    def no_token_reads(*_args: object, **_kw: object) -> None:
        raise AssertionError("a token file was read")

    monkeypatch.setattr(token_format, "read_token_state", no_token_reads)
    (bare,) = AccountStore(store.path).load(with_tokens=False)
    assert bare.client_secret == SECRET and bare.config_equal(a)
    assert bare.access_token == bare.refresh_token == ""


def test_add_refuses_invalid_and_duplicate(store: AccountStore) -> None:
    store.add(make_account("work"))
    before = store.path.read_bytes()
    with pytest.raises(InvalidAccount) as info:
        store.add(make_account("work"))
    assert [i.rule for i in info.value.issues] == ["config.label_taken"]
    assert "label" in str(info.value) and info.value.exit_code == 2
    with pytest.raises(InvalidAccount, match="client_id"):
        store.add(make_account("x", client_id=""))
    with pytest.raises(InvalidAccount, match="token_url"):
        store.add(make_account("y", token_url="not a url"))
    a = store.get("work")
    with pytest.raises(UsageError, match="already exists"):
        store.add(replace(a, label="other"))
    assert store.path.read_bytes() == before


def test_conflicts(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    other_process = AccountStore(store.path)
    other_process.update(replace(a, client_id="someone-else"))
    before = store.path.read_bytes()
    with pytest.raises(ConflictError, match="changed"):
        store.update(replace(a, auto_refresh=True), expected=a)
    assert store.path.read_bytes() == before
    fresh = store.get("work")
    store.update(replace(fresh, auto_refresh=True), expected=fresh)  # reload + retry works
    other_process.delete(a.id)
    with pytest.raises(ConflictError, match="deleted"):
        store.update(fresh, expected=fresh)
    with pytest.raises(NoSuchAccount):
        store.update(fresh)


def test_rename_onto_a_taken_label_is_refused(store: AccountStore) -> None:
    a = store.add(make_account("a"))
    store.add(make_account("b"))
    with pytest.raises(InvalidAccount, match="already labelled"):
        store.update(replace(a, label="b"))


def test_no_plaintext_secret_anywhere(store: AccountStore, isolated_env: Path) -> None:
    access, refresh, second = "eyJ0eXAi.ACCESS-TOKEN-xyz", "0.AAAA-REFRESH-TOKEN", "Nw2~Other"
    a = store.add(make_account("work"))
    store.update(replace(a, client_secret=second + "-secret-value"))
    store.save_token_state(TokenState(a.id, "work", access, refresh, time.time() + 60))
    store.add(make_account("more", access_token=access + "2", refresh_token=refresh + "2"))
    files = all_files(isolated_env / "config", isolated_env / "state", isolated_env / "data")
    assert len(files) >= 4
    for f in files:
        data = f.read_bytes()
        for secret in (SECRET, second, access, refresh):
            assert secret.encode() not in data, f"{secret} in {f}"


def test_fresh_home_permissions(store: AccountStore, isolated_env: Path) -> None:
    a = store.add(make_account("work"))
    store.save_token_state(TokenState(a.id, "work", "AT", "RT", 1.0))
    with store.token_lock(a):
        pass
    for root in ("config", "state", "data"):
        for p in [isolated_env / root, *(isolated_env / root).rglob("*")]:
            expected = 0o700 if p.is_dir() else 0o600
            assert stat.S_IMODE(p.stat().st_mode) == expected, p


def test_passphrase_store(store: AccountStore, passphrase: str,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    a = store.add(make_account("work", access_token="AT", refresh_token="RT"))
    assert not paths.key_file().exists()
    header = tomllib.loads(store.path.read_text())["exo-oauth"]
    assert header["sealing"] == "passphrase" and "salt" in header
    assert AccountStore(store.path).get("work") == a
    before = store.path.read_bytes()
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "not it")
    for action in (lambda s: s.load(), lambda s: s.add(make_account("x")),
                   lambda s: s.update(replace(a, client_id="y")),
                   lambda s: s.save_token_state(TokenState(a.id, "work", "A", "R", 1.0))):
        with pytest.raises(SealError, match="Wrong passphrase"):
            action(AccountStore(store.path))
    assert store.path.read_bytes() == before
    assert AccountStore(store.path).labels() == ["work"]  # labels need no key


def test_replaced_key_file_is_refused_and_nothing_written(store: AccountStore) -> None:
    store.add(make_account("work"))
    before = store.path.read_bytes()
    paths.key_file().write_bytes(os.urandom(32))
    with pytest.raises(SealError, match="another key"):
        AccountStore(store.path).add(make_account("second"))
    with pytest.raises(SealError):
        AccountStore(store.path).load()
    assert store.path.read_bytes() == before


def test_lost_key_file_is_not_silently_recreated(store: AccountStore) -> None:
    store.add(make_account("work"))
    paths.key_file().unlink()
    with pytest.raises(SealError, match="missing"):
        AccountStore(store.path).add(make_account("second"))
    assert not paths.key_file().exists()


def test_tampered_client_secret(store: AccountStore) -> None:
    a = store.add(make_account("work"))
    store.add(make_account("other"))
    text = store.path.read_text()
    sealed = tomllib.loads(text)["account"][0]["client_secret"]
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    store.path.write_text(text.replace(sealed, flipped))
    with pytest.raises(SealError) as info:
        AccountStore(store.path).load()
    assert "'work'" in str(info.value) and "client_secret" in str(info.value)
    # the damaged secret can be replaced; nothing else is lost
    fixed = AccountStore(store.path)
    current = fixed.get("work", lenient=True)
    assert current.client_secret == ""
    fixed.update(replace(current, client_secret="new-secret-value"), expected=current)
    assert AccountStore(store.path).get("work") == replace(a, client_secret="new-secret-value")


def test_secrets_swapped_between_accounts_fail(store: AccountStore) -> None:
    store.add(make_account("a", client_secret="secret-of-a"))
    store.add(make_account("b", client_secret="secret-of-b"))
    text = store.path.read_text()
    raw = tomllib.loads(text)["account"]
    sa, sb = raw[0]["client_secret"], raw[1]["client_secret"]
    store.path.write_text(text.replace(sa, "@@").replace(sb, sa).replace("@@", sb))
    with pytest.raises(SealError, match="copied from another field or account"):
        AccountStore(store.path).get("a")


def test_token_swapped_into_client_secret_fails(store: AccountStore) -> None:
    a = store.add(make_account("a"))
    store.save_token_state(TokenState(a.id, "a", "AT", "RT-value", 1.0))
    token_text = token_format.token_path(store.state_dir, store.path, a.id).read_text()
    sealed_rt = tomllib.loads(token_text)["refresh_token"]
    text = store.path.read_text()
    old = tomllib.loads(text)["account"][0]["client_secret"]
    store.path.write_text(text.replace(old, sealed_rt))
    with pytest.raises(SealError):
        AccountStore(store.path).get("a")


def test_plain_text_secret_written_by_hand_is_refused(store: AccountStore) -> None:
    store.add(make_account("a"))
    text = store.path.read_text()
    old = tomllib.loads(text)["account"][0]["client_secret"]
    store.path.write_text(text.replace(old, "hunter2"))
    with pytest.raises(SealError, match="plain text"):
        AccountStore(store.path).load()


@pytest.mark.parametrize(("content", "error", "needle"), [
    (b'[[account]]\nlabel = "a\n', ParseError, "line 2, column"),
    (b"[exo-oauth]\nschema = 99\n", StoreError, "newer exo-oauth"),
    (b"[exo-oauth]\nschema = 'one'\n", StoreError, "whole number"),
    (b"exo-oauth = 3\n", StoreError, "table"),
    (b"account = 3\n", StoreError, "[[account]]"),
    (b"[[account]]\nlabel = 5\n", StoreError, "label must be text"),
    (b"[[account]]\nlabel = 'a'\nauto_refresh = 'yes'\n", StoreError, "true or false"),
    (b"[[account]]\nlabel = 'a'\ntoken_params = ['scope']\n", StoreError, "rows"),
    (b"[[account]]\nid = 'x'\nlabel = 'a'\n[[account]]\nid = 'x'\nlabel = 'b'\n",
     StoreError, "share the id"),
    (b"\xff\xfe", ParseError, "UTF-8"),
])
def test_unusable_files_are_never_written(store: AccountStore, content: bytes,
                                          error: type[Exception], needle: str) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(content)
    for action in (lambda: store.load(), lambda: store.add(make_account("new")),
                   lambda: store.delete("x")):
        with pytest.raises(error, match=None) as info:
            action()
        assert needle in str(info.value)
        assert info.value.exit_code == 6  # type: ignore[attr-defined]
    assert store.path.read_bytes() == content


def test_unreadable_file(store: AccountStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.path.mkdir(parents=True)  # a folder where the file should be: cannot be read
    with pytest.raises(StoreError, match="Cannot read the account file"):
        store.load()
    with pytest.raises(StoreError):
        store.add(make_account("x"))


def test_stale_temp_files_are_cleaned_on_the_next_save(store: AccountStore) -> None:
    store.add(make_account("a"))
    stale = store.path.with_name(f".{store.path.name}.deadbeef0000.tmp")
    stale.write_text("half a file")
    store.add(make_account("b"))
    assert not stale.exists()


def test_hand_written_file_without_header_or_ids(store: AccountStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        "# mine\n[[account]]\nlabel = \"hand\"\nclient_id = \"abc\"\nclient_type = \"public\"\n"
        "authorize_url = \"https://login.microsoftonline.com/common/oauth2/v2.0/authorize\"\n"
        "token_url = \"https://login.microsoftonline.com/common/oauth2/v2.0/token\"\n")
    hand = store.get("hand")
    assert hand.id == store.id_of("hand") and hand.token_params[0].name == "scope"
    store.update(replace(hand, auto_refresh=True))
    text = store.path.read_text()
    assert text.startswith("# mine\n")
    raw = tomllib.loads(text)
    assert raw["exo-oauth"]["schema"] == 1 and raw["account"][0]["id"] == hand.id
    assert "token_params" not in raw["account"][0]  # defaults stay implicit
    assert store.get("hand") == replace(hand, auto_refresh=True)


def test_the_app_only_flow_round_trips(store: AccountStore) -> None:
    account = store.add(make_account("app", flow="app",
                                     token_params=(ParamRow("scope", APP_SCOPE),)))
    assert store.get("app") == account
    text = store.path.read_text()
    store.path.write_text(text.replace("flow = 'app'\n", ""))  # hand-written, no flow line
    assert store.get("app").flow == "delegated"
