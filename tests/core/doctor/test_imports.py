"""Doctor's core modules stay free of Textual, and registering the command stays cheap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def loaded_after(code: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print('\\n'.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return {m.split(".")[0] for m in out.stdout.split()}


def test_doctor_core_modules_never_import_textual() -> None:
    loaded = loaded_after("import tui.core.doctor.diagnose, tui.core.doctor.network, "
                          "tui.core.doctor.mail, "
                          "tui.core.doctor.jwtinfo")
    assert "tui" in loaded and "textual" not in loaded


def test_registering_the_command_imports_nothing_heavy() -> None:
    loaded = loaded_after("import argparse, tui.commands.doctor as d\n"
                          "d.register(argparse.ArgumentParser().add_subparsers())")
    assert not loaded & {"textual", "httpx", "tomlkit", "imaplib", "smtplib"}
