"""Doctor's network checks: the identity provider's hosts resolve, speak TLS, and agree on time.

Resolution and the TLS handshake go straight to the host (not through the
OAuth service), so a failure names the layer that broke: DNS, the connection, or
the certificate. The clock check asks the token endpoint through the service's
HTTP client, as a real request would, and reads its ``Date`` header. Host,
port, resolver, trust and "now" are injectable so tests stay on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tui.core.errors import UsageError
from tui.core.health import human_duration
from tui.core.validate import is_loopback_host

from .checks import FAIL, PASS, WARN, Check, Options, advice, failure

if TYPE_CHECKING:
    import httpx

    from tui.core.model import Account

SKEW_WARN_S = 60.0
SKEW_FAIL_S = 300.0


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def targets(account: Account) -> list[Target]:
    """The token host first, then the authorize host if it differs; bad URLs are skipped
    (the config check reports them)."""
    found: list[Target] = []
    for url in (account.token_url, account.authorize_url):
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        target = Target(parts.scheme, parts.hostname,
                        port or (443 if parts.scheme == "https" else 80))
        if target not in found:
            found.append(target)
    return found


def trust_context(cafile: str | None = None) -> ssl.SSLContext:
    """The CAs the OAuth service trusts (httpx: SSL_CERT_FILE, else certifi), or ``cafile``."""
    if cafile:
        try:
            return ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"--cafile {cafile}: cannot load CA certificates from it "
                             f"({getattr(exc, 'strerror', None) or exc}).") from None
    import httpx

    return httpx.create_ssl_context()


def proxy_for(scheme: str, host: str) -> str:
    """host:port of the proxy the HTTP client would use for this host, or ""."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(scheme) or proxies.get("all")
    # With a proxy set in the environment (all httpx reads), proxy_bypass answers from
    # no_proxy on every platform, as proxy_bypass_environment does.
    if not proxy or urllib.request.proxy_bypass(host):
        return ""
    try:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    except ValueError:
        return "(unreadable proxy setting)"


def _proxied(target: Target) -> tuple[str, str]:
    """(status for a direct-connection failure, note) given the proxy settings."""
    proxy = proxy_for(target.scheme, target.host)
    if not proxy:
        return FAIL, ""
    return WARN, (f" (requests go through the proxy {proxy}, so this may not matter; "
                  "the token line shows whether it works)")


async def check_dns(target: Target, opts: Options, label: str) -> Check:
    """The host resolves (socket.getaddrinfo, or the injected resolver)."""
    name = f"dns {target.host}"
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(opts.timeout):
            infos = await loop.run_in_executor(None, opts.resolver, target.host, target.port,
                                               0, socket.SOCK_STREAM)
    except (OSError, TimeoutError) as exc:
        status, note = _proxied(target)
        return failure(name, f"{target.host} does not resolve", exc, label=label,
                       timeout=opts.timeout, status=status, note=note)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    shown = ", ".join(addresses[:3]) + (f" and {len(addresses) - 3} more"
                                        if len(addresses) > 3 else "")
    return Check(name, PASS, f"resolves to {shown or 'an address'}")


