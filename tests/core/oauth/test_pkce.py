"""PKCE verifiers and challenges, and sign-in states."""

from __future__ import annotations

from tui.core.oauth.pkce import Pkce, new_state, new_verifier, s256


def test_pkce_and_state_shapes() -> None:
    verifier = new_verifier()
    assert 43 <= len(verifier) <= 128
    assert Pkce.new().method == "S256"
    assert len(new_state()) >= 43 and new_state() != new_state()


def test_rfc7636_example_challenge() -> None:
    # RFC 7636 appendix B
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
