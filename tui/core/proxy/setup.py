"""From options to running listeners: checks, TLS contexts, the gate, and a serve loop.

The command line and the tests both come through here, so the rules (loopback
unless a local certificate is given, one listener per kind, ports in range)
are enforced in one place.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core.clock import Clock
from tui.core.errors import UsageError
from tui.core.oauth.service import OAuthService
from tui.core.validate import is_loopback_host

from .defaults import DEFAULT_LISTEN, LISTENERS
from .front import Listener
from .limiter import FailureLimiter
from .login import Gate
from .logline import Log
from .server import KINDS, Bound, ProxyServer
from .upstream import Upstream, client_context, default_upstream

DEFAULT_PORTS = {kind: port for kind, (_, port) in LISTENERS.items()}
STOP_S = 3.0


@dataclass(frozen=True)
class ProxyOptions:
    listen: str = DEFAULT_LISTEN
    ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    upstreams: Mapping[str, Upstream] = field(
        default_factory=lambda: {k: default_upstream(k) for k in KINDS})
    upstream_ca: str | None = None
    local_cert: str | None = None
    local_key: str | None = None
    labels: Sequence[str] = ()


def local_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        why = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise UsageError(f"Cannot use --local-cert {cert} with --local-key {key}: {why}. "
                         "Give a PEM certificate and its private key.") from exc
    return context


def check_options(options: ProxyOptions) -> None:
    """UsageError (exit 2) for options that cannot work."""
    if not options.ports:
        raise UsageError("Every listener is turned off; leave at least one of IMAP, POP3 and "
                         "SMTP on.")
    for kind, port in options.ports.items():
        if not 0 <= port < 65536:
            raise UsageError(f"The {kind} port {port} is not between 1 and 65535.")
    given = [p for p in options.ports.values() if p]
    if len(given) != len(set(given)):
        raise UsageError("Two listeners were given the same port; give each its own.")
    if (options.local_cert is None) != (options.local_key is None):
        raise UsageError("--local-cert and --local-key go together: give both.")
    if not is_loopback_host(options.listen) and options.local_cert is None:
        raise UsageError(f"Listening on {options.listen} needs --local-cert and --local-key: "
                         "clients would send their passwords unencrypted over the network. "
                         "Give a certificate and key, or listen on 127.0.0.1.")


def make_server(store: Any, service: OAuthService, options: ProxyOptions, log: Log, *,
                clock: Clock | None = None, limiter: FailureLimiter | None = None
                ) -> tuple[ProxyServer, Gate]:
    check_options(options)
    try:
        upstream_ctx = client_context(options.upstream_ca)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"Cannot read --upstream-ca {options.upstream_ca}: "
                         f"{getattr(exc, 'strerror', None) or exc}. Give a PEM file of "
                         "CA certificates.") from exc
    local = (local_context(options.local_cert, options.local_key)
             if options.local_cert and options.local_key else None)
    gate = Gate(store, service, labels=options.labels, upstream_context=upstream_ctx,
                log=log, limiter=limiter, clock=clock)
    require_tls = not is_loopback_host(options.listen)
    listeners = [(port, Listener(kind, options.upstreams[kind], gate, log, local, require_tls))
                 for kind, port in options.ports.items()]
    return ProxyServer(options.listen, listeners), gate


async def serve(server: ProxyServer, gate: Gate, stop: asyncio.Event,
                ready: Callable[[list[Bound]], None]) -> None:
    """Run until ``stop`` is set; then close everything within a few seconds."""
    try:
        ready(await server.start())
        await stop.wait()
    finally:
        await server.stop(STOP_S)
        await gate.wait_hooks(1.0)
