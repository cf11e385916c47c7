"""The doctor's mail logins against a real Dovecot (IMAP over TLS, submission with
STARTTLS) that validates the fake identity provider's RS256 tokens with the keys at its
jwks_uri. Dovecot's submission service refuses an AUTH line past about 1 KB
(``500 5.5.2 Line too long``), so the one-line XOAUTH2 form fails there and the doctor
falls back to the 334 continuation, as msmtp does."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.core.doctor.helpers import outlook_rows
from tests.helpers import run, signed_in
from tests.mail.dovecot import HOST, Dovecot, free_port, start_dovecot
from tests.mail.fixtures import dovecot_jwt, mail_idp, need_dovecot
from tui.core.store.account_store import AccountStore
from tui.core.xoauth2 import xoauth2_text
from tui.fakeidp import DEMO_USER_UPN, FakeIdP

__all__ = ["dovecot_jwt", "mail_idp"]

pytestmark = pytest.mark.usefixtures("quick_service")


def test_doctor_logs_in_to_dovecot_as_msmtp_does(mail_idp: FakeIdP, dovecot_jwt: Dovecot,
                                                 store: AccountStore, config: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    account = signed_in(mail_idp, store, **outlook_rows())
    response = base64.b64encode(xoauth2_text(DEMO_USER_UPN, account.access_token).encode())
    assert len(b"AUTH XOAUTH2 " + response) > 1024  # past Dovecot's submission line limit
    host, server = dovecot_jwt.host, dovecot_jwt
    code = run(config, "doctor", "work", "--imap", f"{host}:{server.imaps}",
               "--smtp", f"{host}:{server.submission}", "--cafile", str(server.ca.ca_cert))
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"PASS  imap {host}:{server.imaps}  XOAUTH2 login as {DEMO_USER_UPN} accepted" in out
    assert f"PASS  smtp {host}:{server.submission}  XOAUTH2 login as {DEMO_USER_UPN} " \
           "accepted: 235" in out
    assert "refused as a syntax error (500 5.5.2 Line too long)" in out
    assert "334 prompt" in out and "refused the XOAUTH2 login" not in out
    assert account.access_token not in out


def test_a_token_dovecot_does_not_know_is_refused_not_misread(
        mail_idp: FakeIdP, dovecot_jwt: Dovecot, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with FakeIdP(retry_after=0) as stranger:  # its own signing key: Dovecot has not got it
        signed_in(stranger, store, **outlook_rows())
        host, server = dovecot_jwt.host, dovecot_jwt
        code = run(config, "doctor", "work", "--smtp", f"{host}:{server.submission}",
                   "--cafile", str(server.ca.ca_cert))
    out = capsys.readouterr().out
    assert code == 1
    # the verdict on the token (after the continuation), not the long line's syntax error
    assert f"FAIL  smtp {host}:{server.submission}  the server refused the XOAUTH2 login as " \
           f"{DEMO_USER_UPN}: 535 5.7.8" in out


def test_a_login_dovecot_cannot_check_is_called_temporary_not_refused(
        mail_idp: FakeIdP, store: AccountStore, config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Dovecot asks an introspection endpoint that is down: it answers IMAP with
    NO [UNAVAILABLE] and SMTP with 454 4.7.0, which say nothing about the token."""
    need_dovecot()
    server = start_dovecot(f"http://{HOST}:{free_port()}/introspect")  # nothing listens
    try:
        signed_in(mail_idp, store, **outlook_rows())
        code = run(config, "doctor", "work", "--imap", f"{server.host}:{server.imaps}",
                   "--smtp", f"{server.host}:{server.submission}",
                   "--cafile", str(server.ca.ca_cert))
    finally:
        server.stop()
    out = capsys.readouterr().out
    assert code == 1
    assert f"FAIL  imap {server.host}:{server.imaps}  the server could not check the XOAUTH2 " \
           f"login as {DEMO_USER_UPN} just now (a temporary failure on its side, not a " \
           "refusal): NO [UNAVAILABLE]" in out
    assert f"FAIL  smtp {server.host}:{server.submission}  the server could not check the " \
           f"XOAUTH2 login as {DEMO_USER_UPN} just now" in out and ": 454 4.7.0" in out
    assert "refused the XOAUTH2 login" not in out and "Run the doctor again" in out
