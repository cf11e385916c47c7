"""`exo-oauth add|edit|delete|list|show|validate`: options, output, masking, exit codes."""

from __future__ import annotations

import io
import json
import os
import stat
import time
import tomllib
from pathlib import Path

import pytest

from tests.helpers import (
    GUID,
    SECRET,
    TENANT,
    fake_account,
    make_account,
    run,
    run_process,
)
from tui.cli import main
from tui.core import paths
from tui.core.model import GRAPH_SCOPES, ParamRow, TokenState
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP

ADD = ["add", "work", "--client-id", GUID, "--tenant", TENANT]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", SECRET)
    return SECRET


def raw_accounts() -> list[dict[str, object]]:
    return tomllib.loads(paths.config_path().read_text())["account"]


def test_add_fills_urls_from_tenant_and_cloud(capsys: pytest.CaptureFixture[str],
                                              secret_env: str) -> None:
    code, out, _ = cli(capsys, *ADD)
    assert code == 0 and "Added account 'work'" in out
    code, _, _ = cli(capsys, "add", "gov", "--client-id", GUID, "--tenant", TENANT,
                     "--cloud", "usgov", "--client-auth", "basic", "--auto-refresh",
                     "--redirect-uri", "http://localhost:9000")
    assert code == 0
    work, gov = AccountStore(paths.config_path()).load()
    assert work.authorize_url == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    assert work.token_url.endswith(f"/{TENANT}/oauth2/v2.0/token")
    assert work.client_secret == SECRET and not work.auto_refresh
    assert gov.token_url == f"https://login.microsoftonline.us/{TENANT}/oauth2/v2.0/token"
    assert gov.client_auth == "basic" and gov.auto_refresh
    assert gov.redirect_uri == "http://localhost:9000"
    assert work.auth_params[0].value == GRAPH_SCOPES


def test_add_with_explicit_urls_and_param_rows(capsys: pytest.CaptureFixture[str],
                                               secret_env: str) -> None:
    code, _, _ = cli(capsys, "add", "x", "--client-id", GUID,
                     "--authorize-url", "https://idp.example.org/authorize",
                     "--token-url", "https://idp.example.org/token",
                     "--auth-param", "scope=openid offline_access",
                     "--auth-param", "prompt=select_account",
                     "--token-param", "resource=a=b")
    assert code == 0
    raw = raw_accounts()[0]
    assert raw["auth_params"] == [{"name": "scope", "value": "openid offline_access"},
                                  {"name": "prompt", "value": "select_account"}]
    assert raw["token_params"] == [{"name": "resource", "value": "a=b"}]


def test_secret_from_stdin(capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin-secret\n"))
    assert cli(capsys, *ADD, "--client-secret-stdin")[0] == 0
    assert AccountStore(paths.config_path()).get("work").client_secret == "from-stdin-secret"


def test_secret_on_argv_is_refused_without_echo(capsys: pytest.CaptureFixture[str]) -> None:
    for form in (["--client-secret", "hunter2-secret"], ["--client-secret=hunter2-secret"]):
        code, out, err = cli(capsys, *ADD, *form)
        assert code == 2
        assert "EXO_OAUTH_CLIENT_SECRET" in err and "hunter2" not in out + err
    assert not paths.config_path().exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["--tenant", "not a tenant!"], "is not a tenant"),
    (["--cloud", "usgov"], "--cloud needs --tenant"),
    (["--tenant", TENANT, "--token-url", "https://x/token"], "not both"),
    (["--auth-param", "noequals"], "NAME=VALUE"),
    (["--token-url", "ftp://x/token"], "token_url"),
])
def test_add_usage_errors(capsys: pytest.CaptureFixture[str], secret_env: str,
                          args: list[str], needle: str) -> None:
    code, _, err = cli(capsys, "add", "x", "--client-id", GUID, *args)
    assert code == 2 and needle in err
    assert "Traceback" not in err


