"""App-only accounts: client credentials against tui.fakeidp, through the CLI end to end."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from tests.commands.helpers import add_app
from tests.core.refresh.helpers import watch_passes
from tests.helpers import MovableClock, fake_account, make_account, run, set_state
from tui.commands import status
from tui.core.clock import SYSTEM_CLOCK
from tui.core.errors import OAuthError
from tui.core.model import APP_SCOPE, ParamRow
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import get_token
from tui.core.store.account_store import AccountStore
from tui.core.validate import AUTHORIZE, SAVE, validate
from tui.fakeidp import DEMO_PUBLIC_CLIENT_ID, FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")  # see conftest.py


def issued(idp: FakeIdP) -> int:
    return idp.stats()["issued"].get("client_credentials", 0)


def test_add_authorize_token_and_reacquire(idp: FakeIdP, store: AccountStore, config: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert add_app(idp, config, monkeypatch) == 0
    account = store.get("app")
    assert account.flow == "app" and account.token_params == (ParamRow("scope", APP_SCOPE),)
    assert "flow = 'app'" in config.read_text()
    assert run(config, "validate", "app") == 0
    assert run(config, "show", "app", "--json") == 0
    capsys.readouterr()

    assert run(config, "authorize", "app") == 0  # client credentials is the default here
    out = capsys.readouterr()
    assert "got an app-only token" in out.out and "refresh token" not in out.err
    state = store.token_state(account)
    assert state.access_token and not state.refresh_token and issued(idp) == 1
    assert state.scope == "" or APP_SCOPE in state.scope

    assert run(config, "token", "app") == 0  # still valid: no request
    assert capsys.readouterr().out.strip() == state.access_token and issued(idp) == 1

    set_state(store, account, expires_at=time.time() - 10)  # expired; no refresh token
    assert run(config, "token", "app", "--format", "json") == 0
    printed = json.loads(capsys.readouterr().out)["access_token"]
    renewed = store.token_state(account)
    assert printed == renewed.access_token != state.access_token and issued(idp) == 2
    assert not renewed.refresh_token
    assert idp.stats()["grant_types"].get("refresh_token", 0) == 0

    assert run(config, "refresh", "app") == 0 and issued(idp) == 3  # refresh = re-acquire

    # `status --check`: an expired app-only token is normal, not a problem
    set_state(store, account, expires_at=time.time() - 10)
    assert run(config, "status", "--check") == 0
    assert "OK: 1 account(s) healthy" in capsys.readouterr().out
    assert run(config, "status", "--json") == 0
    row = json.loads(capsys.readouterr().out)["accounts"][0]
    assert row["flow"] == "app" and row["state"] == "expired" and row["healthy"]


def test_methods_must_match_the_flow(idp: FakeIdP, store: AccountStore, config: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    add_app(idp, config, monkeypatch)
    store.add(fake_account(idp, "person"))
    capsys.readouterr()
    assert run(config, "authorize", "app", "--method", "device") == 2
    assert "--method client-credentials" in capsys.readouterr().err
    assert run(config, "authorize", "person", "--method", "client-credentials") == 2
    assert "--flow app" in capsys.readouterr().err
    assert idp.stats()["grant_types"] == {} or sum(idp.stats()["grant_types"].values()) == 0
    # turning an account into an app-only one swaps the default delegated scopes
    assert run(config, "edit", "person", "--flow", "app") == 0
    assert store.get("person").token_params == (ParamRow("scope", APP_SCOPE),)
    assert run(config, "authorize", "person") == 0 and issued(idp) == 1


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


def test_refusals_are_recorded_and_explained(idp: FakeIdP, store: AccountStore, config: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    add_app(idp, config, monkeypatch)
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", "a-wrong-secret-value")
    assert run(config, "edit", "app") == 0
    capsys.readouterr()
    assert run(config, "token", "app") == 5  # invalid_client: the identity provider said no
    err = capsys.readouterr().err
    assert "AADSTS7000215" in err and "a-wrong-secret-value" not in err
    state = store.token_state(store.get("app"))
    assert "AADSTS7000215" in state.last_error and not state.needs_authorization
    assert run(config, "status", "--check") == 1
    assert "app: " in capsys.readouterr().out


def test_the_fake_refuses_what_microsoft_refuses(idp: FakeIdP, store: AccountStore) -> None:
    """Past the validator (which stops these first), the identity provider's answers."""

    async def attempt(**kw: object) -> OAuthError:
        account = fake_account(idp, "x", app=True, **kw)
        async with OAuthService() as service:
            with pytest.raises(OAuthError) as caught:
                await get_token(store, account, service=service)
        return caught.value

    common = asyncio.run(attempt(token_url=idp.token_url("common")))
    assert common.codes[0] == 9001023
    named = asyncio.run(attempt(token_params=(ParamRow("scope", "Mail.Read"),)))
    assert named.codes[0] == 1002012


