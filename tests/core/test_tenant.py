from __future__ import annotations

import pytest

from tui.core.errors import UsageError
from tui.core.tenant import cloud_of_url, endpoint_urls, graph_base_for, tenant_from_url


@pytest.mark.parametrize(
    ("tenant", "cloud", "host"),
    [
        ("contoso.onmicrosoft.com", "global", "login.microsoftonline.com"),
        ("11111111-2222-3333-4444-555555555555", "usgov", "login.microsoftonline.us"),
        ("common", "china", "login.chinacloudapi.cn"),
        ("Organizations", "global", "login.microsoftonline.com"),
        ("consumers", "global", "login.microsoftonline.com"),
    ],
)
def test_endpoint_urls(tenant: str, cloud: str, host: str) -> None:
    auth, token = endpoint_urls(tenant, cloud)
    t = tenant.lower()
    assert auth == f"https://{host}/{t}/oauth2/v2.0/authorize"
    assert token == f"https://{host}/{t}/oauth2/v2.0/token"
    assert tenant_from_url(token) == t
    assert cloud_of_url(auth) == cloud


@pytest.mark.parametrize("bad", ["", "not a tenant", "contoso", "<tenant-id>"])
def test_bad_tenant_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="not a tenant"):
        endpoint_urls(bad)


def test_bad_cloud() -> None:
    with pytest.raises(UsageError, match="Unknown cloud"):
        endpoint_urls("common", "mars")


def test_graph_base_follows_the_cloud() -> None:
    assert graph_base_for(endpoint_urls("common", "usgov")[1]) == "https://graph.microsoft.us"
    assert graph_base_for("http://127.0.0.1:1234/t/oauth2/v2.0/token") == "https://graph.microsoft.com"
    assert cloud_of_url("https://login.windows.net/common/oauth2/v2.0/token") == "global"