def test_confidential_without_secret_and_public_without(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code, _, err = cli(capsys, *ADD)
    assert code == 2 and "client_secret" in err
    code, _, err = cli(capsys, "add", "pub", "--client-id", GUID, "--tenant", "common",
                       "--client-type", "public")
    assert code == 0
    assert raw_accounts()[0]["client_secret"] == ""


def test_duplicate_label(capsys: pytest.CaptureFixture[str], secret_env: str) -> None:
    cli(capsys, *ADD)
    before = paths.config_path().read_bytes()
    code, _, err = cli(capsys, *ADD)
    assert code == 2 and "already labelled" in err
    assert paths.config_path().read_bytes() == before


def test_list_table_and_json(capsys: pytest.CaptureFixture[str], secret_env: str) -> None:
    code, out, _ = cli(capsys, "list")
    assert code == 0 and "No accounts" in out
    assert cli(capsys, "list", "--json")[1].strip() == "[]"
    cli(capsys, *ADD)
    cli(capsys, "add", "pub", "--client-id", "abc", "--client-type", "public",
        "--auto-refresh")
    store = AccountStore(paths.config_path())
    work = store.get("work")
    store.save_token_state(TokenState(work.id, "work", "A" * 50, "R" * 50,
                                      time.time() + 3000))
    code, out, _ = cli(capsys, "list")
    lines = out.splitlines()
    assert lines[0].split() == ["LABEL", "TENANT", "CLIENT", "ID", "TYPE", "TOKEN",
                                "AUTO-REFRESH"]
    assert lines[1].split()[:5] == ["work", TENANT, GUID, "confidential", "valid"]
    assert lines[2].split() == ["pub", "<tenant-id>", "abc", "public", "none", "on"]
    assert SECRET not in out and "AAAA" not in out
    data = json.loads(cli(capsys, "list", "--json")[1])
    assert [d["label"] for d in data] == ["work", "pub"]
    assert data[0]["token"]["status"] == "valid" and data[0]["token"]["has_refresh_token"]
    assert 2900 < data[0]["token"]["expires_in"] <= 3000
    assert SECRET not in json.dumps(data) and "A" * 10 not in json.dumps(data)


def test_show_masks_secrets_and_tokens(capsys: pytest.CaptureFixture[str],
                                       secret_env: str) -> None:
    cli(capsys, *ADD)
    store = AccountStore(paths.config_path())
    work = store.get("work")
    access, refresh = "eyJ0eXAiOiJKV1Qi" + "x" * 100, "0.ARoAv4j5cvGGr0" + "y" * 80
    store.save_token_state(TokenState(work.id, "work", access, refresh, time.time() - 10,
                                      last_error="AADSTS70008: expired"))
    code, out, _ = cli(capsys, "show", "work")
    assert code == 0
    assert f"{SECRET[:4]}… ({len(SECRET)} chars)" in out
    assert f"eyJ0… ({len(access)} chars)" in out and f"0.AR… ({len(refresh)} chars)" in out
    assert "expired, refreshable" in out and "AADSTS70008" in out
    for secret in (SECRET, access, refresh):
        assert secret[:8] not in out
    data = json.loads(cli(capsys, "show", "work", "--json")[1])
    assert data["client_secret"] == f"{SECRET[:4]}… ({len(SECRET)} chars)"
    assert data["token"]["status"] == "expired" and data["token"]["access_token"].startswith(
        "eyJ0…")
    text = json.dumps(data, ensure_ascii=False)
    for secret in (SECRET, access, refresh):
        assert secret[:8] not in text


def test_short_secrets_show_only_their_length(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", "tiny-secret")
    cli(capsys, *ADD)
    out = cli(capsys, "show", "work")[1]
    assert "… (11 chars)" in out and "tiny" not in out


def test_edit_rename_and_flags(capsys: pytest.CaptureFixture[str], secret_env: str,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    cli(capsys, *ADD, "--auto-refresh")
    store = AccountStore(paths.config_path())
    work = store.get("work")
    store.save_token_state(TokenState(work.id, "work", "AT", "RT", 1.0))
    monkeypatch.delenv("EXO_OAUTH_CLIENT_SECRET")
    code, out, _ = cli(capsys, "edit", "work", "--rename", "mail", "--no-auto-refresh",
                       "--cloud", "china", "--token-param", "scope=Mail.Read")
    assert code == 0 and "Renamed 'work' to 'mail'" in out
    mail = AccountStore(paths.config_path()).get("mail")
    assert mail.id == work.id and not mail.auto_refresh
    assert mail.token_url == f"https://login.chinacloudapi.cn/{TENANT}/oauth2/v2.0/token"
    assert [(r.name, r.value) for r in mail.token_params] == [("scope", "Mail.Read")]
    assert mail.auth_params == work.auth_params and mail.client_secret == SECRET
    assert mail.refresh_token == "RT"  # tokens followed the rename
    code, out, _ = cli(capsys, "edit", "mail")
    assert code == 0 and "Nothing to change" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("rotated-secret-value-123\n"))
    assert cli(capsys, "edit", "mail", "--client-secret-stdin")[0] == 0
    assert AccountStore(paths.config_path()).get("mail").client_secret == (
        "rotated-secret-value-123")
    code, _, err = cli(capsys, "edit", "nope", "--auto-refresh")
    assert code == 3 and "exo-oauth list" in err


def test_edit_to_public_and_clear_secret(capsys: pytest.CaptureFixture[str],
                                         secret_env: str, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    cli(capsys, *ADD)
    monkeypatch.delenv("EXO_OAUTH_CLIENT_SECRET")
    code, _, err = cli(capsys, "edit", "work", "--client-type", "public")
    assert code == 0 and "public client must not send a secret" in err
    assert cli(capsys, "edit", "work", "--clear-secret")[0] == 0
    assert raw_accounts()[0]["client_secret"] == ""


def test_delete_needs_yes(capsys: pytest.CaptureFixture[str], secret_env: str) -> None:
    cli(capsys, *ADD)
    before = paths.config_path().read_bytes()
    code, _, err = cli(capsys, "delete", "work")
    assert code == 2 and "--yes" in err
    assert paths.config_path().read_bytes() == before
    code, out, _ = cli(capsys, "delete", "work", "--yes")
    assert code == 0 and "Deleted" in out
    assert AccountStore(paths.config_path()).labels() == []
    assert cli(capsys, "delete", "work", "--yes")[0] == 3


def test_validate(capsys: pytest.CaptureFixture[str], secret_env: str) -> None:
    assert cli(capsys, "validate")[0] == 0
    cli(capsys, *ADD)
    code, out, _ = cli(capsys, "validate")
    assert code == 0 and "work: ok" in out
    cli(capsys, "add", "draft", "--client-id", "not-a-guid")
    code, out, _ = cli(capsys, "validate")
    assert code == 2
    assert "draft: 2 errors, 1 warning" in out and "<tenant-id>" in out
    assert cli(capsys, "validate", "work")[0] == 0
    assert cli(capsys, "validate", "draft", "--purpose", "save")[0] == 0
    data = json.loads(cli(capsys, "validate", "--json")[1])
    rules = {i["rule"] for i in data[1]["issues"]}
    assert {"config.tenant_placeholder", "config.client_id_not_guid"} <= rules
    assert cli(capsys, "validate", "missing")[0] == 3


def test_a_person_can_break_the_file_and_we_say_where(capsys: pytest.CaptureFixture[str],
                                                      secret_env: str) -> None:
    cli(capsys, *ADD)
    cfg = paths.config_path()
    broken = cfg.read_bytes().replace(b"label = 'work'", b"label = 'work")
    cfg.write_bytes(broken)
    for args in (["list"], ["list", "--json"], ["show", "work"], ["validate"],
                 [*ADD[:1], "second", *ADD[2:]], ["edit", "work", "--auto-refresh"],
                 ["delete", "work", "--yes"]):
        code, _, err = cli(capsys, *args)
        assert code == 6, args
        assert f"{cfg}, line " in err and "column" in err and "Traceback" not in err
    assert cfg.read_bytes() == broken


def test_unknown_schema_unreadable_and_wrong_passphrase(capsys: pytest.CaptureFixture[str],
                                                        secret_env: str, passphrase: str,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    cli(capsys, *ADD)
    cfg = paths.config_path()
    original = cfg.read_bytes()
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "wrong passphrase")
    code, out, _ = cli(capsys, "list")  # a list opens no sealed value, so needs no key
    assert code == 0 and "work" in out
    for args in (["show", "work"], [*ADD[:1], "x", *ADD[2:]],
                 ["edit", "work", "--auto-refresh"], ["validate"], ["delete", "work", "--yes"]):
        code, _, err = cli(capsys, *args)
        assert code == 6 and "Wrong passphrase" in err, args
    assert cfg.read_bytes() == original
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", passphrase)
    newer = original.replace(b"schema = 1", b"schema = 7")
    cfg.write_bytes(newer)
    for args in (["list"], ["edit", "work", "--auto-refresh"]):
        code, _, err = cli(capsys, *args)
        assert code == 6 and "schema 7" in err
    assert cfg.read_bytes() == newer
    real_open = os.open

    def denied(path: object, *args: object, **kw: object) -> int:
        if os.fspath(path) == str(cfg):  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    for args in (["list"], ["edit", "work", "--auto-refresh"]):
        code, _, err = cli(capsys, *args)
        assert code == 6 and "Permission denied" in err
    monkeypatch.undo()
    assert cfg.read_bytes() == newer


def test_subprocess_exit_codes_and_fresh_home_permissions(isolated_env: Path) -> None:
    done = run_process(*ADD, EXO_OAUTH_CLIENT_SECRET=SECRET)
    assert done.returncode == 0, done.stderr
    for root in ("config", "state", "data"):
        for p in [isolated_env / root, *(isolated_env / root).rglob("*")]:
            assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    assert (isolated_env / "data" / "exo-oauth" / "key").exists()
    done = run_process("--config", str(isolated_env / "nope" / "x.toml"), "show", "work")
    assert done.returncode == 3 and done.stderr.startswith("exo-oauth: ")
    folder_cfg = isolated_env / "folder.toml"
    folder_cfg.mkdir()
    done = run_process("--config", str(folder_cfg), "list")
    assert done.returncode == 6 and "Traceback" not in done.stderr
    done = run_process("show", "work", stdin="")
    assert done.returncode == 0 and SECRET not in done.stdout


def test_config_from_environment(capsys: pytest.CaptureFixture[str], secret_env: str,
                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_CONFIG", str(tmp_path / "elsewhere.toml"))
    cli(capsys, *ADD)
    assert (tmp_path / "elsewhere.toml").exists()
    assert cli(capsys, "--config", str(tmp_path / "third.toml"), "list", "--json")[1].strip() \
        == "[]"


def test_store_written_by_api_shows_in_cli(capsys: pytest.CaptureFixture[str]) -> None:
    AccountStore(paths.config_path()).add(make_account("api"))
    assert "api" in cli(capsys, "list")[1]


def test_edit_to_app_only_rewrites_delegated_scopes_like_the_form(
        idp: FakeIdP, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    imap = ("https://outlook.office.com/IMAP.AccessAsUser.All "
            "https://outlook.office.com/SMTP.Send offline_access")
    store.add(fake_account(idp, "mailer", token_params=(ParamRow("scope", imap),)))
    store.add(fake_account(idp, "custom", token_params=(ParamRow("scope", "api://x/y"),)))
    capsys.readouterr()
    assert run(config, "edit", "mailer", "--flow", "app") == 0
    assert store.get("mailer").token_params == (
        ParamRow("scope", "https://outlook.office365.com/.default"),)
    err = capsys.readouterr().err
    assert "https://outlook.office365.com/.default" in err and "IMAP.AccessAsUser.All" in err
    # another API's scope is left alone for the checks to explain
    run(config, "edit", "custom", "--flow", "app")
    assert store.get("custom").token_params == (ParamRow("scope", "api://x/y"),)
    assert ".default" in capsys.readouterr().err
