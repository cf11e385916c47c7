"""Commands for boxes nobody logs into: `status` for monitoring, `service` for systemd."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tui.core import paths
from tui.core.clock import SYSTEM_CLOCK, Clock

# What `status` takes the time from. Tests put a ManualClock here to move time.
CLOCK: Clock = SYSTEM_CLOCK


def register(sub: argparse._SubParsersAction) -> None:
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

    s = sub.add_parser("service", help="print a systemd user unit that runs refresh --watch",
                       description="Print a systemd user service that runs `refresh --watch`: "
                       "auto-refresh accounts stay fresh, the others' refresh tokens are kept "
                       "alive, and hooks fire.")
    s.add_argument("--print-unit", action="store_true", required=True,
                   help="print the unit file to standard output")
    s.add_argument("--keep-alive-days", type=float, default=None, metavar="N",
                   help="pass --keep-alive-days N to refresh --watch (default: its own, 30)")
    s.set_defaults(func=run_service)


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


def run_status(args: argparse.Namespace) -> int:
    from tui.core.health import assess, describe, human_duration
    from tui.core.store.account_store import AccountStore

    store = AccountStore(paths.config_path(args.config))
    accounts = store.load()
    if args.labels:
        by_label = {a.label: a for a in accounts}
        missing = [label for label in args.labels if label not in by_label]
        if missing:
            from tui.core.errors import NoSuchAccount

            raise NoSuchAccount(missing[0])
        accounts = [by_label[label] for label in args.labels]
    now = CLOCK.time()
    rows = []
    for account in accounts:
        state = store.token_state(account)
        h = assess(state, now=now, auto_refresh=account.auto_refresh, window_days=args.days,
                   app_only=account.is_app_only)
        rows.append((account, h))
    problems = [(a, h) for a, h in rows if not h.healthy]
    if args.json:
        print(json.dumps({"accounts": [{
            "label": a.label, "state": h.state, "status": describe(h),
            "expires_in": None if h.expires_in is None else round(h.expires_in),
            "last_refresh_at": h.last_refresh_at,
            "refresh_token_idle_days": None if h.refresh_token_idle_days is None
            else round(h.refresh_token_idle_days, 1),
            "last_error": h.last_error or None, "last_error_entry": h.last_error_id or None,
            "auto_refresh": a.auto_refresh, "flow": a.flow, "healthy": h.healthy,
            "problem": h.problem or None,
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
    header = ("LABEL", "STATUS", "LAST REFRESH", "RT IDLE", "LAST ERROR", "PROBLEM")
    table = [header]
    for a, h in rows:
        idle = "-" if h.refresh_token_idle_days is None else \
            human_duration(h.refresh_token_idle_days * 86400)
        error = h.last_error + (f" [{h.last_error_id}]" if h.last_error_id else "")
        table.append((a.label, describe(h), _fmt_time(h.last_refresh_at), idle,
                      error or "-", h.problem.replace("LABEL", a.label) or "-"))
    widths = [max(len(r[i]) for r in table) for i in range(len(header) - 1)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


UNIT = """\
# exo-oauth: keeps OAuth2 tokens fresh with `refresh --watch` (auto-refresh accounts before
# they expire; the others' refresh tokens before Microsoft's 90-day idle limit; hooks).
# Install:  mkdir -p ~/.config/systemd/user
#           exo-oauth service --print-unit > ~/.config/systemd/user/exo-oauth.service
#           systemctl --user daemon-reload && systemctl --user enable --now exo-oauth
#           loginctl enable-linger "$USER"   # keep it running while you are logged out
# Logs:     journalctl --user -u exo-oauth -f
[Unit]
Description=exo-oauth token refresher (refresh --watch)
After=network-online.target

[Service]
Type=simple
ExecStart={exec_start}
{environment}# With a passphrase instead of a key file, keep it out of this unit:
# EnvironmentFile=%h/.config/exo-oauth/passphrase.env   (mode 0600: EXO_OAUTH_PASSPHRASE=...)
Restart=on-failure
RestartSec=30
NoNewPrivileges=yes
UMask=0077
SyslogIdentifier=exo-oauth

[Install]
WantedBy=default.target
"""
# Variables that decide where exo-oauth finds its files; copied into the unit when set.
ENV_VARS = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "EXO_OAUTH_STATE_DIR",
            "EXO_OAUTH_KEY_FILE")


def _quote(arg: str) -> str:
    """One word for a unit file: systemd expands % specifiers and $ variables, so double them."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and all(c.isalnum() or c in "/._-+=:@%" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _source_root() -> str | None:
    """The checkout holding ``tui`` when it is not installed into site-packages."""
    import sysconfig

    import tui

    root = Path(tui.__file__).resolve().parent.parent
    installed = {Path(p).resolve() for p in (sysconfig.get_paths()["purelib"],
                                             sysconfig.get_paths()["platlib"])}
    return None if root in installed else str(root)


def unit_text(config: Path, python: str | None = None,
              keep_alive_days: float | None = None) -> str:
    """The user unit; every value comes from the environment we run in, never a secret."""
    python = python or sys.executable
    argv = [python, "-m", "tui", "--config", str(config.resolve()), "refresh", "--watch"]
    if keep_alive_days is not None:
        argv += ["--keep-alive-days", f"{keep_alive_days:g}"]
    assignments = [f"{var}={os.environ[var]}" for var in ENV_VARS if os.environ.get(var)]
    root = _source_root()
    if root:
        assignments.append(f"PYTHONPATH={root}")
    environment = ("Environment=" + " ".join(_quote(a) for a in assignments) + "\n"
                   if assignments else "")
    return UNIT.format(exec_start=" ".join(_quote(a) for a in argv), environment=environment)


def run_service(args: argparse.Namespace) -> int:
    if args.keep_alive_days is not None and args.keep_alive_days < 0:
        from tui.core.errors import UsageError

        raise UsageError("--keep-alive-days must be 0 or more.")
    sys.stdout.write(unit_text(paths.config_path(args.config),
                               keep_alive_days=args.keep_alive_days))
    if os.environ.get("EXO_OAUTH_PASSPHRASE"):
        print("note: EXO_OAUTH_PASSPHRASE is set here but is never written into the unit; "
              "put it in a 0600 file and uncomment the EnvironmentFile= line.",
              file=sys.stderr)
    return 0
