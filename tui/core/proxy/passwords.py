"""Local proxy passwords: made at random, stored only as a salted scrypt hash.

The stored form is ``scrypt$N$r$p$SALT$HASH`` (base64, no padding), so the cost can
be raised later without breaking old hashes. Verifying costs ~50 ms of CPU on
purpose; ``VerifiedCache`` remembers successful checks for this process only, so
200 sessions of one scanner do not cost 200 slow hashes. The stored form's shape is
defined once, in tui.core.validate (PROXY_HASH), which checks it on every save.
"""

from __future__ import annotations

import base64

from tui.core.validate import PROXY_HASH

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAX_N = 2**20
# Long enough to resist guessing, short enough to type into a printer's web page.
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NEW_PASSWORD_LENGTH = 24
MIN_LENGTH = 12


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int,
            length: int = _HASH_BYTES) -> bytes:
    import hashlib

    return hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r,
                          p=p, maxmem=256 * r * n + (1 << 20), dklen=length)


def new_password() -> str:
    """A random password from an alphabet without look-alike characters (~140 bits)."""
    import secrets

    return "".join(secrets.choice(_ALPHABET) for _ in range(NEW_PASSWORD_LENGTH))


def hash_password(password: str) -> str:
    import secrets

    salt = secrets.token_bytes(_SALT_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, N, R, P))}"


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    m = PROXY_HASH.fullmatch(encoded)
    if m is None:
        return None
    try:
        n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
        salt, digest = _unb64(m.group(4)), _unb64(m.group(5))
    except ValueError:
        return None
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 16
            and len(salt) >= _SALT_BYTES and len(digest) >= _HASH_BYTES):
        return None
    return n, r, p, salt, digest


def verify_password(password: str, encoded: str) -> bool:
    """Constant-time check of ``password`` against a stored hash; False for a bad hash."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    import hmac

    n, r, p, salt, digest = parsed
    got = _scrypt(password, salt, n, r, p, len(digest))
    return hmac.compare_digest(got, digest)


class VerifiedCache:
    """Successful checks, keyed by a keyed hash of (stored hash, password); memory only.

    A changed stored hash (a new proxy-password) misses the cache at once. Failed
    checks are never cached: each one pays the full cost.
    """

    def __init__(self, size: int = 1024) -> None:
        import secrets

        self._key = secrets.token_bytes(32)
        self._seen: dict[bytes, None] = {}
        self._size = size

    def tag(self, password: str, encoded: str) -> bytes:
        import hmac

        data = encoded.encode() + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.digest(self._key, data, "sha256")

    def known(self, password: str, encoded: str) -> bool:
        return self.tag(password, encoded) in self._seen

    def remember(self, password: str, encoded: str) -> None:
        if len(self._seen) >= self._size:
            self._seen.pop(next(iter(self._seen)))
        self._seen[self.tag(password, encoded)] = None
