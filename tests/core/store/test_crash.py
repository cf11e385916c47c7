"""Crash safety and concurrency of the account file, with real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import child_env
from tui.core.model import Account
from tui.core.store.account_store import AccountStore

WRITER = str(Path(__file__).with_name("crash_writer.py"))


def helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, WRITER, *args], capture_output=True, text=True,
                          env=child_env(), timeout=120, check=False)


def test_sigkill_mid_save_never_loses_or_breaks_anything(config: Path) -> None:
    assert helper("seed", str(config)).returncode == 0
    done = helper("kill-loop", str(config), "60")
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads(done.stdout)
    assert report["rounds"] == 60
    # Evidence that kills landed inside saves: half-written temp files were left behind
    # (at least by every writer killed between writing its temp file and renaming it).
    assert report["rounds_killed_before_rename"] == 20
    assert report["rounds_with_half_written_temp"] >= 20, report
    store = AccountStore(config)
    # the five seeded accounts, plus any "extra" a kill caught between add and delete
    assert sum(1 for label in store.labels() if label.startswith("base-")) == 5
    store.add(Account(label="after", client_id="x", client_secret="y"))
    leftovers = [p for p in config.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []  # the next save sweeps temp files of killed writers


def test_two_processes_editing_different_accounts_keep_every_edit(config: Path) -> None:
    assert helper("seed", str(config)).returncode == 0
    procs = [subprocess.Popen([sys.executable, WRITER, "edits", str(config), label, "50"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=child_env())
             for label in ("base-1", "base-3")]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:  # start both at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = AccountStore(config)
    for label in ("base-1", "base-3"):
        names = [r.name for r in store.get(label).token_params]
        assert names[1:] == [f"edit-{i}" for i in range(50)], label
    assert len(store.load()) == 5
