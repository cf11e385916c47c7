"""`exo-oauth test` for app-only accounts: no /me, the token's grants instead (and --url).

End to end through cli.main against tui.fakeidp on loopback, plus the wording of
tui.core.doctor.connection.report for tokens the fake does not make (opaque, odd claims).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.commands.helpers import add_app
from tests.helpers import fake_account, run
from tui.core.doctor.connection import ConnectionCheck, report
from tui.core.doctor.jwtinfo import decode
from tui.core.model import TokenState
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


# -- the wording, for tokens the fake does not make ------------------------------------------

NOW = 1_790_000_000.0
ME = "https://graph.microsoft.com/v1.0/me"


def jwt(**claims: object) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def app_check(token: str, expires_at: float | None = NOW + 600) -> ConnectionCheck:
    state = TokenState("id", "app", token, expires_at=expires_at)
    return ConnectionCheck("app", True, ME, None, None, decode(token), state)


def test_report_for_an_opaque_app_only_token() -> None:
    found = report(app_check("opaque-token-value"), NOW)
    assert "not a JWT" in found.details[0] and "(in 10 min)" in found.details[1]
    assert "--url URL" in found.details[-1] and found.warning == ""
    assert all("opaque-token-value" not in line for line in found.details)


def test_report_shows_unexpected_scopes_and_the_token_expiry() -> None:
    token = jwt(aud="api://contoso-reports", roles=["Reports.Read"], scp="User.Read",
                tid="t-1", appid="a-1", exp=NOW + 1800)
    found = report(app_check(token, expires_at=None), NOW)
    assert "Resource: api://contoso-reports" in found.details
    assert "Delegated permissions (scp): User.Read" in found.details
    assert any(line.endswith("(in 30 min).") for line in found.details)
    assert found.warning == ""


def test_report_after_calling_an_api() -> None:
    state = TokenState("id", "person", "t")
    me = ConnectionCheck("person", False, ME, ME, {"displayName": "Ann",
                                                   "mail": "ann@contoso.example"}, None, state)
    assert report(me).headline == "the token works; it belongs to Ann <ann@contoso.example>."
    other = ConnectionCheck("person", False, ME, "https://x.example/api", {"b": 1, "a": 2},
                            None, state)
    assert report(other).headline == "https://x.example/api accepted the token (answer keys: a, b)."
