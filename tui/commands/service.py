"""`exo-oauth service --print-unit [--proxy]`: systemd user units for `refresh --watch` and the
mail proxy."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import paths

if TYPE_CHECKING:
    from .common import Subparsers


def register(sub: Subparsers) -> None:
    p = sub.add_parser("service", help="print a systemd user unit for refresh --watch or the "
                                       "mail proxy",
                       description="Print a systemd user service that runs `refresh --watch`: "
                       "auto-refresh accounts stay fresh, the others' refresh tokens are kept "
                       "alive, and hooks fire.")
    p.add_argument("--print-unit", action="store_true", required=True,
                   help="print the unit file to standard output")
    p.add_argument("--keep-alive-days", type=float, default=None, metavar="N",
                   help="pass --keep-alive-days N to refresh --watch (default: its own, 30)")
    p.add_argument("--proxy", action="store_true",
                   help="a unit for `exo-oauth proxy` (the local mail proxy) instead")
    p.set_defaults(func=run_service)


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

PROXY_UNIT = """\
# exo-oauth mail proxy: password-only mail clients (printers, scanners, scripts) log in to
# 127.0.0.1 ports 1143 (IMAP), 1110 (POP3) and 1587 (SMTP); the proxy logs in to Exchange
# Online with each account's OAuth token. Give accounts proxy users and a password first:
#           exo-oauth edit LABEL --proxy-user scanner@example.com
#           exo-oauth proxy-password LABEL
# Install:  mkdir -p ~/.config/systemd/user
#           exo-oauth service --print-unit --proxy > ~/.config/systemd/user/exo-oauth-proxy.service
#           systemctl --user daemon-reload && systemctl --user enable --now exo-oauth-proxy
#           loginctl enable-linger "$USER"   # keep it running while you are logged out
# Logs:     journalctl --user -u exo-oauth-proxy -f
# Options (other ports, --listen with --local-cert/--local-key, --upstream-*) go on ExecStart.
[Unit]
Description=exo-oauth local mail proxy (IMAP, POP3, SMTP with OAuth upstream)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={exec_start}
{environment}# With a passphrase instead of a key file, keep it out of this unit:
# EnvironmentFile=%h/.config/exo-oauth/passphrase.env   (mode 0600: EXO_OAUTH_PASSPHRASE=...)
Restart=on-failure
RestartSec=10
TimeoutStopSec=10
NoNewPrivileges=yes
UMask=0077
SyslogIdentifier=exo-oauth-proxy

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
              keep_alive_days: float | None = None, proxy: bool = False) -> str:
    """The user unit; every value comes from the environment we run in, never a secret."""
    python = python or sys.executable
    argv = [python, "-m", "tui", "--config", str(config.resolve())]
    argv += ["proxy"] if proxy else ["refresh", "--watch"]
    if keep_alive_days is not None:
        argv += ["--keep-alive-days", f"{keep_alive_days:g}"]
    assignments = [f"{var}={os.environ[var]}" for var in ENV_VARS if os.environ.get(var)]
    root = _source_root()
    if root:
        assignments.append(f"PYTHONPATH={root}")
    environment = ("Environment=" + " ".join(_quote(a) for a in assignments) + "\n"
                   if assignments else "")
    return (PROXY_UNIT if proxy else UNIT).format(
        exec_start=" ".join(_quote(a) for a in argv), environment=environment)


def run_service(args: argparse.Namespace) -> int:
    if args.keep_alive_days is not None and args.keep_alive_days < 0:
        from tui.core.errors import UsageError

        raise UsageError("--keep-alive-days must be 0 or more.")
    if args.proxy and args.keep_alive_days is not None:
        from tui.core.errors import UsageError

        raise UsageError("--keep-alive-days is for the refresher; the proxy unit takes none.")
    sys.stdout.write(unit_text(paths.config_path(args.config),
                               keep_alive_days=args.keep_alive_days, proxy=args.proxy))
    if os.environ.get("EXO_OAUTH_PASSPHRASE"):
        print("note: EXO_OAUTH_PASSPHRASE is set here but is never written into the unit; "
              "put it in a 0600 file and uncomment the EnvironmentFile= line.",
              file=sys.stderr)
    return 0
