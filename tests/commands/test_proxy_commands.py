"""`edit --proxy-user`, `proxy-password`, `show`, `status` and `service --print-unit --proxy`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.helpers import fake_account
from tui.cli import main
from tui.core.proxy.passwords import verify_password
from tui.core.store.account_store import AccountStore
from tui.fakeidp import FakeIdP


@pytest.fixture
def account(store: AccountStore) -> str:
    with FakeIdP() as idp:  # only for its URLs; nothing is signed in here
        store.add(fake_account(idp, label="scan"))
    return "scan"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_proxy_users_are_added_and_removed(account: str, store: AccountStore,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "edit", account, "--proxy-user", "scanner@contoso.com",
                     "--proxy-user", "*@fabrikam.com", "--proxy-user", "SCANNER@contoso.com")
    assert code == 0
    assert store.get(account).proxy_users == ("scanner@contoso.com", "*@fabrikam.com")
    code, _, err = run(capsys, "edit", account, "--no-proxy-user", "Scanner@Contoso.com")
    assert code == 0 and "no proxy password yet" in err
    assert store.get(account).proxy_users == ("*@fabrikam.com",)
    code, _, err = run(capsys, "edit", account, "--no-proxy-user", "nobody@contoso.com")
    assert code == 2 and "is not a proxy user of 'scan'" in err
    code, _, err = run(capsys, "edit", account, "--proxy-user", "contoso.com")
    assert code == 2 and "is not a mailbox address" in err
    assert store.get(account).proxy_users == ("*@fabrikam.com",)


def test_proxy_password_is_printed_once_and_stored_as_a_hash(
        account: str, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "edit", account, "--proxy-user", "scanner@contoso.com")
    code, out, err = run(capsys, "proxy-password", account)
    password = out.strip()
    assert code == 0 and len(password) >= 20 and out.count("\n") == 1
    assert "shown only this once" in err and "scanner@contoso.com" in err
    stored = store.get(account).proxy_password_hash
    assert verify_password(password, stored)
    assert password not in config.read_text()
    # --stdin: the person's own password; nothing is printed on stdout
    monkeypatch.setattr("sys.stdin", io.StringIO("my own long password\n"))
    code, out, _ = run(capsys, "proxy-password", account, "--stdin")
    assert code == 0 and out == ""
    again = store.get(account).proxy_password_hash
    assert verify_password("my own long password", again) and not verify_password(password,
                                                                                   again)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "proxy-password", account, "--stdin")
    assert code == 2 and "at least 12 characters" in err
    assert store.get(account).proxy_password_hash == again
    code, _, _ = run(capsys, "proxy-password", "missing")
    assert code == 3


def test_show_and_status_tell_whether_the_proxy_can_serve_an_account(
        account: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "status")
    assert "PROXY" not in out  # no account uses the proxy: no column
    run(capsys, "edit", account, "--proxy-user", "scanner@contoso.com")
    _, out, _ = run(capsys, "status")
    assert out.splitlines()[0].split()[-2:] == ["PROXY", "PROBLEM"]
    assert "1 user, no password" in out
    run(capsys, "proxy-password", account)
    _, out, _ = run(capsys, "status", "--json")
    row = json.loads(out)["accounts"][0]
    assert row["proxy_users"] == ["scanner@contoso.com"] and row["proxy_password"] is True
    _, out, _ = run(capsys, "show", account)
    assert "proxy users:     scanner@contoso.com" in out
    assert "proxy password:  set (stored as a hash)" in out
    _, out, _ = run(capsys, "show", account, "--json")
    assert "scrypt" not in out and json.loads(out)["proxy_password"] is True


def test_service_prints_a_unit_for_the_proxy(config: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "service", "--print-unit", "--proxy")
    assert code == 0
    exec_start = next(line for line in out.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith(f"--config {config.resolve()} proxy")
    assert "SyslogIdentifier=exo-oauth-proxy" in out and "refresh" not in exec_start
    code, _, err = run(capsys, "service", "--print-unit", "--proxy", "--keep-alive-days", "3")
    assert code == 2 and "proxy unit takes none" in err


@pytest.mark.parametrize(("args", "says"), [
    (("--listen", "0.0.0.0"), "needs --local-cert and --local-key"),
    (("--listen", "192.0.2.10", "--local-cert", "c.pem"), "go together"),
    (("--imap-port", "70000"), "between 1 and 65535"),
    (("--no-imap", "--no-pop", "--no-smtp"), "Every listener is turned off"),
    (("--upstream-smtp", "smtp.office365.com"), "give HOST:PORT"),
    (("--smtp-port", "2000", "--pop-port", "2000"), "same port"),
])
def test_proxy_options_that_cannot_work_exit_2(args: tuple[str, ...], says: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "proxy", *args)
    assert code == 2 and says in err and out == ""


def test_proxy_for_an_unknown_label_exits_3(account: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "proxy", "nope", "--imap-port", "1")
    assert code == 3 and "No account is labelled 'nope'" in err
