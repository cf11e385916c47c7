"""Accounts that ask for EWS are warned: Exchange Online blocks it from October 2026."""

from __future__ import annotations

from tui.core.doctor.local import check_config
from tui.core.model import Account, ParamRow
from tui.core.troubleshoot import catalog
from tui.core.validate import WARNING, validate

EWS = "offline_access https://outlook.office365.com/EWS.AccessAsUser.All"


def account(**kw: object) -> Account:
    base: dict[str, object] = dict(
        label="ews", client_id="0a1b2c3d-4e5f-6789-abcd-ef0123456789", client_secret="s",
        authorize_url="https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize",
        token_url="https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token")
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def test_an_ews_scope_row_is_warned_on_its_row() -> None:
    found = [i for i in validate(account(token_params=(ParamRow("scope", EWS),),
                                         auth_params=(ParamRow("scope", EWS),)))
             if i.rule == "config.ews_scope"]
    assert [(i.field, i.severity) for i in found] == [("token_params[0].value", WARNING),
                                                       ("auth_params[0].value", WARNING)]
    assert "October 2026" in found[0].message and "Graph" in found[0].message
    assert catalog.match(found[0])[0].id == "config.ews_retiring"


def test_other_scopes_are_not() -> None:
    assert not [i for i in validate(account()) if i.rule == "config.ews_scope"]
    imap = "offline_access https://outlook.office.com/IMAP.AccessAsUser.All"
    assert not [i for i in validate(account(token_params=(ParamRow("scope", imap),)))
                if i.rule == "config.ews_scope"]


def test_the_doctor_warns_too() -> None:
    checks = check_config(account(token_params=(ParamRow("scope", EWS),)), [])
    (ews,) = [c for c in checks if c.entry == "config.ews_retiring"]
    assert ews.status == "warn" and ews.name == "config token_params[0].value"
    assert "Graph" in ews.fix and "EwsAllowList" in ews.fix
