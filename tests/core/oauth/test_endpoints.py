"""Endpoint URLs the service derives: OpenID discovery candidates and the default test URL."""

from __future__ import annotations

from tui.core.oauth.endpoints import discovery_candidates


def test_discovery_candidates() -> None:
    urls = discovery_candidates("http://127.0.0.1:5/contoso/oauth2/v2.0/token")
    assert urls[0] == "http://127.0.0.1:5/contoso/v2.0/.well-known/openid-configuration"
    assert "http://127.0.0.1:5/.well-known/openid-configuration" in urls
    assert urls[-1] == "http://127.0.0.1:5/.well-known/oauth-authorization-server"


def test_default_test_url_follows_the_cloud() -> None:
    from tui.core.oauth.endpoints import graph_me_url as default_test_url

    us = "https://login.microsoftonline.us/t/oauth2/v2.0/token"
    assert default_test_url(us) == "https://graph.microsoft.us/v1.0/me"
    cn = "https://login.chinacloudapi.cn/t/oauth2/v2.0/token"
    assert default_test_url(cn) == "https://microsoftgraph.chinacloudapi.cn/v1.0/me"
    assert default_test_url("http://127.0.0.1:4/t/oauth2/v2.0/token") == \
        "http://127.0.0.1:4/v1.0/me"
