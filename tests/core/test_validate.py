"""The validator's rules, one by one, on otherwise-good accounts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.helpers import (
    fake_account,
    make_account,
)
from tui.core.model import GRAPH_SCOPES, Account, ParamRow
from tui.core.tenant import endpoint_urls
from tui.core.validate import AUTHORIZE, ERROR, SAVE, WARNING, scope_resources, validate
from tui.fakeidp import DEMO_PUBLIC_CLIENT_ID, FakeIdP

TENANT = "contoso.onmicrosoft.com"
AUTH, TOKEN = endpoint_urls(TENANT)
GOOD = Account(label="mail", client_id="11111111-2222-3333-4444-555555555555",
               client_secret="s3cret-value", authorize_url=AUTH, token_url=TOKEN)


def rules(account: Account, **kw) -> dict[str, str]:
    return {i.rule: i.severity for i in validate(account, **kw)}


def test_good_account_has_no_issues() -> None:
    assert validate(GOOD) == []
    assert validate(GOOD, purpose=AUTHORIZE) == []


def test_new_account_defaults_match_the_seed() -> None:
    acc = Account()
    assert acc.authorize_url == "https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/authorize"
    assert acc.token_url == "https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token"
    assert acc.token_params == (ParamRow("scope", GRAPH_SCOPES),)
    assert acc.auth_params == (ParamRow("scope", GRAPH_SCOPES),)
    assert acc.client_type == "confidential" and acc.redirect_uri == "http://localhost:8400"
    assert not acc.auto_refresh


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"label": ""}, "label", "config.required"),
        ({"client_id": " "}, "client_id", "config.required"),
        ({"client_secret": ""}, "client_secret", "config.secret_missing"),
        ({"authorize_url": ""}, "authorize_url", "config.required"),
        ({"token_url": "not a url"}, "token_url", "config.bad_url"),
        ({"authorize_url": TOKEN}, "authorize_url", "config.swapped_urls"),
        ({"token_url": AUTH}, "token_url", "config.swapped_urls"),
        ({"client_type": "other"}, "client_type", "config.bad_choice"),
        ({"token_params": (ParamRow("", "x"),)}, "token_params[0].name", "config.row_empty_name"),
        ({"auth_params": (ParamRow("scope", "a"), ParamRow(" ", "b"))}, "auth_params[1].name",
         "config.row_empty_name"),
        ({"redirect_uri": "::"}, "redirect_uri", "config.bad_url"),
    ],
)
def test_errors_block_saving(change: dict, field: str, rule: str) -> None:
    issues = validate(replace(GOOD, **change))
    assert any(i.field == field and i.rule == rule and i.severity == ERROR for i in issues), issues


def test_label_taken_is_an_error() -> None:
    assert rules(GOOD, taken_labels=["mail", "other"])["config.label_taken"] == ERROR
    assert "config.label_taken" not in rules(GOOD, taken_labels=["other"])


def test_tenant_placeholder_warns_on_save_and_blocks_authorize() -> None:
    acc = replace(GOOD, authorize_url=Account().authorize_url, token_url=Account().token_url)
    assert rules(acc, purpose=SAVE)["config.tenant_placeholder"] == WARNING
    assert rules(acc, purpose=AUTHORIZE)["config.tenant_placeholder"] == ERROR


def test_plain_http_only_to_loopback() -> None:
    acc = replace(GOOD, token_url="http://idp.example.com/t/oauth2/v2.0/token",
                  authorize_url="http://idp.example.com/t/oauth2/v2.0/authorize")
    assert rules(acc, purpose=AUTHORIZE)["config.insecure_http"] == ERROR
    local = replace(GOOD, token_url="http://127.0.0.1:9/t/oauth2/v2.0/token",
                    authorize_url="http://127.0.0.1:9/t/oauth2/v2.0/authorize")
    assert "config.insecure_http" not in rules(local, purpose=AUTHORIZE)


def test_different_tenants_or_hosts_warn() -> None:
    other_auth, _ = endpoint_urls("fabrikam.onmicrosoft.com")
    assert rules(replace(GOOD, authorize_url=other_auth))["config.url_mismatch"] == WARNING
    usgov_auth, _ = endpoint_urls(TENANT, "usgov")
    assert rules(replace(GOOD, authorize_url=usgov_auth))["config.url_mismatch"] == WARNING


def test_auto_refresh_needs_offline_access() -> None:
    rows = (ParamRow("scope", "User.Read Mail.Read"),)
    acc = replace(GOOD, auto_refresh=True, token_params=rows, auth_params=rows)
    assert rules(acc)["config.no_offline_access"] == WARNING
    assert "config.no_offline_access" not in rules(replace(GOOD, auto_refresh=True))


def test_token_scope_mixing_two_resources_warns() -> None:
    mixed = (ParamRow("scope", "offline_access Mail.Read https://outlook.office.com/IMAP.AccessAsUser.All"),)
    assert rules(replace(GOOD, token_params=mixed))["config.scope_mixed_resources"] == WARNING
    # the authorize request may span resources
    assert "config.scope_mixed_resources" not in rules(replace(GOOD, auth_params=mixed))


def test_public_client_rules() -> None:
    assert rules(replace(GOOD, client_type="public"))["config.public_with_secret"] == WARNING
    assert validate(replace(GOOD, client_type="public", client_secret="")) == []


def test_duplicate_row_name_is_a_warning() -> None:
    rows = (ParamRow("scope", GRAPH_SCOPES), ParamRow("scope", "User.Read"))
    assert rules(replace(GOOD, token_params=rows))["config.row_duplicate"] == WARNING


def test_client_id_not_guid_warns() -> None:
    assert rules(replace(GOOD, client_id="my-app"))["config.client_id_not_guid"] == WARNING


def test_scope_resources() -> None:
    assert scope_resources("openid offline_access") == set()
    assert scope_resources("User.Read https://outlook.office365.com/IMAP.AccessAsUser.All") == {
        "https://graph.microsoft.com", "https://outlook.office.com"}
    assert scope_resources("https://outlook.office.com/SMTP.Send https://outlook.office365.com/"
                           "POP.AccessAsUser.All") == {"https://outlook.office.com"}


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
