"""The checks that need no network: configuration rules, the key, file permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import SECRET, make_account
from tui.core import paths
from tui.core.doctor.diagnose import FAIL, PASS, WARN, check_config, check_permissions, open_account
from tui.core.model import ParamRow
from tui.core.store.account_store import AccountStore
from tui.core.store.token_format import token_path

from .helpers import make_jwt

# -- configuration -------------------------------------------------------------------------


def test_a_good_account_passes_every_rule() -> None:
    assert [(c.name, c.status) for c in check_config(make_account(), [])] == [("config", PASS)]


def test_errors_fail_and_warnings_warn_each_with_the_catalog_fix() -> None:
    bad = make_account(client_id="not-a-guid", token_params=(ParamRow("", "x"),),
                  authorize_url="https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/"
                                "authorize")
    checks = {c.name: c for c in check_config(bad, ["other"])}
    placeholder = checks["config authorize_url"]
    assert placeholder.status == FAIL and placeholder.entry == "config.tenant_placeholder"
    assert "--tenant TENANT-ID" in placeholder.fix
    guid = checks["config client_id"]
    assert guid.status == WARN and guid.entry == "config.client_id_not_guid"
    assert "exo-oauth edit work --client-id" in guid.fix  # LABEL is filled in
    assert checks["config token_params[0].name"].status == FAIL
    assert check_config(make_account(), ["work"])[0].entry == "config.label_taken"


# -- the key or passphrase ---------------------------------------------------------------------


def test_key_file_opens_the_secrets(store: AccountStore) -> None:
    store.add(make_account(access_token=make_jwt(), refresh_token="rt-value",
                      access_token_expires_at=2e9))
    acct, opened, check = open_account(store, "work")
    assert opened and check.status == PASS and acct.client_secret == SECRET
    assert str(paths.key_file()) in check.detail
    assert "client secret and tokens" in check.detail


def test_passphrase_opens_the_secrets(store: AccountStore, cheap_scrypt: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "correct horse battery staple")
    store.add(make_account())
    _, opened, check = open_account(store, "work")
    assert opened and check.status == PASS
    assert "EXO_OAUTH_PASSPHRASE" in check.detail and "staple" not in check.detail


def test_nothing_sealed_needs_no_key(config: Path) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('[[account]]\nlabel = "pub"\nclient_id = "x"\nclient_type = "public"\n')
    _, opened, check = open_account(AccountStore(config), "pub")
    assert opened and check.status == PASS and "nothing is sealed" in check.detail


def test_wrong_passphrase_fails_with_the_fix_and_config_still_loads(
        store: AccountStore, cheap_scrypt: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "the right one")
    store.add(make_account())
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "a wrong one")
    acct, opened, check = open_account(AccountStore(store.path), "work")
    assert not opened and check.status == FAIL and check.entry == "local.wrong_key"
    assert "Wrong passphrase" in check.detail and "EXO_OAUTH_PASSPHRASE" in check.fix
    assert acct.label == "work" and acct.client_secret.startswith("enc:v1:")  # still sealed
    assert "a wrong one" not in check.detail + check.fix


def test_another_key_file_fails(store: AccountStore) -> None:
    store.add(make_account())
    paths.key_file().write_bytes(os.urandom(32))
    _, opened, check = open_account(AccountStore(store.path), "work")
    assert not opened and check.status == FAIL and check.entry == "local.wrong_key"
    assert "sealed with another key" in check.detail


def test_missing_key_file_fails(store: AccountStore) -> None:
    store.add(make_account())
    paths.key_file().unlink()
    _, opened, check = open_account(AccountStore(store.path), "work")
    assert not opened and check.status == FAIL and check.entry == "local.key_missing"
    assert "EXO_OAUTH_KEY_FILE" in check.fix


# -- permissions --------------------------------------------------------------------------------


def test_files_made_by_exo_oauth_pass(store: AccountStore) -> None:
    acct = store.add(make_account(access_token=make_jwt(), access_token_expires_at=2e9))
    assert token_path(store.state_dir, store.path, acct.id).exists()
    check = check_permissions(store, acct)
    assert check.status == PASS, check.detail


def test_readable_files_and_folders_fail_with_the_chmod(store: AccountStore) -> None:
    acct = store.add(make_account(access_token=make_jwt(), access_token_expires_at=2e9))
    token_file = token_path(store.state_dir, store.path, acct.id)
    store.path.chmod(0o644)
    token_file.parent.chmod(0o750)
    paths.key_file().chmod(0o640)
    check = check_permissions(store, acct)
    assert check.status == FAIL and check.entry == "local.permission"
    assert f"{store.path} is 0644: group and others can get at it" in check.detail
    assert f"chmod 600 {store.path}" in check.fix
    assert f"chmod 700 {token_file.parent}" in check.fix
    assert f"chmod 600 {paths.key_file()}" in check.fix
    assert f"{paths.key_file()} is 0640: its group can get at it" in check.detail


def test_a_shared_folder_holding_the_account_file_is_only_checked_for_writers(
        tmp_path: Path) -> None:
    shared = tmp_path / "srv"
    shared.mkdir()
    store = AccountStore(shared / "accounts.toml")
    acct = store.add(make_account())
    shared.chmod(0o755)  # readable by all: fine for a folder exo-oauth does not own
    assert check_permissions(store, acct).status == PASS
    shared.chmod(0o777)
    check = check_permissions(store, acct)
    assert check.status == FAIL and f"chmod go-w {shared}" in check.fix


def test_a_damaged_token_file_fails_the_secrets_check(store: AccountStore) -> None:
    added = store.add(make_account(access_token=make_jwt(), access_token_expires_at=2e9))
    token_path(store.state_dir, store.path, added.id).write_text("schema = 99\n")
    acct, opened, check = open_account(AccountStore(store.path), "work")
    assert not opened and check.status == FAIL and "has schema 99" in check.detail
    assert check.entry and acct.label == "work"
