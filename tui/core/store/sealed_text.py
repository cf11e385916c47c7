"""The text form of a sealed value and its associated data, in one place.

``enc:v1:<base64(nonce(12) || ciphertext || tag(16))>``; the associated data names
the account id and the field, so a value copied to another field or account does
not open. Used by the sealer (seal.py) and the token fast path, so stdlib only.
"""

from __future__ import annotations

import base64
import binascii

PREFIX = "enc:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16


def associated_data(account_id: str, field: str) -> bytes:
    a, f = account_id.encode("utf-8"), field.encode("utf-8")
    return b"exo-oauth:v1:%d:%s:%d:%s" % (len(a), a, len(f), f)


def split(text: str) -> tuple[bytes, bytes] | None:
    """(nonce, ciphertext + tag) of a sealed text in the current format, or None."""
    if not text.startswith(PREFIX):
        return None
    try:
        raw = base64.b64decode(text[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    return raw[:NONCE_BYTES], raw[NONCE_BYTES:]


def join(nonce: bytes, blob: bytes) -> str:
    return PREFIX + base64.b64encode(nonce + blob).decode("ascii")
