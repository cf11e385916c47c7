"""redact() fuzzed: it removes values, never ordinary words, and is stable when run twice.

Prose is built from plain words, including the field names redaction reacts to ("Client
secret: Client secret is empty", "token: Could not connect"); secrets are random token
strings placed in every form they travel in, inside such prose.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tui.core.troubleshoot.redact import MARKER, redact

NAMES = ["secret", "token", "code", "password", "passphrase", "assertion", "client_secret",
         "access_token", "refresh_token", "device_code", "code_verifier"]
# A plain word: lower case or Capitalised letters, as sentences are made of.
WORD = st.from_regex(r"[A-Za-z][a-z]{0,11}", fullmatch=True)
TRIGGER = st.sampled_from(["secret", "Secret", "token", "Token", "code", "password",
                           "Client secret", "Access token", "Error code"])


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """Words, some of them a field name followed by a colon and more words."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            parts.append(f"{draw(TRIGGER)}: {draw(WORD)} {draw(WORD)}")
        else:
            parts.append(draw(WORD))
    end = draw(st.sampled_from([".", "", " (All connection attempts failed)"]))
    return " ".join(parts) + end


# Values as issuers make them: long runs of token characters with digits and both cases.
SECRET = st.from_regex(r"[A-Za-z0-9_\-.~]{24,64}", fullmatch=True).filter(
    lambda v: any(c.isdigit() for c in v) and any(c.isupper() for c in v)
    and any(c.islower() for c in v) and v.strip(".") == v)


@given(sentences())
@example("Error in Client secret: Client secret is empty")
@example("token: Could not connect (All connection attempts failed)")
@example("Bearer authentication failed: Access token is missing.")
@settings(max_examples=300, deadline=None)
def test_words_are_kept(text: str) -> None:
    assert redact(text) == text


@given(sentences(), st.sampled_from(NAMES), SECRET, sentences(),
       st.sampled_from(["query", "encoded", "json", "colon", "bearer", "repr"]))
@settings(max_examples=300, deadline=None)
def test_values_are_removed_wherever_they_stand(before: str, name: str, value: str,
                                                after: str, form: str) -> None:
    shown = {
        "query": f"{before} https://host/cb?{name}={value}&state=x {after}",
        "encoded": f"{before} redirect_uri={quote(f'https://h/?{name}={value}', safe='')} "
                   f"{after}",
        "json": f"{before} {json.dumps({name: value, 'trace_id': 'abc'})} {after}",
        "colon": f"{before} {name}: {value} {after}",
        "bearer": f"{before} Authorization: Bearer {value} {after}",
        "repr": f"{before} {({name: value})!r} {after}",
    }[form]
    out = redact(shown)
    assert value not in out and quote(value, safe="") not in out
    assert MARKER in out
    assert before in out or form == "encoded"  # the words around it stay


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
