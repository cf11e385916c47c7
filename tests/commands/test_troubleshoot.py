"""`exo-oauth troubleshoot`: codes, words, stdin, JSON, the list, and never echoing secrets."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.core.troubleshoot.samples import TRACE, body, redirect
from tui import cli
from tui.core.troubleshoot import catalog

SECRET_CODE = "1.AQoAq1w2e3r4t5y6u7i8o9p0AbCdEfGhIjKlMnOpQrStUvWxYz1234567890_xyz"


class _Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "", tty: bool = True) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", _Stdin(stdin, tty))
    code = cli.main(["troubleshoot", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_explains_a_code(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "AADSTS7000215")
    assert code == 0
    assert "Wrong client secret" in out and "[aadsts.7000215]" in out
    assert "    1. " in out and "More: https://login.microsoftonline.com/error?code=7000215" in out


def test_words_are_joined(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "Invalid", "client_id", "parameter")
    assert code == 0 and "[seed.invalid_client_id]" in out


def test_reads_stdin_with_dash_and_when_piped(capsys, monkeypatch) -> None:
    text = body(700082, "invalid_grant")
    for argv in (["-"], []):
        code, out, _ = run(capsys, monkeypatch, *argv, stdin=text, tty=False)
        assert code == 0 and "[aadsts.700082]" in out
        assert f"Trace ID: {TRACE}" in out and "Timestamp: 2016-01-09 02:02:12Z" in out


def test_no_text_on_a_terminal_is_a_usage_error(capsys, monkeypatch) -> None:
    code, _, err = run(capsys, monkeypatch)
    assert code == 2
    assert "--list" in err


def test_json_output(capsys, monkeypatch) -> None:
    url = redirect("invalid_grant", 70008)
    code, out, _ = run(capsys, monkeypatch, "--json", url)
    assert code == 0
    data = json.loads(out)
    first = data["matches"][0]
    assert {"id", "codes", "title", "reason", "resolution", "link"} <= set(first)
    assert first["id"] == "aadsts.70008" and first["codes"] == [70008]
    assert data["matches"][1]["id"] == "oauth.invalid_grant"
    assert data["parsed"]["codes"] == [70008]
    assert data["parsed"]["errors"] == ["invalid_grant"]
    assert data["parsed"]["trace_id"] == TRACE
    assert data["parsed"]["description"].startswith("AADSTS70008:")


def test_json_for_an_unknown_code_carries_its_lookup_link(capsys, monkeypatch) -> None:
    _, out, _ = run(capsys, monkeypatch, "--json", "invalid_scope AADSTS1234567")
    first = json.loads(out)["matches"][0]
    assert first["id"] == "oauth.invalid_scope"
    assert first["link"] == "https://login.microsoftonline.com/error?code=1234567"


def test_no_match_says_so_and_points_to_list(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "the printer is on fire")
    assert code == 0
    assert "No catalog entry matches" in out and "--list" in out
    _, out, _ = run(capsys, monkeypatch, "--json", "the printer is on fire")
    assert json.loads(out)["matches"] == []


def test_list(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "--list")
    assert code == 0
    for entry in catalog.load():
        assert entry.id in out
    _, out, _ = run(capsys, monkeypatch, "--list", "--json")
    assert len(json.loads(out)["entries"]) == len(catalog.load())


def test_all_shows_every_match_in_full(capsys, monkeypatch) -> None:
    _, out, _ = run(capsys, monkeypatch, "--all", body(7000215, "invalid_client"))
    assert "[aadsts.7000215]" in out and "[oauth.invalid_client]" in out
    assert out.count("What to do:") == 2


def test_secrets_in_the_input_are_never_echoed(capsys, monkeypatch) -> None:
    url = (f"http://localhost:8400/?code={SECRET_CODE}&error=invalid_grant&error_description="
           f"AADSTS70008%3a+code%3d{SECRET_CODE}+expired&state=x")
    for argv in ([url], ["--json", url], ["--all", url]):
        _, out, err = run(capsys, monkeypatch, *argv)
        assert SECRET_CODE not in out + err
        assert SECRET_CODE[:16] not in out + err
