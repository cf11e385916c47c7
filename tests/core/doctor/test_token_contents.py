"""Decoding access tokens for diagnostics, and comparing them with the account's scope rows."""

from __future__ import annotations

import time

import pytest

from tests.helpers import make_account
from tui.core.doctor import jwtinfo
from tui.core.doctor.diagnose import FAIL, PASS, WARN, check_contents
from tui.core.model import ParamRow

from .helpers import GRAPH_AUD, OUTLOOK_AUD, USER, b64, make_jwt, outlook_rows

NOW = float(int(time.time()))


def test_decode_reads_the_claims_people_need() -> None:
    token = make_jwt(now=NOW, aud=OUTLOOK_AUD, scp="IMAP.AccessAsUser.All SMTP.Send",
                     exp=1_900_000_000, appid="app-guid", iss="https://sts.windows.net/t/")
    info = jwtinfo.decode(token)
    assert info is not None
    assert info.audience == (OUTLOOK_AUD,) and info.kind == jwtinfo.OUTLOOK
    assert info.scopes == ("IMAP.AccessAsUser.All", "SMTP.Send")
    assert info.expires_at == 1_900_000_000.0 and info.user == USER
    assert info.tenant == "72f988bf-86f1-41af-91ab-2d7cd011db47" and info.app_id == "app-guid"
    assert info.grants("imap.accessasuser.all") and not info.grants("Mail.Read")
    assert token not in repr(info)


@pytest.mark.parametrize("aud, kind", [
    ("https://graph.microsoft.com", jwtinfo.GRAPH),
    ("00000003-0000-0000-c000-000000000000", jwtinfo.GRAPH),
    ("https://outlook.office365.com/", jwtinfo.OUTLOOK),
    ("00000002-0000-0ff1-ce00-000000000000", jwtinfo.OUTLOOK),
    ("api://my-api", jwtinfo.OTHER),
])
def test_audience_kinds(aud: str, kind: str) -> None:
    assert jwtinfo.audience_kind(aud) == kind


def test_user_falls_back_and_audience_may_be_a_list() -> None:
    info = jwtinfo.decode(make_jwt(now=NOW, upn=None, preferred_username="p@x.example",
                                   aud=["api://other", OUTLOOK_AUD]))
    assert info is not None and info.user == "p@x.example" and info.kind == jwtinfo.OUTLOOK


@pytest.mark.parametrize("token", [
    "EwBwA8l6BAAU-an-opaque-microsoft-account-token",
    "a.b.c.d.e",  # an encrypted token (JWE) cannot be read by a client
    f"{b64({'alg': 'none'})}.not-base64-json!.sig",
    f"{b64({'alg': 'none'})}.{b64({'aud': 'x'})[:-3]}.sig",
    "",
])
def test_anything_else_is_opaque(token: str) -> None:
    assert jwtinfo.decode(token) is None


def test_opaque_token_says_it_cannot_be_inspected() -> None:
    check, user = check_contents("EwBwA8l6BAAUopaque", make_account(), imap=True, smtp=False,
                                 now=NOW)
    assert check.status == PASS and "cannot be inspected" in check.detail and user == ""
    assert "login checks below" in check.detail


def test_graph_token_matching_graph_rows_passes() -> None:
    token = make_jwt(now=NOW, scp="User.Read Mail.ReadWrite MailboxSettings.ReadWrite "
                         "Calendars.ReadWrite Contacts.ReadWrite")
    check, user = check_contents(token, make_account(), imap=False, smtp=False, now=NOW)
    assert check.status == PASS and user == USER
    for fact in (f"audience {GRAPH_AUD} (Microsoft Graph)", f"user {USER}", "tenant 72f988bf",
                 "in 60 min"):
        assert fact in check.detail
    assert token not in check.detail


@pytest.mark.parametrize("aud", [GRAPH_AUD, "00000003-0000-0000-c000-000000000000"])
def test_graph_token_for_imap_fails(aud: str) -> None:
    """The classic mistake: a Graph token handed to an IMAP or SMTP server."""
    check, _ = check_contents(make_jwt(now=NOW, aud=aud), make_account(), imap=True, smtp=True,
                              now=NOW)
    assert check.status == FAIL
    assert "only tokens for https://outlook.office.com" in check.detail
    assert "IMAP.AccessAsUser.All" in check.fix and "exo-oauth refresh work" in check.fix


@pytest.mark.parametrize("aud", [OUTLOOK_AUD, "https://outlook.office365.com",
                                 "00000002-0000-0ff1-ce00-000000000000"])
def test_outlook_token_with_both_scopes_passes_for_mail(aud: str) -> None:
    token = make_jwt(now=NOW, aud=aud, scp="IMAP.AccessAsUser.All SMTP.Send")
    check, _ = check_contents(token, make_account(**outlook_rows()), imap=True, smtp=True, now=NOW)
    assert check.status == PASS, check


def test_outlook_token_lacking_smtp_send_fails_for_smtp_only() -> None:
    token = make_jwt(now=NOW, aud=OUTLOOK_AUD, scp="IMAP.AccessAsUser.All")
    acct = make_account(**outlook_rows())
    imap_only, _ = check_contents(token, acct, imap=True, smtp=False, now=NOW)
    assert imap_only.status == WARN and "does not carry SMTP.Send" in imap_only.detail
    check, _ = check_contents(token, acct, imap=False, smtp=True, now=NOW)
    assert check.status == FAIL and "lacks SMTP.Send" in check.detail


def test_app_only_token_with_app_roles_passes_for_mail() -> None:
    token = make_jwt(now=NOW, aud="https://outlook.office365.com", scp=None, upn=None,
                     roles=["IMAP.AccessAsApp", "SMTP.SendAsApp"])
    rows = (ParamRow("scope", "https://outlook.office365.com/.default"),)
    check, user = check_contents(token, make_account(token_params=rows, auth_params=rows),
                                 imap=True, smtp=True, now=NOW)
    assert check.status == PASS and "app roles IMAP.AccessAsApp" in check.detail
    assert user == ""


def test_rows_asking_for_outlook_but_a_graph_token_stored_warns() -> None:
    check, _ = check_contents(make_jwt(now=NOW), make_account(**outlook_rows()), imap=False,
                              smtp=False, now=NOW)
    assert check.status == WARN and "predates the row" in check.detail
    assert check.fix == "Run `exo-oauth refresh work` for a token that matches the scope row."


def test_a_scope_the_row_asks_for_but_the_token_lacks_warns() -> None:
    check, _ = check_contents(make_jwt(now=NOW, scp="User.Read"), make_account(), imap=False,
                              smtp=False, now=NOW)
    assert check.status == WARN
    assert "does not carry Mail.ReadWrite, MailboxSettings.ReadWrite" in check.detail
    assert "exo-oauth authorize work" in check.fix


def test_a_token_valid_only_in_the_future_points_at_the_clock() -> None:
    token = make_jwt(now=NOW, scp="User.Read Mail.ReadWrite MailboxSettings.ReadWrite "
                         "Calendars.ReadWrite Contacts.ReadWrite", nbf=int(NOW) + 3600)
    check, _ = check_contents(token, make_account(), imap=False, smtp=False, now=NOW)
    assert check.status == WARN and "clock" in check.fix
