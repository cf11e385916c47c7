"""tui.core.appscope: delegated scope rows become the matching /.default for app-only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui.core.appscope import app_only_scope, swap_to_app_only
from tui.core.model import APP_SCOPE, GRAPH_SCOPES, Account, ParamRow
from tui.core.validate import validate

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


@pytest.mark.parametrize(("value", "expected"), [
    (GRAPH_SCOPES, GRAPH_DEFAULT),
    ("https://graph.microsoft.com/User.Read offline_access", GRAPH_DEFAULT),
    ("openid profile User.Read https://graph.microsoft.com/Mail.Send", GRAPH_DEFAULT),
    ("offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
     "https://outlook.office.com/SMTP.Send", APP_SCOPE),
    ("https://outlook.office365.com/EWS.AccessAsUser.All", APP_SCOPE),
    ("https://OUTLOOK.office365.com/POP.AccessAsUser.All", APP_SCOPE),
    ("https://graph.microsoft.us/Mail.Read", "https://graph.microsoft.us/.default"),
    (f"{GRAPH_DEFAULT} offline_access", GRAPH_DEFAULT),  # only the extra word goes
])
def test_delegated_scopes_become_the_resource_default(value: str, expected: str) -> None:
    assert app_only_scope(value) == expected


@pytest.mark.parametrize("value", [
    GRAPH_DEFAULT,  # already right
    APP_SCOPE,
    "",
    "offline_access openid",  # no resource named at all
    "api://contoso-reports/Reports.Read",  # another API: the person decides
    "https://contoso.example/api/Read offline_access",
    "00000003-0000-0000-c000-000000000000/User.Read",
    "User.Read https://outlook.office.com/IMAP.AccessAsUser.All",  # two resources
    "http://graph.microsoft.com/User.Read",
])
def test_what_is_left_for_the_validator(value: str) -> None:
    assert app_only_scope(value) is None


def test_bare_names_follow_the_accounts_cloud() -> None:
    assert app_only_scope("User.Read offline_access", "https://graph.microsoft.us") == \
        "https://graph.microsoft.us/.default"


def test_swap_rewrites_the_scope_row_that_is_sent_and_can_be_undone() -> None:
    rows = (ParamRow("scope", "User.Read"), ParamRow("prompt", "none"),
            ParamRow(" scope", GRAPH_SCOPES), ParamRow("claims", "{}"))
    swap = swap_to_app_only(rows)
    assert swap is not None and swap.old == GRAPH_SCOPES and swap.new == GRAPH_DEFAULT
    assert swap.after == (*rows[:2], ParamRow(" scope", GRAPH_DEFAULT), rows[3])
    assert swap.before == rows and swap.undo(swap.after) == rows
    edited = (ParamRow("scope", APP_SCOPE), *swap.after[1:])
    assert swap.undo(edited) is None  # the person changed the row: theirs stays


def test_swap_leaves_rows_it_cannot_fix() -> None:
    assert swap_to_app_only(()) is None
    assert swap_to_app_only((ParamRow("prompt", "none"),)) is None
    assert swap_to_app_only((ParamRow("scope", "api://x/Read"),)) is None


def test_the_swapped_rows_pass_the_app_only_rules() -> None:
    account = Account(label="robot", client_id="11111111-2222-4333-8444-555555555555",
                      client_secret="s", flow="app",
                      authorize_url="https://login.microsoftonline.com/contoso.com/oauth2/"
                                    "v2.0/authorize",
                      token_url="https://login.microsoftonline.com/contoso.com/oauth2/"
                                "v2.0/token")
    rules = {i.rule for i in validate(account)}
    assert "config.app_needs_default_scope" in rules  # the default Graph rows
    swap = swap_to_app_only(account.token_params)
    assert swap is not None
    fixed = validate(replace(account, token_params=swap.after))
    assert not [i for i in fixed if i.field.startswith("token_params")]
