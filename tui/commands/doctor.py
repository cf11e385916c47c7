"""`exo-oauth doctor LABEL`: run every check on one account and say what to fix."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from tui.core.errors import UsageError

if TYPE_CHECKING:
    from tui.core.doctor.checks import Options
    from tui.core.doctor.diagnose import Report

    from .common import Subparsers

EPILOG = """\
checks, in order: configuration rules; the key or passphrase opens the secrets; file
and folder permissions; the token and authorize hosts resolve and speak TLS; the
clock against the identity provider's Date header; the access token (refreshed if it
has expired) and, when it is a JWT, its audience, scopes, user, tenant and expiry
compared with the scope rows; with --imap/--smtp, a real SASL XOAUTH2 login.
Tokens, secrets and passphrases are never printed.

exit status:
  0  no check failed (warnings allowed)
  1  at least one check failed
  2  bad options
  3  no account has that label
  6  the account file cannot be read at all, so no check could run

TLS trust: the same CAs as the other commands (SSL_CERT_FILE, else the bundled
list); --cafile FILE trusts the PEM certificates in FILE instead (e.g. a company's
TLS-inspecting proxy root). Export SSL_CERT_FILE=FILE so the other commands trust it too.
"""


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "doctor", help="check an account end to end and say what to fix",
        description="Run every check that can be run for one account and print a pass, "
        "warn or fail line for each, with the fix.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("label")
    p.add_argument("--imap", metavar="HOST[:PORT]",
                   help="also log in to this IMAP server over TLS with XOAUTH2 (port 993 "
                        "by default; Exchange Online: outlook.office365.com)")
    p.add_argument("--smtp", metavar="HOST[:PORT]",
                   help="also log in to this SMTP server with STARTTLS and XOAUTH2 (port 587 "
                        "by default, 465 means TLS from the start; Exchange Online: "
                        "smtp.office365.com)")
    p.add_argument("--user", metavar="EMAIL",
                   help="mailbox for the logins (default: the user the token names)")
    p.add_argument("--cafile", metavar="FILE",
                   help="trust the CA certificates in this PEM file for TLS checks and "
                        "requests")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="give up on a host after this many seconds (default 10)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_doctor)


def options_from(args: argparse.Namespace) -> Options:
    from tui.core.doctor.checks import Options
    from tui.core.doctor.mail import IMAP_PORT, SMTP_PORT, parse_server

    if not args.timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds.")
    if args.user is not None and "@" not in args.user:
        raise UsageError(f"--user {args.user!r}: give the mailbox address, e.g. "
                         "you@contoso.com.")
    return Options(
        imap=parse_server(args.imap, IMAP_PORT, "--imap") if args.imap else None,
        smtp=parse_server(args.smtp, SMTP_PORT, "--smtp") if args.smtp else None,
        user=args.user, cafile=args.cafile, timeout=args.timeout)


def render(report: Report) -> str:
    """The report for people: one line per check, its fix and catalog entry below it."""
    lines = [f"exo-oauth doctor: {report.label!r} in {report.config_path}"]
    width = max((len(c.name) for c in report.checks), default=0)
    for check in report.checks:
        lines.append(f"{check.status.upper():<4}  {check.name:<{width}}  {check.detail}")
        if check.fix and check.status != "pass":
            lines.append(f"      fix: {check.fix}")
        if check.entry and check.status != "pass":
            lines.append(f"      more: exo-oauth troubleshoot {check.entry}")
    passed, warned, failed = (report.count(s) for s in ("pass", "warn", "fail"))
    lines.append(f"{passed} passed, {warned} warning{'s' if warned != 1 else ''}, "
                 f"{failed} failed")
    return "\n".join(lines)


def to_json(report: Report) -> str:
    return json.dumps({
        "label": report.label, "config": report.config_path, "ok": report.ok,
        "summary": {s: report.count(s) for s in ("pass", "warn", "fail")},
        "checks": [c.to_json() for c in report.checks],
    }, indent=2)


def run_doctor(args: argparse.Namespace) -> int:
    import asyncio

    from tui.core.doctor.diagnose import diagnose
    from tui.core.paths import config_path
    from tui.core.store.account_store import AccountStore

    options = options_from(args)
    store = AccountStore(config_path(args.config))
    report = asyncio.run(diagnose(store, args.label, options))
    print(to_json(report) if args.json else render(report), flush=True)
    return 0 if report.ok else 1
