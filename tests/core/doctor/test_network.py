"""DNS, TLS and clock checks against loopback servers (nothing leaves this machine)."""

from __future__ import annotations

import socket
import time
from email.utils import formatdate
from typing import Any

import pytest

from tests.helpers import make_account
from tui.core.doctor.diagnose import FAIL, PASS, WARN, Options
from tui.core.doctor.network import (
    Target,
    check_clock,
    check_dns,
    check_hosts,
    check_tls,
    trust_context,
)
from tui.core.errors import UsageError
from tui.core.oauth.service import OAuthService

from .servers import Cert, closed_port, date_server, silent_port, tls_server

NOW = 1_750_000_000.0


def resolver_returning(*addresses: str) -> Any:
    def resolve(host: str, port: int, *_: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    return resolve


def resolver_failing(host: str, port: int, *_: Any) -> list[Any]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


HTTPS = Target("https", "login.example.test", 443)

# -- DNS ---------------------------------------------------------------------------------------


async def test_dns_pass_lists_the_addresses() -> None:
    check = await check_dns(HTTPS, Options(resolver=resolver_returning(
        "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3", "10.0.0.4")), "work")
    assert check.status == PASS and check.name == "dns login.example.test"
    assert check.detail == "resolves to 10.0.0.1, 10.0.0.2, 10.0.0.3 and 1 more"


async def test_dns_pass_with_the_real_resolver_on_a_loopback_literal() -> None:
    check = await check_dns(Target("https", "127.0.0.1", 443), Options(), "work")
    assert check.status == PASS and "127.0.0.1" in check.detail


async def test_dns_failure_is_one_line_matched_to_the_catalog() -> None:
    check = await check_dns(HTTPS, Options(resolver=resolver_failing), "work")
    assert check.status == FAIL and check.entry == "network.dns"
    assert check.detail == "login.example.test does not resolve: Name or service not known"
    assert "getent hosts" in check.fix and "exo-oauth show work" in check.fix


async def test_with_a_proxy_a_dns_failure_only_warns_and_hides_proxy_credentials(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:s3cretpw@proxy.example:3128")
    check = await check_dns(HTTPS, Options(resolver=resolver_failing), "work")
    assert check.status == WARN and "the proxy proxy.example:3128" in check.detail
    assert "s3cretpw" not in check.detail + check.fix
    monkeypatch.setenv("NO_PROXY", "login.example.test")
    assert (await check_dns(HTTPS, Options(resolver=resolver_failing), "work")).status == FAIL


# -- TLS ---------------------------------------------------------------------------------------


async def test_tls_pass_with_an_injected_trust(cert: Cert) -> None:
    with tls_server(cert.server_context()) as port:
        check = await check_tls(Target("https", "127.0.0.1", port), Options(),
                                cert.client_context(), "work")
    assert check.status == PASS, check.detail
    assert check.name == f"tls 127.0.0.1:{port}"
    assert "handshake and certificate check passed" in check.detail
    assert "certificate for localhost" in check.detail and "valid until" in check.detail


async def test_tls_fails_with_the_default_trust(cert: Cert) -> None:
    """The context the OAuth service uses does not trust a self-signed certificate."""
    with tls_server(cert.server_context()) as port:
        check = await check_tls(Target("https", "127.0.0.1", port), Options(),
                                trust_context(), "work")
    assert check.status == FAIL and check.entry == "network.tls_cert"
    assert "certificate verify failed: self-signed certificate" in check.detail
    assert "date -u" in check.fix


async def test_tls_host_name_mismatch_fails(cert: Cert) -> None:
    with tls_server(cert.server_context()) as port:
        check = await check_tls(Target("https", "login.example.test", port), Options(),
                                cert.client_context(), "work", connect_host="127.0.0.1")
    assert check.status == FAIL and check.entry == "network.tls_cert"
    assert "Hostname mismatch" in check.detail


async def test_tls_connection_refused() -> None:
    port = closed_port()
    check = await check_tls(Target("https", "127.0.0.1", port), Options(), trust_context(),
                            "work")
    assert check.status == FAIL and check.entry == "network.refused"
    assert check.detail == f"no TLS connection to 127.0.0.1:{port}: Connection refused"


async def test_tls_timeout() -> None:
    with silent_port() as port:
        check = await check_tls(Target("https", "127.0.0.1", port), Options(timeout=0.3),
                                trust_context(), "work")
    assert check.status == FAIL and check.entry == "network.timeout"
    assert check.detail.endswith("no answer within 0.3 s")


async def test_loopback_http_needs_no_tls_but_remote_http_fails() -> None:
    local = await check_tls(Target("http", "127.0.0.1", 8080), Options(), trust_context(), "w")
    assert local.status == PASS and "TLS is not used" in local.detail
    remote = await check_tls(Target("http", "login.example.test", 80), Options(),
                             trust_context(), "w")
    assert remote.status == FAIL and remote.entry == "config.insecure_http"


async def test_check_hosts_covers_token_and_authorize_hosts(cert: Cert) -> None:
    down = closed_port()
    with tls_server(cert.server_context()) as port:
        acct = make_account(token_url=f"https://127.0.0.1:{port}/t/oauth2/v2.0/token",
                       authorize_url=f"https://127.0.0.1:{down}/t/oauth2/v2.0/authorize")
        checks, token_ok = await check_hosts(acct, Options(), cert.client_context())
    assert [(c.name, c.status) for c in checks] == [
        ("dns 127.0.0.1", PASS), (f"tls 127.0.0.1:{port}", PASS),
        ("dns 127.0.0.1", PASS), (f"tls 127.0.0.1:{down}", FAIL)]
    assert token_ok
    same = make_account(token_url=f"https://127.0.0.1:{down}/t/oauth2/v2.0/token",
                   authorize_url=f"https://127.0.0.1:{down}/t/oauth2/v2.0/authorize")
    checks, token_ok = await check_hosts(same, Options(), cert.client_context())
    assert len(checks) == 2 and not token_ok


def test_a_cafile_that_cannot_be_loaded_is_a_usage_error(tmp_path: Any) -> None:
    (tmp_path / "bad.pem").write_text("not a certificate")
    with pytest.raises(UsageError, match="--cafile"):
        trust_context(str(tmp_path / "bad.pem"))
    with pytest.raises(UsageError, match="--cafile"):
        trust_context(str(tmp_path / "missing.pem"))


# -- the clock ------------------------------------------------------------------------------------


async def clock_check(date: str, *, context: Any = None, trust: Any = True,
                      reachable: bool = True) -> Any:
    with date_server(lambda: date, context) as base:
        acct = make_account(token_url=f"{base}/t/oauth2/v2.0/token")
        async with OAuthService(verify=trust) as service:
            return await check_clock(service.client, acct, Options(now=lambda: NOW),
                                     reachable=reachable)


async def test_clock_in_agreement_passes() -> None:
    check = await clock_check(formatdate(NOW, usegmt=True))
    assert check.status == PASS and "agrees with 127.0.0.1's" in check.detail


async def test_clock_a_few_minutes_off_warns() -> None:
    check = await clock_check(formatdate(NOW - 150, usegmt=True))
    assert check.status == WARN
    assert "clock is 2 min ahead of 127.0.0.1's" in check.detail or \
        "clock is 3 min ahead of 127.0.0.1's" in check.detail
    assert "timedatectl set-ntp true" in check.fix


async def test_clock_skewed_over_five_minutes_fails() -> None:
    check = await clock_check(formatdate(NOW + 7 * 60, usegmt=True))
    assert check.status == FAIL
    assert "clock is 7 min behind 127.0.0.1's" in check.detail
    assert "timedatectl set-ntp true" in check.fix


async def test_clock_over_https_with_the_injected_trust(cert: Cert) -> None:
    check = await clock_check(formatdate(NOW, usegmt=True), context=cert.server_context(),
                              trust=cert.client_context())
    assert check.status == PASS


async def test_clock_without_a_readable_date_warns() -> None:
    check = await clock_check("yesterday-ish")
    assert check.status == WARN and "no readable Date header" in check.detail


async def test_clock_not_checked_when_the_host_is_unreachable() -> None:
    check = await clock_check(formatdate(NOW, usegmt=True), reachable=False)
    assert check.status == WARN and check.detail.startswith("not checked")


async def test_clock_request_failure_is_matched_to_the_catalog() -> None:
    acct = make_account(token_url=f"http://127.0.0.1:{closed_port()}/t/oauth2/v2.0/token")
    async with OAuthService() as service:
        check = await check_clock(service.client, acct, Options(now=time.time))
    assert check.status == FAIL and check.entry == "network.refused"
