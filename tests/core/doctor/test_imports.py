"""Doctor's core modules stay free of Textual, and registering the command stays cheap."""

from __future__ import annotations

from tests.helpers import loaded_after


def top_level(code: str) -> set[str]:
    return {m.split(".")[0] for m in loaded_after(code)}


def test_doctor_core_modules_never_import_textual() -> None:
    loaded = top_level("import tui.core.doctor.diagnose, tui.core.doctor.network, "
                       "tui.core.doctor.mail, "
                       "tui.core.doctor.jwtinfo")
    assert "tui" in loaded and "textual" not in loaded


def test_registering_the_command_imports_nothing_heavy() -> None:
    loaded = top_level("import argparse, tui.commands.doctor as d\n"
                       "d.register(argparse.ArgumentParser().add_subparsers())")
    assert not loaded & {"textual", "httpx", "tomlkit", "imaplib", "smtplib"}
