"""SASL strings: XOAUTH2 for logging in upstream (and for `exo-oauth token --format
xoauth2`), and decoding what clients send for PLAIN and LOGIN (RFC 4616, the LOGIN draft).

Standard library only (the token fast path imports ``xoauth2``). The decoders are pure
functions, fuzzed by the tests: anything malformed raises BadInput, never another
exception.
"""

from __future__ import annotations

import base64
import binascii


def xoauth2(user: str, token: str) -> str:
    """The SASL XOAUTH2 initial response, base64-encoded."""
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


class BadInput(ValueError):
    """A client sent something that does not parse; the protocol answers BAD / -ERR / 501."""


def b64decode(data: bytes) -> bytes:
    data = data.strip()
    if data == b"=":  # an empty initial response (RFC 4954)
        return b""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInput("not valid base64") from exc


def text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput("not valid UTF-8") from exc


def decode_plain(data: bytes) -> tuple[str, str]:
    """(address, password) from a base64 PLAIN response; an authorization identity other
    than the address itself is refused (the proxy acts for nobody else)."""
    parts = b64decode(data).split(b"\0")
    if len(parts) != 3:
        raise BadInput("a PLAIN response holds three parts separated by NUL")
    authz, authc, password = (text(p) for p in parts)
    if not authc or not password:
        raise BadInput("empty user name or password")
    if authz and authz.lower() != authc.lower():
        raise BadInput("logging in for another user is not supported")
    return authc, password


def decode_line(data: bytes) -> str:
    """One base64 line of AUTH LOGIN (the user name or the password)."""
    return text(b64decode(data))
