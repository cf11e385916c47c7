"""redact() removes every secret kind from every form it travels in, and keeps support ids."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

import pytest

from tui.core.troubleshoot.redact import MARKER, redact

TRACE = "0000aaaa-11bb-cccc-dd33-eeeeee333333"
STAMP = "2024-05-01 10:00:02Z"
JWT = ("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20i"
       "LCJzY3AiOiJVc2VyLlJlYWQifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
OPAQUE_ACCESS = ("EwBwA8l6BAAUO9chh8cJscQLmU+LSWpbnr0vmwwAAaW7gBn8JXkAeP0F4ulR2Hxq8c1AbCdEfGh"
                 "IjKlMnOpQrStUvWxYz0123456789/abcdEFGH+ijkl==")
REFRESH = ("0.AXYAq1w2xF3c4d5e6f7g8h9i0j-kLmNoPqRsTuVwXyZ_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345678"
           "9abcdef.AgABAAEAAAD--DLA3VO7QrddgJg7WevrAQDs_wQA9P8")
AUTH_CODE = ("1.AQoAq1w2e3r4t5y6u7i8o9p0AbCdEfGhIjKlMnOpQrStUvWxYz1234567890-_abcdefghijKLMN"
             "opqrstuvwx.AgABAAIAAAD")
CLIENT_SECRET = "abc8Q~AbCdEfGhIjKlMnOpQrStUvWxYz01234567"  # Entra's 40-character shape
DEVICE_CODE = ("DAQABAAEAAAD--DLA3VO7QrddgJg7WevrAbCdEfGhIjKlMn0123456789abcdefGHIJKLmnopqrstUV"
               "wxyz0123456789AB")
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
PASSWORD = "Correct-Horse-9!"

# (kind, field names it travels under, value, recognisable without a field name?)
SECRETS = [
    ("access token (JWT)", ("access_token", "token"), JWT, True),
    ("access token (opaque)", ("access_token",), OPAQUE_ACCESS, True),
    ("id token", ("id_token",), JWT, True),
    ("refresh token", ("refresh_token",), REFRESH, True),
    ("authorization code", ("code",), AUTH_CODE, True),
    ("client secret", ("client_secret", "secret"), CLIENT_SECRET, True),
    ("device code", ("device_code",), DEVICE_CODE, True),
    ("client assertion", ("client_assertion", "assertion"), JWT, True),
    ("PKCE verifier", ("code_verifier",), VERIFIER, False),
    ("password", ("password", "EXO_OAUTH_PASSPHRASE"), PASSWORD, False),
]


def _forms(name: str, value: str) -> dict[str, str]:
    tail = f" Trace ID: {TRACE} Timestamp: {STAMP}"
    return {
        "query string": f"http://localhost:8400/?{name}={value}&state=s1{tail}",
        "query string, URL-encoded": f"http://localhost:8400/?{name}={quote(value, safe='')}"
                                     f"&state=s1{tail}",
        "form body": f"grant_type=x&client_id=abc&{name}={quote_plus(value)}&scope=User.Read"
                     f"{tail}",
        "nested in an encoded URL": "redirect_uri=" + quote(
            f"http://localhost:8400/?{name}={value}&state=s1", safe="") + tail,
        "JSON field": json.dumps({name: value, "trace_id": TRACE, "timestamp": STAMP}),
        "Python repr": repr({name: value, "trace_id": TRACE}),
        "log line": f"DEBUG {name}: {value}{tail}",
    }


CASES = [(kind, form, text, value)
         for kind, names, value, _ in SECRETS for name in names
         for form, text in _forms(name, value).items()]


@pytest.mark.parametrize(("kind", "form", "text", "value"), CASES,
                         ids=[f"{k}/{f}" for k, f, _, _ in CASES])
def test_secret_removed_from_every_form(kind: str, form: str, text: str, value: str) -> None:
    out = redact(text)
    for shown in {value, quote(value, safe=""), quote_plus(value)}:
        assert shown not in out, out
    assert value[:12] not in out, out
    assert MARKER in out
    assert TRACE in out


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, _, v, bare in SECRETS if bare])
def test_secret_removed_without_a_field_name(kind: str, value: str) -> None:
    out = redact(f"the server said {value} and then stopped (Correlation ID: {TRACE})")
    assert value not in out and value[:12] not in out
    assert TRACE in out


@pytest.mark.parametrize("value", [JWT, OPAQUE_ACCESS, REFRESH])
@pytest.mark.parametrize("scheme", ["Bearer", "bearer"])
def test_authorization_headers(value: str, scheme: str) -> None:
    out = redact(f"Authorization: {scheme} {value}\r\nclient-request-id: {TRACE}")
    assert value not in out and MARKER in out and TRACE in out


def test_basic_auth_header_hides_id_and_secret() -> None:
    out = redact("Authorization: Basic MDAwMDAwMDAtMDAwMDpkZW1vLXNlY3JldA==")
    assert "MDAwMDAw" not in out and MARKER in out


@pytest.mark.parametrize("text", [
    "error_uri=https://login.microsoftonline.com/error?code=70011",
    "error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d900144&state=x",
    '{"error": {"code": "InvalidAuthenticationToken", "message": "expired"}}',
    f"Trace ID: {TRACE}\r\nCorrelation ID: {TRACE}\r\nTimestamp: {STAMP}",
    "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
    "/home/alice/.local/state/exo-oauth/tokens/0f9a8b7c-1234-4abc-9def-0123456789ab/Work1.toml",
    "error=access_denied&error_subcode=cancel&state=abc",
    '"token_type": "Bearer", "expires_in": 3599',
    "AADSTS7000215: Invalid client secret provided.",
])
def test_harmless_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    text = _forms("refresh_token", REFRESH)["JSON field"] + " " + JWT
    once = redact(text)
    assert redact(once) == once


@pytest.mark.parametrize("code", ["abc", "SplxlOBeZQQYbYS6WxSbIA", "M.C5_BAY.2.U.abcd1234"])
def test_short_or_letter_only_codes_in_a_query_are_removed(code: str) -> None:
    out = redact(f"http://localhost:8400/?code={code}&state=xyz")
    assert out == f"http://localhost:8400/?code={MARKER}&state=xyz"
