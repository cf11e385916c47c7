"""Decoding what clients send the proxy for PLAIN and LOGIN (RFC 4616, the LOGIN draft).

Pure functions, fuzzed by the tests: anything malformed raises BadInput, never another
exception. (The XOAUTH2 response the proxy sends upstream is built by tui.core.xoauth2.)
"""

from __future__ import annotations

import base64
import binascii


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
