"""`exo-oauth fake-idp`: run the local identity provider until Ctrl-C or SIGTERM.

The first line on stdout is the base URL alone, so scripts can read it; the
rest (endpoints, clients, how to stop) goes to stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING

from tui.core.errors import UsageError

if TYPE_CHECKING:
    from .common import Subparsers


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "fake-idp", help="run a local stand-in for the Microsoft identity platform",
        description="Serve Microsoft-shaped authorize, token, device code, discovery and "
        "Graph /v1.0/me endpoints on loopback, for the demo, tests and benchmarks. Every "
        "well-formed tenant exists except unknown.example (or only those given with --tenant).")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    p.add_argument("--client", action="append", default=[], metavar="ID:SECRET",
                   help="register a confidential client, or ID::public for a public one "
                   "(repeatable; default: two demo clients)")
    p.add_argument("--redirect-uri", action="append", default=[], metavar="URI",
                   help="also accept this redirect URI (loopback http URIs are always accepted)")
    p.add_argument("--tenant", action="append", default=None, metavar="TENANT",
                   help="accept only these tenants (repeatable)")
    p.add_argument("--auto-approve", type=float, default=None, metavar="SECONDS",
                   help="approve device codes after SECONDS and sign-ins at once")
    p.add_argument("--access-token-lifetime", default=None,
                   metavar="S|LOW-HIGH", help="access token lifetime in seconds, or a range "
                   "each token's is drawn from (default: 3600-5400, Microsoft's 60-90 min)")
    p.add_argument("--refresh-in", choices=("auto", "always", "never"), default="auto",
                   help="send refresh_in (half the lifetime): auto = for tokens of 2 h or "
                   "more, as Microsoft does (default)")
    p.add_argument("--numbers-as-strings", action="store_true",
                   help="send expires_in, refresh_in and interval as strings")
    p.add_argument("--strict-rotation", action="store_true",
                   help="a refresh token stops working once a token issued from it is used "
                   "(Microsoft keeps old ones valid; this is for rotation tests)")
    p.add_argument("--refresh-token-lifetime", type=int, default=90 * 86400, metavar="S")
    p.add_argument("--device-code-lifetime", type=int, default=900, metavar="S")
    p.add_argument("--interval", type=int, default=5, metavar="S",
                   help="device code polling interval (default 5)")
    p.add_argument("--device-code-policy", default="allow", metavar="POLICY",
                   help="allow (default); block: Conditional Access refuses device-code "
                   "sign-ins "
                   "(AADSTS53003); block_silently: the sign-in never completes and the code "
                   "runs out")
    p.add_argument("--expired-device-code", type=int, default=70019, metavar="CODE",
                   help="the AADSTS code of an expired device code: 70019 (default) or "
                   "70020 (both are seen)")
    p.add_argument("--local-device-page", action="store_true",
                   help="device codes name this fake's /devicelogin page instead of "
                   "https://microsoft.com/devicelogin")
    p.add_argument("--latency-ms", type=float, default=0.0, metavar="N",
                   help="delay every answer by N milliseconds")
    p.add_argument("--fault", action="append", default=[], metavar="KIND[:COUNT]",
                   help="serve a fault on the token endpoint: a 5xx status, 429, html, "
                   "malformed_json, truncated, empty or drop (before any check), or a "
                   "Conditional Access or MFA answer instead of a user's token, such as "
                   "mfa_required or ca_blocked (an unknown KIND lists them all); COUNT is "
                   "the next N requests (default 1) or a fraction such as 0.1 (1.0: a "
                   "policy always in force)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.set_defaults(func=run)


def parse_client(text: str) -> tuple[str, str | None]:
    client_id, sep, secret = text.partition(":")
    if not client_id or not sep or not secret:
        raise UsageError(f"--client wants ID:SECRET or ID::public, not {text!r}")
    return client_id, None if secret == ":public" else secret


def parse_lifetime(text: str) -> int | tuple[int, int]:
    """``S`` or ``LOW-HIGH`` seconds."""
    from tui.fakeidp.state import check_lifetime

    low, sep, high = text.partition("-")
    try:
        value: int | tuple[int, int] = (int(low), int(high)) if sep else int(low)
        return check_lifetime(value)
    except ValueError:
        raise UsageError(f"--access-token-lifetime wants seconds or a range LOW-HIGH (such "
                         f"as 3600-5400), not {text!r}") from None


def parse_fault(text: str) -> tuple[str, int, float | None]:
    """``KIND`` / ``KIND:N`` (next N requests) / ``KIND:0.25`` (a quarter of all requests)."""
    from tui.fakeidp import check_fault

    kind, _, amount = text.partition(":")
    try:
        check_fault(kind)
        if not amount:
            return kind, 1, None
        if "." in amount:
            fraction = float(amount)
            if not 0.0 <= fraction <= 1.0:
                raise ValueError("a fraction must be between 0 and 1")
            return kind, 1, fraction
        count = int(amount)
        if count < 1:
            raise ValueError("a count must be at least 1")
        return kind, count, None
    except ValueError as exc:
        raise UsageError(f"--fault {text!r}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from tui.fakeidp import FakeIdP
    from tui.fakeidp.state import DEFAULT_LIFETIME, MICROSOFT_DEVICE_PAGE

    clients = dict(parse_client(c) for c in args.client) or None
    faults = [parse_fault(f) for f in args.fault]
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else None
    try:
        lifetime = DEFAULT_LIFETIME if args.access_token_lifetime is None else \
            parse_lifetime(args.access_token_lifetime)
        idp = FakeIdP(clients=clients, auto_approve=args.auto_approve,
                      access_token_lifetime=lifetime,
                      refresh_in={"auto": None, "always": True, "never": False}[args.refresh_in],
                      numbers_as_strings=args.numbers_as_strings,
                      strict_rotation=args.strict_rotation,
                      refresh_token_lifetime=args.refresh_token_lifetime,
                      device_code_lifetime=args.device_code_lifetime, interval=args.interval,
                      device_code_policy=args.device_code_policy,
                      expired_device_code=args.expired_device_code,
                      verification_uri=None if args.local_device_page else MICROSOFT_DEVICE_PAGE,
                      latency_ms=args.latency_ms, redirect_uris=args.redirect_uri,
                      tenants=args.tenant, host=args.host, port=args.port, log=log)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for kind, count, fraction in faults:
        idp.inject(kind, count, fraction=fraction)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            idp.start()
        except OSError as exc:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        print(idp.base_url, flush=True)
        kinds = ", ".join(f"{cid} ({'public' if secret is None else 'confidential'})"
                          for cid, secret in idp.options.clients.items())
        print(f"fake identity provider at {idp.base_url}\n"
              f"  authorize: {idp.authorize_url()}\n  token:     {idp.token_url()}\n"
              f"  device:    {idp.device_page_url}\n  clients:   {kinds}\n"
              "Stop it with Ctrl-C.", file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        idp.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("fake identity provider stopped", file=sys.stderr, flush=True)
    return 0
