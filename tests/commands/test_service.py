"""`exo-oauth service --print-unit`: a valid user unit whose ExecStart really runs the watcher."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import make_account, run
from tui import cli
from tui.core.model import TokenState
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_SECRET

PASSPHRASE = "unit-test passphrase 42"


def unit(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert run(config, "service", "--print-unit", *extra) == 0
    return capsys.readouterr().out


def parse(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=True, interpolation=None,
                                       comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def environment(value: str) -> dict[str, str]:
    """systemd's Environment= line: space-separated, optionally quoted NAME=VALUE words."""
    return dict(word.replace("%%", "%").replace("$$", "$").split("=", 1)
                for word in shlex.split(value))


def test_unit_is_valid_and_runs_refresh_watch(config: Path, store: AccountStore,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    text = unit(config, capsys)
    parsed = parse(text)
    assert parsed.sections() == ["Unit", "Service", "Install"]
    assert parsed["Install"]["WantedBy"] == "default.target"
    service = parsed["Service"]
    assert service["Type"] == "simple" and service["Restart"] == "on-failure"
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == sys.executable and argv[1:3] == ["-m", "tui"]
    assert argv[3:5] == ["--config", str(config.resolve())]
    assert argv[5:] == ["refresh", "--watch"]
    # exactly what `refresh` accepts: parse it with the real parser
    args = cli.build_parser().parse_args(argv[3:])
    assert args.command == "refresh" and args.watch and not args.all and not args.labels
    env = environment(service["Environment"])
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        assert env[var] == os.environ[var]  # where this run keeps its files
    assert "journalctl --user -u exo-oauth" in text and "enable-linger" in text


def test_no_secret_ever_reaches_the_unit(config: Path, store: AccountStore,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", DEMO_CLIENT_SECRET)
    account = store.add(make_account("mail", client_secret=DEMO_CLIENT_SECRET))
    store.save_token_state(TokenState(account.id, "mail", access_token="eyJ-access-value",
                                      refresh_token="0.refresh-value", expires_at=time.time()))
    assert run(config, "service", "--print-unit") == 0
    out = capsys.readouterr()
    for secret in (PASSPHRASE, DEMO_CLIENT_SECRET, "eyJ-access-value", "0.refresh-value"):
        assert secret not in out.out
    values = [v for section in parse(out.out).values() for v in section.values()]
    assert not any("EXO_OAUTH_PASSPHRASE" in v or "EXO_OAUTH_CLIENT_SECRET" in v
                   for v in values)
    assert "never written into the unit" in out.err  # and told where it should go


def test_specifiers_and_odd_paths_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "my 100% $HOME \"files\"" / "accounts.toml"
    monkeypatch.setenv("EXO_OAUTH_STATE_DIR", str(tmp_path / "state 50%"))
    text = unit(odd, capsys, "--keep-alive-days", "14")
    service = parse(text)["Service"]
    argv = [a.replace("%%", "%").replace("$$", "$") for a in shlex.split(service["ExecStart"])]
    assert argv[4] == str(odd.resolve())
    assert argv[5:] == ["refresh", "--watch", "--keep-alive-days", "14"]
    assert cli.build_parser().parse_args(argv[3:]).keep_alive_days == 14
    assert "100%%" in service["ExecStart"] and "$$HOME" in service["ExecStart"]
    assert environment(service["Environment"])["EXO_OAUTH_STATE_DIR"] == str(
        tmp_path / "state 50%")
    assert run(odd, "service", "--print-unit", "--keep-alive-days", "-2") == 2


def verify(analyze: str, path: Path) -> list[str]:
    """What systemd-analyze says about the unit (it exits 0 even for unknown keys)."""
    for mode in (["--user"], []):  # containers often have no user manager: system mode then
        done = subprocess.run([analyze, "verify", *mode, str(path)], capture_output=True,
                              text=True, timeout=60)
        output = done.stdout + done.stderr
        if "Failed to initialize manager" not in output:
            break
    return [line for line in output.splitlines()
            if path.name in line and "network-online" not in line]


def test_systemd_accepts_the_unit(config: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # no systemd on this machine: the configparser checks still hold
        return
    text = unit(config, capsys)
    good = tmp_path / "exo-oauth.service"
    good.write_text(text)
    assert verify(analyze, good) == []
    bad = tmp_path / "broken.service"  # the check is live: it does see mistakes
    bad.write_text(text.replace("Restart=on-failure", "Restart=sometimes\nBogusKey=1"))
    assert len(verify(analyze, bad)) == 2


def test_exec_start_really_starts_the_watcher(config: Path, store: AccountStore,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    store.add(make_account("mail"))  # not auto-refresh, no tokens: nothing to do
    service = parse(unit(config, capsys))["Service"]
    argv = shlex.split(service["ExecStart"])
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ["HOME"],
           **environment(service["Environment"])}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "watching auto-refresh accounts" in first, first or proc.stderr.read()
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        assert proc.stdout.read().strip().endswith("stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
