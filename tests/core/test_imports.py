"""Import hygiene: tui.core and `exo-oauth list` never load Textual (checked in a child)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT, SECRET, child_env, loaded_after, run_process

MINE = ("tui.core", "tui.core.store.fileio", "tui.core.store.seal", "tui.core.store.token_format",
        "tui.core.store.account_store",
        "tui.core.store.account_file", "tui.core.model", "tui.core.validate", "tui.core.tenant",
        "tui.core.paths", "tui.core.errors", "tui.commands.accounts",
        "tui.commands.accounts_output")


def test_core_modules_do_not_import_textual() -> None:
    modules = loaded_after("import " + ", ".join(MINE))
    assert set(MINE) <= modules
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}
    assert "httpx" not in modules


def test_reading_the_store_does_not_load_tomlkit() -> None:
    """tomlkit is for writing; `list`, `show` and the token path only read."""
    modules = loaded_after("from tui.core.store.account_store import AccountStore\n"
                           "from tui.core import paths\n"
                           "AccountStore(paths.config_path()).load()")
    assert "tomlkit" not in modules and "textual" not in modules


def test_exo_oauth_list_via_python_m_tui_does_not_import_textual() -> None:
    assert run_process("add", "work", "--client-id", "abc", "--tenant", "common",
                       EXO_OAUTH_CLIENT_SECRET=SECRET).returncode == 0
    # 1. `python -X importtime -m tui list`: every import statement is reported.
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "tui", "list"],
                          capture_output=True, text=True, env=child_env(), cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "work" in done.stdout
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert {"tui.cli", "tui.core.store.account_store"} <= imported  # the check sees our own imports
    assert not {m for m in imported if m.split(".")[0] in ("textual", "tomlkit")}
    # 2. The same run as `-m` does it (runpy), looking at sys.modules at exit: this also
    #    catches modules loaded with importlib, which importtime does not report.
    probe = ("import atexit, runpy, sys\n"
             "atexit.register(lambda: print('LOADED:' + ','.join(sorted({m.split('.')[0] "
             "for m in sys.modules})), file=sys.stderr))\n"
             "sys.argv = ['exo-oauth', 'list']\n"
             "runpy.run_module('tui', run_name='__main__', alter_sys=True)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=child_env(), cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED:")]
    top = set(line.removeprefix("LOADED:").split(","))
    assert "tui" in top and "textual" not in top and "tomlkit" not in top


def test_doctor_core_modules_never_import_textual() -> None:
    loaded = loaded_after("import tui.core.doctor.diagnose, tui.core.doctor.network, "
                          "tui.core.doctor.mail, tui.core.doctor.jwtinfo")
    assert "tui.core.doctor.mail" in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_the_oauth_service_skips_httpxs_command_line_tool() -> None:
    """httpx would import click, rich and pygments for its own CLI whenever click is
    importable (here it is: import-linter needs it); the service never loads them."""
    loaded = loaded_after("import importlib.util\nassert importlib.util.find_spec('click')\n"
                          "import tui.core.oauth.service, httpx\n"
                          "assert httpx.Client().__class__.__name__ == 'Client'")
    assert "httpx" in loaded and not loaded & {"click", "rich", "pygments"}
