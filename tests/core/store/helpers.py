"""Shared helpers for the tests of the account store, sealing and the config commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tui.core.model import Account

ROOT = Path(__file__).resolve().parents[3]
GUID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
TENANT = "contoso.onmicrosoft.com"
SECRET = "Zq8~xVb3.Q0aHt5Lr-9WmYk2Pc7NsD4Fg6Je1Uo"


def make_account(label: str = "work", **kw: object) -> Account:
    base = dict(
        label=label,
        client_id=GUID,
        client_secret=SECRET,
        authorize_url=f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize",
        token_url=f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
    )
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def env(**extra: str) -> dict[str, str]:
    """The test's (isolated) environment for a child process, able to import tui."""
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    out.update(extra)
    return out


def run_cli(*args: str, stdin: str | None = None, **extra_env: str
            ) -> subprocess.CompletedProcess[str]:
    """`python -m tui ARGS` in a child process."""
    return subprocess.run([sys.executable, "-m", "tui", *args], input=stdin,
                          capture_output=True, text=True, env=env(**extra_env), cwd=ROOT,
                          timeout=60, check=False)


def all_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]