def test_validation_knows_app_only_needs(idp: FakeIdP) -> None:
    good = fake_account(idp, "app", app=True, auto_refresh=True)
    assert [i for i in validate(good, purpose=AUTHORIZE)] == []  # no offline_access needed

    def rules(account: object, purpose: str = AUTHORIZE) -> dict[str, str]:
        return {i.rule: i.severity for i in validate(account, purpose=purpose)}  # type: ignore[arg-type]

    for tenant in ("common", "consumers", "organizations"):
        bad = fake_account(idp, "app", app=True, token_url=idp.token_url(tenant),
                           authorize_url=idp.authorize_url(tenant))
        assert rules(bad) == {"config.app_needs_tenant": "error"}
        assert rules(bad, SAVE) == {"config.app_needs_tenant": "warning"}
    for scope in ("Mail.Read", "https://graph.microsoft.com/.default Mail.Read", ""):
        bad = fake_account(idp, "app", app=True, token_params=(ParamRow("scope", scope),))
        assert "config.app_needs_default_scope" in rules(bad)
    no_rows = fake_account(idp, "app", app=True, token_params=())
    assert rules(no_rows) == {"config.app_needs_default_scope": "error"}
    public = fake_account(idp, "app", app=True, client_type="public", client_secret="",
                          client_id=DEMO_PUBLIC_CLIENT_ID)
    assert rules(public) == {"config.bad_choice": "error"}
    assert rules(fake_account(idp, "app", app=True, client_secret="")) == {
        "config.secret_missing": "error"}
    assert rules(make_account("x", flow="robot")) == {"config.bad_choice": "error"}
    # delegated accounts are judged as before
    assert "config.no_offline_access" in rules(fake_account(
        idp, "d", auto_refresh=True, token_params=(ParamRow("scope", "User.Read"),),
        auth_params=(ParamRow("scope", "User.Read"),)))


def test_the_catalog_explains_the_new_rules() -> None:
    from tui.core.troubleshoot import catalog
    from tui.core.validate import ERROR, Issue

    for rule, entry in (("config.app_needs_tenant", "aadsts.9001023"),
                        ("config.app_needs_default_scope", "aadsts.1002012")):
        assert catalog.match(Issue("token_url", ERROR, "x", rule))[0].id == entry


def test_watch_renews_an_auto_refresh_app_only_account(idp: FakeIdP,
                                                       store: AccountStore) -> None:
    clock = MovableClock.linked(idp)
    account = store.add(fake_account(idp, "app", app=True, auto_refresh=True))
    lines = asyncio.run(watch_passes(store, clock, passes=3, between=3600))
    assert issued(idp) == 3  # one token per hour: the first pass, then each expiry
    assert sum(line.startswith("app: refreshed") for line in lines) == 3
    assert not store.token_state(account).refresh_token
    assert not any("needs a sign-in" in line for line in lines)


def test_store_round_trip_and_status_clock(store: AccountStore,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    account = store.add(make_account("app", flow="app",
                                        token_params=(ParamRow("scope", APP_SCOPE),)))
    assert store.get("app") == account
    text = store.path.read_text()
    store.path.write_text(text.replace("flow = 'app'\n", ""))  # hand-written, no flow line
    assert store.get("app").flow == "delegated"
    assert status.CLOCK is SYSTEM_CLOCK  # the real clock unless a test moves it
