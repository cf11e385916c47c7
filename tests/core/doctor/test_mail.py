"""Real SASL XOAUTH2 logins against a loopback IMAP responder (TLS) and aiosmtpd (STARTTLS)."""

from __future__ import annotations

import base64
import ssl

import pytest

from tui.core.doctor.diagnose import FAIL, PASS, WARN, Options
from tui.core.doctor.mail import MailServer, check_logins, no_token, parse_server
from tui.core.errors import UsageError
from tui.core.troubleshoot.redact import MARKER
from tui.core.xoauth2 import xoauth2_text

from .helpers import USER, make_jwt
from .servers import HOST, Cert, MailLog, closed_port, imap_server, silent_port, smtp_server

GOOD = make_jwt(aud="https://outlook.office.com", scp="IMAP.AccessAsUser.All SMTP.Send")
BAD = make_jwt(aud="https://graph.microsoft.com")


def secrets_in(text: str) -> list[str]:
    forms = [GOOD, BAD, base64.b64encode(xoauth2_text(USER, GOOD).encode()).decode(),
             base64.b64encode(xoauth2_text(USER, BAD).encode()).decode()]
    return [f for f in forms if f in text]


async def login(cert: Cert, *, imap: int | None = None, smtp: int | None = None,
                token: str = GOOD, user: str = USER, trust: object = None,
                timeout: float = 5.0, smtps: bool = False) -> list:
    opts = Options(imap=MailServer(HOST, imap) if imap else None,
                   smtp=MailServer(HOST, smtp, implicit_tls=smtps) if smtp else None,
                   timeout=timeout)
    return await check_logins(opts, user=user, token=token, label="work",
                              context=trust or cert.client_context())


# -- IMAP --------------------------------------------------------------------------------------


async def test_imap_login_accepted(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with imap_server(cert.server_context(), log) as port:
        (check,) = await login(cert, imap=port)
    assert check.status == PASS and check.name == f"imap {HOST}:{port}"
    assert check.detail == f"XOAUTH2 login as {USER} accepted: OK AUTHENTICATE completed."
    assert log.logins == [(USER, GOOD)]


async def test_imap_login_refused_reports_the_server_answer(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with imap_server(cert.server_context(), log) as port:
        (check,) = await login(cert, imap=port, token=BAD)
    assert check.status == FAIL and check.entry == "seed.authentication_failed"
    assert check.detail == (f"the server refused the XOAUTH2 login as {USER}: "
                            "NO AUTHENTICATE failed.")
    assert "IMAP.AccessAsUser.All" in check.fix and "Manage email apps" in check.fix
    assert log.logins == [(USER, BAD)]


async def test_imap_error_challenge_is_answered_and_the_token_never_echoed(cert: Cert) -> None:
    """Some servers send a JSON challenge first and echo what they got; neither leaks."""
    log = MailLog(accept={GOOD}, error_challenge=True, refusal="NO token TOKEN is not valid")
    with imap_server(cert.server_context(), log) as port:
        (check,) = await login(cert, imap=port, token=BAD)
    assert check.status == FAIL and "NO token" in check.detail and MARKER in check.detail
    assert secrets_in(check.detail + check.fix) == []


async def test_imap_without_xoauth2_fails_without_sending_the_token(cert: Cert) -> None:
    log = MailLog(accept={GOOD}, xoauth2=False)
    with imap_server(cert.server_context(), log) as port:
        (check,) = await login(cert, imap=port)
    assert check.status == FAIL and "does not offer AUTH=XOAUTH2" in check.detail
    assert "AUTH=PLAIN" in check.detail and log.logins == []


async def test_imap_with_an_untrusted_certificate_fails_before_login(cert: Cert) -> None:
    from tui.core.doctor.network import trust_context

    log = MailLog(accept={GOOD})
    with imap_server(cert.server_context(), log) as port:
        (check,) = await login(cert, imap=port, trust=trust_context())
    assert check.status == FAIL and check.entry == "network.tls_cert"
    assert "self-signed certificate" in check.detail and log.logins == []


async def test_imap_refused_and_timeout(cert: Cert) -> None:
    port = closed_port()
    (check,) = await login(cert, imap=port)
    assert check.status == FAIL and check.entry == "network.refused"
    assert "--imap" in check.fix and "outlook.office365.com:993" in check.fix
    with silent_port() as quiet:
        (check,) = await login(cert, imap=quiet, timeout=0.3)
    assert check.status == FAIL and check.entry == "network.timeout"


# -- SMTP --------------------------------------------------------------------------------------


async def test_smtp_login_accepted_after_starttls(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port)
    assert check.status == PASS, check.detail
    assert check.detail == f"XOAUTH2 login as {USER} accepted: 235 2.7.0 Authentication " \
                           "successful"
    assert log.logins == [(USER, GOOD)]


async def test_smtp_login_refused_reports_the_server_answer(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port, token=BAD)
    assert check.status == FAIL and check.entry == "mail.smtp_535"
    assert check.detail == (f"the server refused the XOAUTH2 login as {USER}: "
                            "535 5.7.3 Authentication unsuccessful [test]")
    assert "SMTP.Send" in check.fix and "Authenticated SMTP" in check.fix


async def test_smtp_auth_switched_off_for_the_tenant_says_how_to_turn_it_on(cert: Cert) -> None:
    log = MailLog(accept=set(), smtp_refusal="535 5.7.139 Authentication unsuccessful, "
                                             "SmtpClientAuthentication is disabled for the "
                                             "Tenant.")
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port)
    assert check.status == FAIL and "5.7.139" in check.detail
    assert "Set-TransportConfig -SmtpClientAuthenticationDisabled $false" in check.fix


async def test_smtp_error_challenge_then_refusal(cert: Cert) -> None:
    log = MailLog(accept={GOOD}, error_challenge=True)
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port, token=BAD)
    assert check.status == FAIL and check.detail.endswith("535 5.7.3 Authentication "
                                                          "unsuccessful [test]")
    assert secrets_in(check.detail) == []


