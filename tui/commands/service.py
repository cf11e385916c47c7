"""`exo-oauth service --print-unit`: a systemd user unit that runs `refresh --watch`."""

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
    p = sub.add_parser("service", help="print a systemd user unit that runs refresh --watch",
                       description="Print a systemd user service that runs `refresh --watch`: "
                       "auto-refresh accounts stay fresh, the others' refresh tokens are kept "
                       "alive, and hooks fire.")
    p.add_argument("--print-unit", action="store_true", required=True,
                   help="print the unit file to standard output")
    p.add_argument("--keep-alive-days", type=float, default=None, metavar="N",
                   help="pass --keep-alive-days N to refresh --watch (default: its own, 30)")
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
