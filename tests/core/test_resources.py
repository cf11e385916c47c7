"""tui.core.resources: the one table of Microsoft resources the validator, the app-only
scope rewrite and the doctor read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.appscope import app_only_scope
from tui.core.resources import (
    EXCHANGE_HOSTS,
    GRAPH,
    GRAPH_RESOURCE,
    OIDC_SCOPES,
    OTHER,
    OUTLOOK,
    OUTLOOK_RESOURCE,
    audience_kind,
    scope_resources,
)


@pytest.mark.parametrize(("aud", "kind"), [
    ("https://graph.microsoft.com/", GRAPH),
    ("HTTPS://GRAPH.MICROSOFT.US", GRAPH),
    ("00000003-0000-0000-c000-000000000000", GRAPH),
    (" https://outlook.office365.com ", OUTLOOK),
    ("00000002-0000-0ff1-ce00-000000000000", OUTLOOK),
    ("https://partner.outlook.cn", OUTLOOK),
    ("api://11111111-2222-4333-8444-555555555555", OTHER),
    ("https://management.azure.com", OTHER),
])
def test_audience_kinds(aud: str, kind: str) -> None:
    assert audience_kind(aud) == kind


@pytest.mark.parametrize("host", EXCHANGE_HOSTS)
def test_both_exchange_host_names_are_one_resource(host: str) -> None:
    assert scope_resources(f"https://{host}/IMAP.AccessAsUser.All offline_access") == {
        OUTLOOK_RESOURCE}


def test_bare_names_mean_graph_and_mixed_rows_name_each_resource() -> None:
    found = scope_resources("openid User.Read https://outlook.office.com/SMTP.Send")
    assert found == {GRAPH_RESOURCE, OUTLOOK_RESOURCE}
    assert {audience_kind(r) for r in found} == {GRAPH, OUTLOOK}


@pytest.mark.parametrize("row", [
    "User.Read Mail.Send offline_access",
    "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send",
    "https://outlook.office365.com/EWS.AccessAsUser.All",
])
def test_the_app_only_rewrite_keeps_the_resource_the_validator_sees(row: str) -> None:
    """appscope picks Exchange's documented host for .default; the validator and the
    doctor must still see the same resource kind in the row before and after."""
    (before,) = scope_resources(row)
    new = app_only_scope(row)
    assert new is not None
    (after,) = scope_resources(new)
    assert audience_kind(after) == audience_kind(before) != OTHER


@given(st.lists(st.sampled_from(sorted(OIDC_SCOPES)).flatmap(
    lambda word: st.sampled_from([word, word.upper(), word.title()]))))
def test_sign_in_scopes_name_no_resource(words: list[str]) -> None:
    assert scope_resources(" ".join(words)) == set()
