"""After a refused refresh, `exo-oauth token` still hands out the cached access token; the
doctor tries the mail logins with that same token and says how long it has left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.core.doctor.helpers import outlook_rows
from tests.core.doctor.servers import HOST, Cert, MailLog, imap_server, smtp_server
from tests.helpers import run, signed_in
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_USER_UPN, FakeIdP


def test_logins_use_the_still_valid_token(idp: FakeIdP, store: AccountStore, config: Path,
                                          cert: Cert,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    acct = signed_in(idp, store, **outlook_rows())
    idp.inject("ca_blocked")
    assert run(config, "refresh", "work") == 4
    capsys.readouterr()
    assert run(config, "token", "work") == 0
    handed_out = capsys.readouterr().out.strip()
    assert handed_out == acct.access_token
    log = MailLog(accept={handed_out})
    with imap_server(cert.server_context(), log) as imap, \
            smtp_server(cert.server_context(), log) as smtp:
        code = run(config, "doctor", "work", "--imap", f"{HOST}:{imap}", "--smtp",
                   f"{HOST}:{smtp}", "--cafile", str(cert.cert))
    out = capsys.readouterr().out
    assert code == 1  # a person must still sign in
    assert re.search(r"FAIL  token .*the refresh token was refused at \d\d:\d\d "
                     r"\(invalid_grant AADSTS53003\)", out)
    assert re.search(r"still valid for \d+ min, so the checks below use it", out)
    assert "not tried" not in out
    assert f"PASS  imap {HOST}:{imap}" in out and f"PASS  smtp {HOST}:{smtp}" in out
    assert log.logins == [(DEMO_USER_UPN, handed_out)] * 2
    assert handed_out not in out
