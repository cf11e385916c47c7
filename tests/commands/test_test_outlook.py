"""`exo-oauth test` for a person's Outlook (IMAP/SMTP) token: Graph would refuse it for its
audience, so the test reads the token and points to the doctor's real mail logins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run, signed_in
from tui.core.doctor.connection import ConnectionCheck, report
from tui.core.model import ParamRow, TokenState
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_USER_UPN, FakeIdP

pytestmark = pytest.mark.usefixtures("quick_service")

OUTLOOK = ("offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
           "https://outlook.office.com/SMTP.Send")


def test_outlook_token_is_read_not_sent_to_graph(idp: FakeIdP, store: AccountStore,
                                                 config: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = (ParamRow("scope", OUTLOOK),)
    signed_in(idp, store, "mail", token_params=rows, auth_params=rows)
    assert run(config, "test", "mail") == 0
    out, err = capsys.readouterr()
    assert out.startswith("mail: got an Outlook token (for IMAP, POP and SMTP). Graph /me "
                          "is not called")
    assert "Resource: https://outlook.office.com" in out
    assert "IMAP.AccessAsUser.All, SMTP.Send" in out and f"User: {DEMO_USER_UPN}" in out
    assert ("`exo-oauth doctor mail --imap outlook.office365.com --smtp smtp.office365.com "
            f"--user {DEMO_USER_UPN}`") in out
    assert "refresh" not in out and err == ""
    assert idp.stats()["endpoints"]["me"] == 0
    # asked for by URL, /me is called, and Graph says why it refuses
    assert run(config, "test", "mail", "--url", idp.me_url) == 5
    assert "Invalid audience" in capsys.readouterr().err


def test_graph_accounts_still_call_me(idp: FakeIdP, store: AccountStore, config: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    signed_in(idp, store, "graph")
    assert run(config, "test", "graph") == 0
    assert capsys.readouterr().out == f"graph: the token works; it belongs to Demo User " \
                                      f"<{DEMO_USER_UPN}>.\n"
    assert idp.stats()["endpoints"]["me"] == 1


def test_an_opaque_token_is_judged_by_the_scope_row() -> None:
    state = TokenState("id", "mail", access_token="opaque-token", expires_at=None)
    check = ConnectionCheck("mail", False, "https://graph.microsoft.com/v1.0/me", None, None,
                            None, state)
    found = report(check)
    assert found.headline.startswith("got an Outlook token")
    assert any("not a JWT" in line for line in found.details)
    assert any("--user MAILBOX" in line for line in found.details)
