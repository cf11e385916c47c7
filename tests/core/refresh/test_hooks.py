"""Hooks run without a shell, with a timeout, and never see a secret."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tui.core.refresh.hooks import run_hook

DUMP_ENV = (
    "import json, os, sys; "
    "json.dump(dict(os.environ), open(sys.argv[1], 'w'))"
)


def test_hook_gets_label_event_and_redacted_summary(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", "abc~SECRETVALUE123")
    out = tmp_path / "env.json"
    summary = "invalid_grant: AADSTS70008 refresh_token=0.AAAAsecretrefresh&x=1"
    result = run_hook([sys.executable, "-c", DUMP_ENV, str(out)], label="mail",
                      event="refresh_failure", summary=summary)
    assert result.ok
    env = json.loads(out.read_text())
    assert env["EXO_OAUTH_LABEL"] == "mail"
    assert env["EXO_OAUTH_EVENT"] == "refresh_failure"
    assert "AADSTS70008" in env["EXO_OAUTH_ERROR"]
    dumped = out.read_text()
    for secret in ("correct horse", "SECRETVALUE123", "0.AAAAsecretrefresh"):
        assert secret not in dumped
    assert "EXO_OAUTH_PASSPHRASE" not in env and "EXO_OAUTH_CLIENT_SECRET" not in env


def test_no_shell_is_involved(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    result = run_hook(f"{sys.executable} -c pass ; touch {marker}", label="a",
                      event="refresh_success")
    # the ';' and 'touch' are plain arguments to python -c, not shell syntax
    assert result.ok and not marker.exists()


def test_timeout_is_enforced_and_reported() -> None:
    result = run_hook([sys.executable, "-c", "import time; time.sleep(30)"], label="a",
                      event="refresh_failure", timeout=0.5)
    assert result.returncode is None and "timed out" in result.problem


def test_failing_or_missing_hook_never_raises(tmp_path: Path) -> None:
    bad = run_hook([sys.executable, "-c", "raise SystemExit(3)"], label="a",
                   event="needs_authorization")
    assert bad.returncode == 3 and not bad.ok
    missing = run_hook([str(tmp_path / "no-such-program")], label="a",
                       event="needs_authorization")
    assert missing.returncode is None and "could not start" in missing.problem



def test_hook_environment_is_terminal_safe(tmp_path: Path) -> None:
    """A hook echoes its environment into a mail or a terminal: a label or an error with
    escape sequences arrives escaped, and a NUL (TOML allows "\\u0000" in a label) does
    not stop the hook from running."""
    from tests.helpers import HOSTILE_ERROR, HOSTILE_LABEL, raw_controls

    out = tmp_path / "env.json"
    for label in (HOSTILE_LABEL, "nul\x00label"):
        result = run_hook([sys.executable, "-c", DUMP_ENV, str(out)], label=label,
                          event="refresh_failure", summary=HOSTILE_ERROR["error_description"],
                          extra={"EXO_OAUTH_ERROR_ID": "x\x1b[2J"})
        assert result.ok
        env = json.loads(out.read_text())
        for name in ("EXO_OAUTH_LABEL", "EXO_OAUTH_ERROR", "EXO_OAUTH_ERROR_ID"):
            assert raw_controls(env[name]) == [], name
        assert env["EXO_OAUTH_LABEL"] in ("a2\\x1b]0;pwned\\x07\\u202e", "nul\\x00label")
        assert env["EXO_OAUTH_ERROR_ID"] == "x\\x1b[2J"
