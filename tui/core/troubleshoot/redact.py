"""Remove secrets from text before it is shown, logged or pasted into a support ticket.

Covers access, refresh and ID tokens, authorization and device codes, client
secrets, assertions, PKCE verifiers and passwords, in the forms they travel in:
query strings and form bodies (plain or URL-encoded), JSON and Python-repr fields,
``name: value`` log lines, ``Authorization: Bearer``/``Basic`` headers, bare JWTs,
Entra client-secret values and long opaque token blobs. Trace and correlation ids
(GUIDs) and timestamps are kept: support needs them.
"""

from __future__ import annotations

import re

MARKER = "[redacted]"

# Field names whose values are secrets. ``code`` is handled apart (see _keep_code).
_NAMES = (
    "client_secret|client_assertion|refresh_token|access_token|id_token|device_code|"
    "code_verifier|assertion|password|passphrase|secret|token|code"
)
_EQ = r"(?:=|%3[dD])"
# key=value in a query string or form body; the value ends at & (or its encoding).
_QUERY_RE = re.compile(
    rf"(?:(?<![A-Za-z0-9])|(?<=%3[fF])|(?<=%26))({_NAMES}){_EQ}((?:(?!%26)[^&\s\"'<>#,;])+)",
    re.I,
)
# "name": "value" in JSON, 'name': 'value' in a Python repr.
_QUOTED_RE = re.compile(
    rf"([\"'])((?:[A-Za-z0-9]+_)*(?:{_NAMES}))\1(\s*:\s*)([\"'])((?:\\.|(?!\4).)*)\4", re.I
)
# name: value in a log line (unquoted).
_COLON_RE = re.compile(rf"(?<![A-Za-z0-9\"'])({_NAMES})(\s*:\s+)([^\s\"',;&]+)", re.I)
_BEARER_RE = re.compile(r"\b(Bearer|Basic)(\s+)([A-Za-z0-9\-._~+/]{8,}=*)", re.I)
_JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_B64URL_PARTS_RE = re.compile(
    r"(?<![A-Za-z0-9_\-.])[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"
    r"(?![A-Za-z0-9_\-.])"
)
# Entra client secret values: three characters, a digit, "Q~", then 31-34 more (taken whole).
_ENTRA_SECRET_RE = re.compile(
    r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,}"
)
# Opaque tokens and codes: a long unbroken run of token characters.
_BLOB_RE = re.compile(r"(?<![A-Za-z0-9_\-.+/=~])[A-Za-z0-9_\-.+/~]{80,}={0,2}")


def _keep_code(name: str, value: str, *, query: bool = False) -> bool:
    """``code`` also names AADSTS numbers (error?code=70011) and, in JSON, Graph error
    codes ("InvalidAuthenticationToken"): keep those. In a query string only numbers."""
    if not name.lower().endswith("code"):
        return False
    if value.isdigit():
        return True
    return not query and value.isidentifier() and len(value) <= 64 and not any(
        c.isdigit() for c in value)


def _query(m: re.Match[str]) -> str:
    name, value = m.group(1), m.group(2)
    if _keep_code(name, value, query=True) or value == MARKER:
        return m.group(0)
    return m.group(0)[: m.start(2) - m.start(0)] + MARKER


def _quoted(m: re.Match[str]) -> str:
    q1, name, sep, q2, value = m.groups()
    if _keep_code(name, value) or not value:
        return m.group(0)
    return f"{q1}{name}{q1}{sep}{q2}{MARKER}{q2}"


# A plain word (lower case or Capitalised, letters only) and what may end a sentence.
_WORD_RE = re.compile(r"[A-Za-z][a-z]{0,11}")
_SENTENCE_END = ".!?:)"


def _prose(value: str, rest: str) -> bool:
    """After ``name:`` comes a word of a sentence, not a value: "Client secret: Client
    secret is empty", "token: Could not connect". A plain word counts as prose when more
    words follow or it ends the sentence; a word standing alone at the end may be a
    password and is removed."""
    word = value.rstrip(_SENTENCE_END)
    if not _WORD_RE.fullmatch(word):
        return False
    if word != value:  # "... secret: empty." ends a sentence
        return True
    return bool(re.match(r" +[A-Za-z(]", rest))


def _colon(m: re.Match[str]) -> str:
    name, sep, value = m.groups()
    if _keep_code(name, value) or value == MARKER or _prose(value, m.string[m.end():]):
        return m.group(0)
    return f"{name}{sep}{MARKER}"


def _blob(m: re.Match[str]) -> str:
    text = m.group(0)
    slashes = text.count("/")
    if "//" in text or (slashes >= 3 and slashes * 20 > len(text)):
        return text  # a URL part or a file path, not a token
    if not (re.search(r"[A-Z]", text) and re.search(r"[a-z]", text) and re.search(r"\d", text)):
        return text  # random token text mixes cases and digits
    return MARKER


def _bearer(m: re.Match[str]) -> str:
    """The credential after Bearer/Basic, unless it is a plain word ("Bearer authentication
    failed"): credentials mix cases, digits or token characters, or run long."""
    value = m.group(3)
    if _PLAIN_WORD_RE.fullmatch(value):
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}{MARKER}"


_PLAIN_WORD_RE = re.compile(r"[A-Za-z][a-z]{7,23}")


def redact(text: str) -> str:
    """``text`` with every secret we can recognise replaced by ``[redacted]``."""
    if not text:
        return text
    text = _BEARER_RE.sub(_bearer, text)
    text = _QUOTED_RE.sub(_quoted, text)
    text = _QUERY_RE.sub(_query, text)
    text = _COLON_RE.sub(_colon, text)
    text = _JWT_RE.sub(MARKER, text)
    text = _B64URL_PARTS_RE.sub(MARKER, text)
    text = _ENTRA_SECRET_RE.sub(MARKER, text)
    return _BLOB_RE.sub(_blob, text)
