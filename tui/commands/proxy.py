"""`exo-oauth proxy` and `exo-oauth proxy-password`: the local mail proxy for clients that
only know a user name and a password (printers, scanners, cron jobs, old applications)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from tui.core.errors import UsageError
from tui.core.proxy.defaults import DEFAULT_LISTEN, LISTENERS, UPSTREAMS

from . import common

if TYPE_CHECKING:
    from tui.core.proxy.setup import ProxyOptions

    from .common import Subparsers

KINDS = [(kind, name, port) for kind, (name, port) in LISTENERS.items()]


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "proxy", help="run the local IMAP/POP3/SMTP proxy for password-only mail clients",
        description="Run a local IMAP, POP3 and SMTP proxy in the foreground. Clients log in "
        "with a mailbox address and the account's local proxy password (see proxy-password); "
        "the proxy logs in to the mail server with XOAUTH2 and the account's token over "
        "verified TLS and relays the session. Stop it with Ctrl-C or SIGTERM.")
    p.add_argument("labels", nargs="*", metavar="LABEL",
                   help="serve only these accounts (default: every account with proxy users)")
    p.add_argument("--listen", metavar="ADDR", default=DEFAULT_LISTEN,
                   help=f"address to listen on (default {DEFAULT_LISTEN}; any other but "
                        "loopback needs --local-cert and --local-key)")
    for kind, name, port in KINDS:
        p.add_argument(f"--{kind}-port", type=int, default=port, metavar="N",
                       help=f"{name} port (default {port})")
    for kind, name, _ in KINDS:
        p.add_argument(f"--no-{kind}", action="store_true", help=f"no {name} listener")
    for kind, name, _ in KINDS:
        host, port = UPSTREAMS[kind]
        p.add_argument(f"--upstream-{kind}", metavar="HOST:PORT",
                       help=f"{name} server (default {host}:{port}; ports 993, 995 and 465 "
                            "use implicit TLS, others STARTTLS)")
    p.add_argument("--upstream-ca", metavar="FILE",
                   help="trust only the CA certificates in FILE for the mail servers "
                        "(default: the system's)")
    p.add_argument("--local-cert", metavar="FILE", help="certificate (PEM) clients see")
    p.add_argument("--local-key", metavar="FILE", help="its private key (PEM)")
    p.set_defaults(func=cmd_proxy)

    p = sub.add_parser(
        "proxy-password", help="make a new local password for the mail proxy",
        description="Make a new random local password for the account's proxy users, print "
        "it once, and store only a salted scrypt hash of it. The old password stops working. "
        "This is never the Microsoft password.")
    p.add_argument("label")
    p.add_argument("--stdin", action="store_true",
                   help="read the password from standard input instead of making one")
    p.set_defaults(func=cmd_proxy_password)


# -- proxy-password ---------------------------------------------------------------------------


def cmd_proxy_password(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from tui.core.proxy.passwords import MIN_LENGTH, hash_password, new_password

    store = common.open_store(args)
    account = store.get(args.label)
    if args.stdin:
        given = sys.stdin.readline().rstrip("\r\n")
        if len(given) < MIN_LENGTH:
            raise UsageError(f"The proxy password must have at least {MIN_LENGTH} characters; "
                             "or leave out --stdin to get a random one.")
        password = given
    else:
        password = new_password()
    store.update(replace(account, proxy_password_hash=hash_password(password)),
                 expected=account)
    if not args.stdin:
        print(password, flush=True)
    users = ", ".join(account.proxy_users)
    common.err(f"Stored a new proxy password for {account.label!r} as a salted hash"
               + ("; it is shown only this once." if not args.stdin else "."))
    if users:
        common.err(f"Clients log in with one of these addresses and this password: {users}.")
    else:
        common.err(f"No address may use it yet: add one with `exo-oauth edit {account.label} "
                   "--proxy-user ADDRESS`.")
    return 0


# -- proxy --------------------------------------------------------------------------------------


def options_from(args: argparse.Namespace) -> ProxyOptions:
    from tui.core.proxy.setup import ProxyOptions, check_options
    from tui.core.proxy.upstream import default_upstream, parse_upstream

    ports = {kind: getattr(args, f"{kind}_port") for kind, _, _ in KINDS
             if not getattr(args, f"no_{kind}")}
    for kind, port in ports.items():
        if not 0 < port < 65536:
            raise UsageError(f"--{kind}-port {port}: give a port between 1 and 65535.")
    upstreams = {}
    for kind, _, _ in KINDS:
        text = getattr(args, f"upstream_{kind}")
        upstreams[kind] = parse_upstream(kind, text) if text else default_upstream(kind)
    options = ProxyOptions(listen=args.listen, ports=ports, upstreams=upstreams,
                           upstream_ca=args.upstream_ca, local_cert=args.local_cert,
                           local_key=args.local_key, labels=tuple(args.labels))
    check_options(options)
    return options


def cmd_proxy(args: argparse.Namespace) -> int:
    import asyncio

    options = options_from(args)
    store = common.open_store(args)
    accounts = store.load(with_tokens=False)
    known = {a.label for a in accounts}
    for label in args.labels:
        if label not in known:
            from tui.core.errors import NoSuchAccount

            raise NoSuchAccount(label)
    served = [a for a in accounts if a.proxy_users and (not args.labels or a.label in args.labels)]
    if not served:
        common.err("note: no account has proxy users yet, so every login will be refused; "
                   "add one with `exo-oauth edit LABEL --proxy-user ADDRESS`.")
    for account in served:
        if not account.proxy_password_hash:
            common.err(f"note: {account.label!r} has proxy users but no proxy password; make "
                       f"one with `exo-oauth proxy-password {account.label}`.")
    return asyncio.run(_serve(store, options))


def _log(line: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stderr, flush=True)


async def _serve(store: Any, options: ProxyOptions) -> int:
    import asyncio
    import signal

    from tui.core.proxy.server import ready_lines
    from tui.core.proxy.setup import make_server, serve

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def ready(bound: Any) -> None:
        for line in ready_lines(bound):
            common.err(line)

    try:
        async with common.make_service() as service:
            server, gate = make_server(store, service, options, _log)
            try:
                await serve(server, gate, stop, ready)
            except OSError as exc:
                raise UsageError(f"Cannot listen on {options.listen}: "
                                 f"{exc.strerror or exc}. Choose other ports with --imap-port, "
                                 "--pop-port and --smtp-port, or stop what uses them.") from exc
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    common.err("proxy stopped")
    return 0
