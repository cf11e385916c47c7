"""`exo-oauth status`: token health per account, for people and for monitoring."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

from tui.core.clock import SYSTEM_CLOCK, Clock
from tui.core.terminal_text import terminal_safe

from .common import open_store, warn_if_key_exposed

if TYPE_CHECKING:
    from tui.core.model import Account, TokenSummary

    from .common import Subparsers

# What `status` takes the time from. Tests put a ManualClock here to move time.
CLOCK: Clock = SYSTEM_CLOCK


def register(sub: Subparsers) -> None:
    p = sub.add_parser("status", help="token health per account, for people and monitoring",
                       description="Show each account's token state, expiry, last refresh, "
                       "how long its refresh token has been idle, and its last error. "
                       "With --check, exit 1 when any account needs a person within 7 days.")
    p.add_argument("labels", nargs="*", metavar="LABEL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--check", action="store_true",
                   help="print only problems; exit 0 if all healthy, 1 otherwise")
    p.add_argument("--days", type=float, default=7.0,
                   help="with --check: warn this many days before a person is needed "
                        "(default 7)")
    p.set_defaults(func=run_status)


def _fmt_time(ts: float | None) -> str:
    if not ts:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _error_note(h: Any) -> str:
    """The last error and where the catalog explains it (unless the problem says it already)."""
    parts = []
    if h.last_error and h.last_error not in h.problem:
        parts.append(h.last_error)
    if h.last_error and h.last_error_id:
        parts.append(f"see `exo-oauth troubleshoot {h.last_error_id}`")
    return f" ({'; '.join(parts)})" if parts else ""


def _proxy_note(account: Any) -> str:
    """Whether the mail proxy can serve this account: its users and its password."""
    count = len(account.proxy_users)
    if not count:
        return "password, no users" if account.proxy_password_hash else "-"
    users = f"{count} user{'s' if count != 1 else ''}"
    return users if account.proxy_password_hash else f"{users}, no password"


def run_status(args: argparse.Namespace) -> int:
    from tui.core.health import assess, describe, human_duration

    store = open_store(args)
    summaries = store.load_summaries()  # status needs no secret opened
    warn_if_key_exposed(store)
    if args.labels:
        from tui.core.errors import AmbiguousLabel, NoSuchAccount

        by_label: dict[str, list[tuple[Account, TokenSummary]]] = {}
        for row in summaries:
            by_label.setdefault(row[0].label, []).append(row)
        for label in args.labels:
            found = by_label.get(label, [])
            if not found:
                raise NoSuchAccount(label)
            if len(found) > 1:  # a hand edit: never report one of them as "the" account
                raise AmbiguousLabel(label, [a.id for a, _ in found], str(store.path))
        summaries = [by_label[label][0] for label in args.labels]
    now = CLOCK.time()
    rows = []
    for account, state in summaries:
        h = assess(state, now=now, auto_refresh=account.auto_refresh, window_days=args.days,
                   app_only=account.is_app_only)
        rows.append((account, h))
    problems = [(a, h) for a, h in rows if not h.healthy]
    if args.json:
        print(json.dumps({"accounts": [{
            "label": a.label, "state": h.state, "status": describe(h, now),
            "expires_in": None if h.expires_in is None else round(h.expires_in),
            "last_refresh_at": h.last_refresh_at,
            "refresh_token_idle_days": None if h.refresh_token_idle_days is None
            else round(h.refresh_token_idle_days, 1),
            "last_error": h.last_error or None, "last_error_entry": h.last_error_id or None,
            "refresh_failed_at": h.refresh_failed_at,
            "auto_refresh": a.auto_refresh, "flow": a.flow, "healthy": h.healthy,
            "problem": h.problem or None,
            "proxy_users": list(a.proxy_users),
            "proxy_password": bool(a.proxy_password_hash),
        } for a, h in rows], "healthy": not problems}, indent=2))
        return 1 if args.check and problems else 0
    if args.check:
        for a, h in problems:
            print(f"{a.label}: {h.problem.replace('LABEL', a.label)}{_error_note(h)}")
        if not problems:
            print(f"OK: {len(rows)} account(s) healthy")
        return 1 if problems else 0
    if not rows:
        print("No accounts yet. Add one with `exo-oauth add` or open the UI with `exo-oauth`.")
        return 0
    proxy = any(a.proxy_users or a.proxy_password_hash for a, _ in rows)
    # The status names a failed refresh (code and time) once; the problem says what to do.
    header: tuple[str, ...] = ("LABEL", "STATUS", "LAST REFRESH", "RT IDLE",
                               *(("PROXY",) if proxy else ()), "PROBLEM")
    table = [header]
    for a, h in rows:
        idle = "-" if h.refresh_token_idle_days is None else \
            human_duration(h.refresh_token_idle_days * 86400)
        problem = h.problem.replace("LABEL", a.label)
        if problem and h.last_error_id:
            problem += f" (see `exo-oauth troubleshoot {h.last_error_id}`)"
        # escaped here already (not only on the way out), so the columns line up
        table.append((terminal_safe(a.label), describe(h, now), _fmt_time(h.last_refresh_at),
                      idle, *((_proxy_note(a),) if proxy else ()),
                      terminal_safe(problem) or "-"))
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0
