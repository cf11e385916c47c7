"""`exo-oauth` as a whole: every failing command prints its error, then the catalog's advice."""

from __future__ import annotations

import pytest

from tui import cli
from tui.core.errors import NETWORK, OAuthError, SealError


def test_report_prints_the_error_then_the_advice(capsys) -> None:
    exc = OAuthError("Token request failed (HTTP 400): invalid_grant: AADSTS700082.",
                     status=400, error="invalid_grant", codes=(700082,))
    assert cli.report(exc, debug=False) == 5
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "exo-oauth: Token request failed (HTTP 400): invalid_grant: AADSTS700082."
    assert "The refresh token died after 90 days without use" in err[1]
    assert err[2].lstrip().startswith("1. ")


@pytest.mark.parametrize(("exc", "entry_title"), [
    (OAuthError("Token request failed: no answer from https://h/t: could not connect "
                "([Errno -2] Name or service not known).", kind=NETWORK),
     "The host name could not be resolved"),
    (SealError("Wrong passphrase for /a.toml: EXO_OAUTH_PASSPHRASE does not open the secrets."),
     "Stored secrets cannot be opened"),
    (PermissionError(13, "Permission denied"), "Permission denied on a file or folder"),
])
def test_report_advice_for_other_failures(capsys, exc: BaseException, entry_title: str) -> None:
    cli.report(exc, debug=False)
    assert entry_title in capsys.readouterr().err


def test_report_without_a_match_prints_only_the_error(capsys) -> None:
    assert cli.report(KeyError("x"), debug=False) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_failing_commands_print_error_then_advice(tmp_path, capsys, monkeypatch) -> None:
    """End to end through cli.main: store and account errors come with catalog advice."""
    config = str(tmp_path / "accounts.toml")
    monkeypatch.setenv("EXO_OAUTH_CLIENT_SECRET", "not-a-real-secret")
    assert cli.main(["--config", config, "add", "work", "--client-id",
                     "00000000-0000-4000-8000-00000000c0de", "--tenant", "contoso.example"]) == 0
    capsys.readouterr()
    assert cli.main(["--config", config, "show", "nobody"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("exo-oauth: No account is labelled 'nobody'")
    assert "No account with that label" in err[1]
    assert cli.main(["--config", config, "token", "work"]) == 4
    err = capsys.readouterr().err
    assert "The account needs a sign-in" in err and "exo-oauth authorize work" in err
    with open(config, "a", encoding="utf-8") as fh:
        fh.write("\nbroken = [\n")
    assert cli.main(["--config", config, "list"]) == 6
    err = capsys.readouterr().err.splitlines()
    assert "line" in err[0] and "column" in err[0]
    assert "The account file is not valid TOML" in err[1]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_a_crash_inside_a_command_prints_no_secret(debug: bool, config, store, capsys,
                                                   monkeypatch) -> None:
    """An unexpected error with the account and its tokens in the failing frames: the
    report (and --debug's traceback) shows where, never a local variable or a secret."""
    from tests.helpers import SECRET, make_account, raw_controls, run, set_state
    from tui.commands import accounts

    account = store.add(make_account("work"))
    access, refresh = "eyJ0eXAiOiJKV1QifQ." + "a" * 40 + ".sig" + "b" * 30, "0.AAAB" + "r" * 60
    set_state(store, account, access_token=access, refresh_token=refresh, expires_at=2e9)

    def broken(account, state) -> None:
        token = state.access_token
        raise ValueError(f"cannot show Authorization: Bearer {token}\x1b[2J")

    monkeypatch.setattr(accounts, "print_account", broken)
    args = ("--debug", "show", "work") if debug else ("show", "work")
    assert run(config, *args) == 1
    out, err = capsys.readouterr()
    assert "unexpected failure: ValueError: cannot show Authorization: Bearer [redacted]" in err
    assert ("Traceback (most recent call last)" in err) == debug
    for piece in (SECRET, SECRET[:12], access[:20], refresh[:12]):
        assert piece not in out + err
    assert raw_controls(out + err) == []
