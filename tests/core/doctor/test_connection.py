"""The wording of `exo-oauth test`'s report (tui.core.doctor.connection), for tokens the
fake does not make: opaque ones, odd claims, answers of other APIs.
"""

from __future__ import annotations

from typing import Any

from tui.core.doctor.connection import ConnectionCheck, report
from tui.core.doctor.jwtinfo import decode
from tui.core.model import TokenState

from .helpers import b64

NOW = 1_790_000_000.0


ME = "https://graph.microsoft.com/v1.0/me"


def jwt(**claims: Any) -> str:
    """A JWT-shaped token with exactly these claims (make_jwt adds a user's)."""
    return f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}.c2ln"


def app_check(token: str, expires_at: float | None = NOW + 600) -> ConnectionCheck:
    state = TokenState("id", "app", token, expires_at=expires_at)
    return ConnectionCheck("app", True, ME, None, None, decode(token), state)


def test_report_for_an_opaque_app_only_token() -> None:
    found = report(app_check("opaque-token-value"), NOW)
    assert "not a JWT" in found.details[0] and "(in 10 min)" in found.details[1]
    assert "--url URL" in found.details[-1] and found.warning == ""
    assert all("opaque-token-value" not in line for line in found.details)


def test_report_shows_unexpected_scopes_and_the_token_expiry() -> None:
    token = jwt(aud="api://contoso-reports", roles=["Reports.Read"], scp="User.Read",
                tid="t-1", appid="a-1", exp=NOW + 1800)
    found = report(app_check(token, expires_at=None), NOW)
    assert "Resource: api://contoso-reports" in found.details
    assert "Delegated permissions (scp): User.Read" in found.details
    assert any(line.endswith("(in 30 min).") for line in found.details)
    assert found.warning == ""


def test_report_after_calling_an_api() -> None:
    state = TokenState("id", "person", "t")
    me = ConnectionCheck("person", False, ME, ME, {"displayName": "Ann",
                                                   "mail": "ann@contoso.example"}, None, state)
    assert report(me).headline == "the token works; it belongs to Ann <ann@contoso.example>."
    other = ConnectionCheck("person", False, ME, "https://x.example/api", {"b": 1, "a": 2},
                            None, state)
    assert report(other).headline == "https://x.example/api accepted the token (answer keys: a, b)."
