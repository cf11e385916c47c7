"""`exo-oauth test` end to end against tui.fakeidp: /me for delegated accounts; for app-only
ones the token's grants instead of /me (and --url). The report's wording for tokens the fake
does not make is in tests/core/doctor/test_connection.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands.helpers import add_app
from tests.helpers import fake_account, run, signed_in
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_USER_UPN, FakeIdP
from tui.fakeidp.claims import HOME_TENANT, tenant_id

pytestmark = pytest.mark.usefixtures("quick_service")  # see conftest.py

GRAPH_APP = "scope=https://graph.microsoft.com/.default"


def test_app_only_test_reads_the_token_instead_of_calling_me(
        idp: FakeIdP, store: AccountStore, config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert add_app(idp, config, monkeypatch) == 0  # Exchange Online's /.default
    capsys.readouterr()
    assert run(config, "test", "app") == 0
    out, err = capsys.readouterr()
    assert out.startswith("app: got an app-only token. Graph /me is not called")
    assert "no user" in out
    assert "Resource: Outlook (IMAP, POP, SMTP, EWS), https://outlook.office365.com" in out
    assert "roles): IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp" in out
    assert f"Tenant: {tenant_id(HOME_TENANT)}" in out
    assert f"Application (client) ID: {DEMO_CLIENT_ID}" in out
    assert "Valid until " in out and "exo-oauth doctor app --imap" in out
    token = store.token_state(store.get("app")).access_token
    assert token and token not in out + err and token.split(".")[1] not in out + err
    assert err == ""
    assert idp.stats()["endpoints"]["me"] == 0  # nothing called /me
    assert idp.stats()["issued"]["client_credentials"] == 1


def test_app_only_test_with_url_calls_it(
        idp: FakeIdP, config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert add_app(idp, config, monkeypatch, "--token-param", GRAPH_APP) == 0
    capsys.readouterr()
    assert run(config, "test", "app") == 0
    out = capsys.readouterr().out
    assert "roles): Mail.ReadWrite, User.Read.All" in out
    assert "Resource: Microsoft Graph, https://graph.microsoft.com" in out
    assert f"--url {idp.base_url}/v1.0/users/MAILBOX" in out  # the next step it suggests
    assert run(config, "test", "app", "--url", idp.user_url()) == 0
    out = capsys.readouterr().out
    assert out == (f"app: {idp.user_url()} accepted the token and answered for "
                   f"Demo User <{DEMO_USER_UPN}>.\n")
    assert run(config, "test", "app", "--url", idp.me_url) == 5  # asked for: /me is called
    assert "BadRequest" in capsys.readouterr().err
    assert idp.stats()["endpoints"]["users"] == 1 and idp.stats()["endpoints"]["me"] == 1
    assert idp.stats()["issued"]["client_credentials"] == 1  # one token for all three


def test_app_only_token_without_roles_is_flagged(
        tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with FakeIdP(retry_after=0, app_roles=()) as idp:
        assert add_app(idp, config, monkeypatch, "--token-param", GRAPH_APP) == 0
        capsys.readouterr()
        assert run(config, "test", "app") == 0  # the token came; what it lacks is said
        out, err = capsys.readouterr()
    assert "roles): none" in out
    assert err.startswith("Warning: The token carries no application permissions")
    assert "Grant admin consent" in err and "exo-oauth refresh app" in err


def test_delegated_test_still_calls_me(
        idp: FakeIdP, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A delegated account without a token cannot get one here: it is told to sign in."""
    store.add(fake_account(idp, "person"))
    assert run(config, "test", "person") == 4
    assert "authorize person" in capsys.readouterr().err
    assert idp.stats()["endpoints"]["me"] == 0


def test_test_command(idp: FakeIdP, store: AccountStore, config: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store)
    assert run(config, "test", "work") == 0
    assert f"Demo User <{DEMO_USER_UPN}>" in capsys.readouterr().out
    assert run(config, "test", "work", "--url", f"{idp.base_url}/nothing") == 5
    assert "404" in capsys.readouterr().err