async def test_smtp_over_implicit_tls(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with smtp_server(cert.server_context(), log, implicit_tls=True) as port:
        (check,) = await login(cert, smtp=port, smtps=True)
    assert check.status == PASS and log.logins == [(USER, GOOD)]


async def test_smtp_without_xoauth2_fails_without_sending_the_token(cert: Cert) -> None:
    log = MailLog(accept={GOOD}, xoauth2=False)
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port)
    assert check.status == FAIL and "does not offer AUTH XOAUTH2" in check.detail
    assert "PLAIN" in check.detail and log.logins == []


async def test_smtp_untrusted_certificate_fails_at_starttls(cert: Cert) -> None:
    from tui.core.doctor.network import trust_context

    log = MailLog(accept={GOOD})
    with smtp_server(cert.server_context(), log) as port:
        (check,) = await login(cert, smtp=port, trust=trust_context())
    assert check.status == FAIL and check.entry == "network.tls_cert" and log.logins == []


async def test_smtp_refused() -> None:
    port = closed_port()
    (check,) = await check_logins(Options(smtp=MailServer(HOST, port)), user=USER,
                                  token=GOOD, label="work",
                                  context=ssl.create_default_context())
    assert check.status == FAIL and check.entry == "network.refused"
    assert "smtp.office365.com:587" in check.fix


# -- both, and what happens without a user or a token ----------------------------------------------


async def test_imap_and_smtp_side_by_side(cert: Cert) -> None:
    log = MailLog(accept={GOOD})
    with imap_server(cert.server_context(), log) as imap, \
            smtp_server(cert.server_context(), log) as smtp:
        checks = await login(cert, imap=imap, smtp=smtp)
    assert [c.name.split()[0] for c in checks] == ["imap", "smtp"]
    assert all(c.status == PASS for c in checks) and len(log.logins) == 2


async def test_unknown_user_fails_with_the_hint(cert: Cert) -> None:
    (check,) = await login(cert, imap=closed_port(), user="")
    assert check.status == FAIL and check.fix == "Give it with --user EMAIL."


def test_no_token_lines() -> None:
    opts = Options(imap=MailServer(HOST, 993), smtp=MailServer(HOST, 587))
    assert [c.status for c in no_token(opts)] == [WARN, WARN]
    assert no_token(Options()) == []


@pytest.mark.parametrize("text, option, expected", [
    ("outlook.office365.com", "--imap", MailServer("outlook.office365.com", 993)),
    ("mail.example:1993", "--imap", MailServer("mail.example", 1993)),
    ("[::1]:2525", "--smtp", MailServer("::1", 2525)),
    ("smtp.office365.com", "--smtp", MailServer("smtp.office365.com", 587)),
    ("smtp.example:465", "--smtp", MailServer("smtp.example", 465, implicit_tls=True)),
])
def test_parse_server(text: str, option: str, expected: MailServer) -> None:
    default = 993 if option == "--imap" else 587
    assert parse_server(text, default, option) == expected


@pytest.mark.parametrize("text", ["", "host:", "host:0", "host:70000", "a b", "[::1", "h:p"])
def test_parse_server_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="HOST or HOST:PORT"):
        parse_server(text, 993, "--imap")
