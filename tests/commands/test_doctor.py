"""`exo-oauth doctor` end to end (in-process cli.main): lines, exit codes, JSON, no secrets."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.core.doctor.helpers import make_jwt, outlook_rows
from tests.core.doctor.servers import HOST, Cert, MailLog, date_server, imap_server, smtp_server
from tests.helpers import SECRET, fake_account, loaded_after, make_account, run, signed_in
from tui import cli
from tui.core.model import GRAPH_SCOPES, ParamRow
from tui.core.store.account_store import AccountStore
from tui.core.xoauth2 import xoauth2_text
from tui.fakeidp import DEMO_CLIENT_SECRET, DEMO_USER_UPN, FakeIdP

GRAPH_SCP = " ".join(s for s in GRAPH_SCOPES.split() if s != "offline_access")


def doctor(config: Path, *args: str) -> int:
    return run(config, "doctor", *args)


def lines(out: str) -> list[tuple[str, str]]:
    """(STATUS, check name) of every check line."""
    found = []
    for line in out.splitlines():
        m = re.match(r"^(PASS|WARN|FAIL)  (\S+(?: \S+)?)", line)
        if m:
            found.append((m.group(1), m.group(2).strip()))
    return found


def assert_no_secrets(text: str, store: AccountStore, label: str = "work",
                      extra: tuple[str, ...] = ()) -> None:
    state = store.token_state(store.get(label))
    tokens = [t for t in (state.access_token, state.refresh_token) if t]
    forms = [*tokens, DEMO_CLIENT_SECRET, SECRET, *extra,
             *(base64.b64encode(xoauth2_text(DEMO_USER_UPN, t).encode()).decode() for t in tokens)]
    leaked = [f[:12] + "..." for f in forms if f and f in text]
    assert not leaked, f"secrets in doctor output: {leaked}"


def test_healthy_fake_account_passes_every_check(idp: FakeIdP, store: AccountStore,
                                                 config: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store)
    assert doctor(config, "work") == 0
    out = capsys.readouterr().out
    port = idp.token_url().split(":")[2].split("/")[0]
    assert lines(out) == [("PASS", "config"), ("PASS", "secrets"), ("PASS", "permissions"),
                          ("PASS", "dns 127.0.0.1"), ("PASS", f"tls 127.0.0.1:{port}"),
                          ("PASS", "clock"), ("PASS", "token"), ("PASS", "token contents")]
    assert "TLS is not used" in out and "8 passed, 0 warnings, 0 failed" in out
    assert_no_secrets(out, store)


def test_real_xoauth2_logins_accepted(idp: FakeIdP, store: AccountStore, config: Path,
                                      cert: Cert, capsys: pytest.CaptureFixture[str]) -> None:
    acct = signed_in(idp, store, **outlook_rows())
    log = MailLog(accept={acct.access_token})
    with imap_server(cert.server_context(), log) as imap, \
            smtp_server(cert.server_context(), log) as smtp:
        code = doctor(config, "work", "--imap", f"{HOST}:{imap}", "--smtp", f"{HOST}:{smtp}",
                      "--cafile", str(cert.cert))
    out = capsys.readouterr().out
    assert code == 0, out
    assert ("PASS", f"imap {HOST}:{imap}") in lines(out)
    assert ("PASS", f"smtp {HOST}:{smtp}") in lines(out)
    assert "audience https://outlook.office.com" in out
    assert "OK AUTHENTICATE completed." in out and "235 2.7.0" in out
    assert log.logins == [(DEMO_USER_UPN, acct.access_token)] * 2
    assert_no_secrets(out, store)


def test_graph_token_for_mail_fails_and_servers_refuse(idp: FakeIdP, store: AccountStore,
                                                       config: Path, cert: Cert,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    signed_in(idp, store)
    log = MailLog(accept={"some-other-token"}, refusal="NO AUTHENTICATE failed for TOKEN")
    with imap_server(cert.server_context(), log) as imap, \
            smtp_server(cert.server_context(), log) as smtp:
        code = doctor(config, "work", "--imap", f"{HOST}:{imap}", "--smtp", f"{HOST}:{smtp}",
                      "--cafile", str(cert.cert), "--user", "shared@contoso.example")
    out = capsys.readouterr().out
    assert code == 1
    found = dict((name, status) for status, name in lines(out))
    assert found["token contents"] == "FAIL"
    assert found[f"imap {HOST}:{imap}"] == "FAIL" and found[f"smtp {HOST}:{smtp}"] == "FAIL"
    assert "login as shared@contoso.example: NO AUTHENTICATE failed for [redacted]" in out
    assert "535 5.7.3 Authentication unsuccessful" in out
    assert "more: exo-oauth troubleshoot seed.authentication_failed" in out
    token = store.token_state(store.get("work")).access_token
    assert_no_secrets(out, store, extra=(base64.b64encode(
        xoauth2_text("shared@contoso.example", token).encode()).decode(),))


def https_account(store: AccountStore, base: str) -> None:
    store.add(make_account(token_url=f"{base}/t/oauth2/v2.0/token",
                      authorize_url=f"{base}/t/oauth2/v2.0/authorize",
                      access_token=make_jwt(scp=GRAPH_SCP), refresh_token="rt-" + "x" * 60,
                      access_token_expires_at=time.time() + 3600))


def test_https_identity_provider_trusted_with_cafile(store: AccountStore, config: Path,
                                                     cert: Cert,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with date_server(lambda: formatdate(time.time(), usegmt=True),
                     cert.server_context()) as base:
        https_account(store, base)
        port = base.rsplit(":", 1)[1]
        assert doctor(config, "work", "--cafile", str(cert.cert)) == 0
        trusted = capsys.readouterr().out
        assert doctor(config, "work") == 1
        default = capsys.readouterr().out
    assert ("PASS", f"tls 127.0.0.1:{port}") in lines(trusted)
    assert ("PASS", "clock") in lines(trusted) and "certificate for localhost" in trusted
    assert ("FAIL", f"tls 127.0.0.1:{port}") in lines(default)
    assert "certificate verify failed: self-signed certificate" in default
    assert ("WARN", "clock") in lines(default)
    for out in (trusted, default):
        assert_no_secrets(out, store)


def test_a_skewed_clock_fails_the_run(store: AccountStore, config: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with date_server(lambda: formatdate(time.time() + 10 * 60, usegmt=True)) as base:
        https_account(store, base)
        assert doctor(config, "work") == 1
    out = capsys.readouterr().out
    assert ("FAIL", "clock") in lines(out)
    assert "clock is 10 min behind 127.0.0.1's" in out and "timedatectl" in out


def test_json_output(idp: FakeIdP, store: AccountStore, config: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    rows = (ParamRow("scope", GRAPH_SCOPES), ParamRow("scope", GRAPH_SCOPES))
    signed_in(idp, store, token_params=rows)
    assert doctor(config, "work", "--json") == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["label"] == "work" and data["ok"] is True
    assert data["summary"] == {"pass": 7, "warn": 1, "fail": 0}  # no "config" pass line
    warn = next(c for c in data["checks"] if c["status"] == "warn")
    assert warn["name"] == "config token_params[1].name"
    assert warn["entry"] == "config.row_duplicate"
    assert set(warn) == {"name", "status", "detail", "fix", "entry"}
    assert_no_secrets(out, store)


def test_wrong_passphrase_is_reported_and_never_printed(
        idp: FakeIdP, store: AccountStore, config: Path, cheap_scrypt: None,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "the-real-passphrase")
    signed_in(idp, store)
    state = store.token_state(store.get("work"))
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "a-wrong-passphrase")
    assert doctor(config, "work", "--imap", "127.0.0.1:1") == 1
    out = capsys.readouterr().out
    found = dict((name, status) for status, name in lines(out))
    assert found["secrets"] == "FAIL" and found["config"] == "PASS"
    assert found["token"] == "WARN" and "not checked" in out
    assert "Wrong passphrase" in out and "more: exo-oauth troubleshoot local.wrong_key" in out
    for secret in ("a-wrong-passphrase", "the-real-passphrase", state.access_token,
                   state.refresh_token, DEMO_CLIENT_SECRET):
        assert secret not in out


def test_permission_problem_exits_1_with_the_chmod(idp: FakeIdP, store: AccountStore,
                                                   config: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store)
    os.chmod(config, 0o644)
    assert doctor(config, "work") == 1
    out = capsys.readouterr().out
    assert ("FAIL", "permissions") in lines(out) and f"fix: chmod 600 {config}" in out


def test_exit_codes_for_usage_and_missing_accounts(idp: FakeIdP, store: AccountStore,
                                                   config: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    store.add(fake_account(idp))
    assert doctor(config, "nobody") == 3
    assert doctor(config, "work", "--imap", "host:99999") == 2
    assert doctor(config, "work", "--timeout", "0") == 2
    assert doctor(config, "work", "--user", "not-an-address") == 2
    assert doctor(config, "work", "--cafile", str(config.parent / "missing.pem")) == 2
    err = capsys.readouterr().err
    assert "No account is labelled 'nobody'" in err and "HOST or HOST:PORT" in err
    config.write_text("[[account]\nlabel = 'work'\n")
    assert doctor(config, "work") == 6
    assert "line 1" in capsys.readouterr().err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["doctor", "--help"])
    out = capsys.readouterr().out
    assert "0  no check failed (warnings allowed)" in out
    assert "1  at least one check failed" in out and "--cafile FILE" in out


def test_registering_the_command_imports_nothing_heavy() -> None:
    loaded = {m.split(".")[0] for m in loaded_after(
        "import argparse, tui.commands.doctor as d\n"
        "d.register(argparse.ArgumentParser().add_subparsers())")}
    assert not loaded & {"textual", "httpx", "tomlkit", "imaplib", "smtplib"}