async def check_tls(target: Target, opts: Options, context: ssl.SSLContext, label: str,
                    *, connect_host: str | None = None) -> Check:
    """A TLS handshake (with certificate and host name checks) on the URL's port."""
    name = f"tls {target.where}"
    if target.scheme == "http":
        if is_loopback_host(target.host):
            return Check(name, PASS, "plain http to this machine (loopback): TLS is not used, "
                                     "which is allowed for loopback only")
        entry, fix = advice("config.insecure_http", label)
        return Check(name, FAIL, f"plain http to {target.host}: secrets would cross the "
                                 "network unencrypted", fix, entry)
    writer = None
    try:
        async with asyncio.timeout(opts.timeout):
            _reader, writer = await asyncio.open_connection(
                connect_host or target.host, target.port, ssl=context,
                server_hostname=target.host)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        status, note = _proxied(target)
        return failure(name, f"no TLS connection to {target.where}", exc, label=label,
                       timeout=opts.timeout, status=status, note=note)
    try:
        tls = writer.get_extra_info("ssl_object")
        version = tls.version() if tls else "TLS"
        cert = (tls.getpeercert() if tls else None) or {}
        subject = dict(x[0] for x in cert.get("subject", ()) if x)
        issuer = dict(x[0] for x in cert.get("issuer", ()) if x)
        facts = [f"{version} handshake and certificate check passed"]
        if subject.get("commonName"):
            facts.append(f"certificate for {subject['commonName']}")
        if issuer.get("commonName") or issuer.get("organizationName"):
            facts.append(f"issued by {issuer.get('commonName') or issuer['organizationName']}")
        if cert.get("notAfter"):
            facts.append(f"valid until {cert['notAfter']}")
        return Check(name, PASS, ", ".join(facts))
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                await writer.wait_closed()


async def _one_host(target: Target, opts: Options, context: ssl.SSLContext,
                    label: str) -> list[Check]:
    dns = await check_dns(target, opts, label)
    if dns.status != PASS:
        return [dns]  # a TLS line would only repeat the failure
    return [dns, await check_tls(target, opts, context, label)]


async def check_hosts(account: Account, opts: Options,
                      context: ssl.SSLContext) -> tuple[list[Check], bool]:
    """DNS and TLS lines for the token and authorize hosts; and whether the token host works."""
    found = targets(account)
    if not found:
        return [], False
    results = await asyncio.gather(*(_one_host(t, opts, context, account.label)
                                     for t in found))
    token_ok = all(c.status == PASS for c in results[0])
    return [c for group in results for c in group], token_ok


def _skew_words(skew: float, host: str) -> str:
    if abs(skew) < 1:
        return f"this machine's clock agrees with {host}'s"
    side = "ahead of" if skew > 0 else "behind"
    return f"this machine's clock is {human_duration(skew)} {side} {host}'s"


async def check_clock(client: httpx.AsyncClient, account: Account, opts: Options, *,
                      reachable: bool = True) -> Check:
    """Compare this machine's time with the identity provider's Date header."""
    import httpx

    name = "clock"
    url = account.token_url.strip()
    host = urlsplit(url).hostname or url
    if not reachable:
        return Check(name, WARN, f"not checked: {host} cannot be reached (see above)",
                     "Fix the lines above first.")
    fix = ("Turn on time synchronisation (`timedatectl set-ntp true`, or chrony/ntpd) and "
           "compare `date -u` with the real time: tokens are judged by the clock.")
    sent = opts.now()
    try:
        async with asyncio.timeout(opts.timeout):
            resp = await client.get(url)
    except (httpx.HTTPError, OSError, TimeoutError) as exc:
        return failure(name, f"asking {host} for the time failed", exc, label=account.label,
                       timeout=opts.timeout)
    local = (sent + opts.now()) / 2
    date = resp.headers.get("date")
    try:
        server = email.utils.parsedate_to_datetime(date).timestamp() if date else None
    except (TypeError, ValueError, IndexError):
        server = None
    if server is None:
        return Check(name, WARN, f"{host} sent no readable Date header "
                                 f"({'none' if not date else repr(date[:40])}), so the clock "
                                 "cannot be compared", "Check `date -u` against the real time.")
    skew = local - server
    words = _skew_words(skew, host)
    if abs(skew) > SKEW_FAIL_S:
        return Check(name, FAIL, f"{words}: more than {SKEW_FAIL_S / 60:g} min apart, "
                                 "enough for tokens to look expired or not yet valid", fix)
    if abs(skew) > SKEW_WARN_S:
        return Check(name, WARN, f"{words}: not yet harmful, but drifting", fix)
    return Check(name, PASS, f"{words} (within {SKEW_WARN_S:g} s)")
