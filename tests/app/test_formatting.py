"""Plain-text helpers behind the table and the form (no app needed)."""

from __future__ import annotations

import time

from tests.app.helpers import FIXED_NOW
from tui.app import formatting
from tui.core.model import Account, TokenState

NOW = FIXED_NOW


def state(**kw: object) -> TokenState:
    return TokenState("id", "x", **kw)  # type: ignore[arg-type]


def test_status_words() -> None:
    acc = Account(label="x")
    assert formatting.status_text(state(), acc, NOW) == "Not authorized"
    assert formatting.status_text(state(access_token="a", refresh_token="r", expires_at=NOW + 3120),
                            acc, NOW) == "Valid, expires in 52 min"
    assert formatting.status_text(state(access_token="a", refresh_token="r", expires_at=NOW - 60),
                            acc, NOW) == "Expired"
    assert formatting.status_text(state(refresh_token="r", needs_authorization=True),
                            acc, NOW) == "Needs sign-in"
    failed = state(access_token="a", refresh_token="r", expires_at=NOW + 3000,
                   last_error="invalid_client: AADSTS7000215 bad secret",
                   last_error_at=NOW - 5, last_refresh_at=NOW - 600)
    at = time.strftime("%H:%M", time.localtime(NOW - 5))
    assert formatting.status_text(failed, acc, NOW) == (  # the token still works: both
        f"Valid for 50 min; last refresh failed (AADSTS7000215) at {at}")
    assert formatting.status_style(failed, acc, NOW) == "warn"
    gone = state(refresh_token="r", expires_at=NOW - 60, last_error="network",
                 last_error_at=NOW - 5, last_refresh_at=NOW - 600)
    assert formatting.status_text(gone, acc, NOW) == (
        f"Expired; last refresh failed (network) at {at}")
    assert formatting.status_style(gone, acc, NOW) == "bad"
    assert formatting.status_text(None, acc, NOW) == "…"


def test_times_are_local_and_relative(utc: None) -> None:
    assert formatting.relative(52 * 60) == "in 52 min"
    assert formatting.relative(-3 * 3600) == "expired 3 h ago"
    assert formatting.expiry_text(NOW + 3120, NOW) == "15:05:20 local time (in 52 min)"
    assert formatting.expiry_text(NOW + 3 * 86400, NOW) == "2026-09-24 14:13 local time (in 3 days)"
    assert formatting.expiry_text(None, NOW).startswith("— (no token")
    assert time.localtime(NOW).tm_hour == 14


def test_short_forms_never_show_a_secret() -> None:
    assert formatting.short_id("1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d") == "1b2c3d4e…"
    assert formatting.short_id("") == "—"
    masked = formatting.mask("FAKE.token.value")
    assert "FAKE" not in masked and "16 characters" in masked
    assert formatting.ellipsize("abcdef", 4) == "abc…"


def test_ellipsize_counts_terminal_cells() -> None:
    assert formatting.ellipsize("📦📦📦📦", 5) == "📦📦…"  # two cells each
    assert formatting.ellipsize("קבלה-ראשית-ארוכה", 6) == "קבלה-…"  # its logical start
    assert formatting.ellipsize("e\u0301e\u0301e\u0301", 3) == "e\u0301e\u0301e\u0301"
    assert formatting.ellipsize("abc", 3) == "abc"


def test_tenant_text_and_display_path(tmp_path, monkeypatch) -> None:
    guid = Account(authorize_url="https://login.microsoftonline.com/"
                   "c0ffee00-aaaa-4bbb-8ccc-123456789abc/oauth2/v2.0/authorize")
    assert formatting.tenant_text(guid, short=True) == "c0ffee00…"
    assert formatting.tenant_text(Account()) == "(not set)"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert formatting.display_path(tmp_path / "a" / "b.toml") == "~/a/b.toml"
    assert formatting.display_path("/etc/x") == "/etc/x"
