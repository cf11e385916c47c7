"""`exo-oauth token LABEL` while the token is still valid: read two small files, print, exit.

Mail clients call this on every connection, so it must cost little more than
starting Python and loading AES-GCM: it imports the cheapest stdlib modules, our
stdlib-only helpers and cryptography's public AESGCM, nothing else (no argparse,
dataclasses, pathlib, tomllib, hashlib, re or typing). It never parses the account
file. The label index (written with the account file, see
tui.core.store.label_index) says which account id the label names; it is used
only while the account file's identity and timestamps are exactly those it
records. The token file must say it belongs to that id, and its tokens are sealed
to that id and field, so another account's token file (a restored backup, a copy)
never passes. Whenever anything is unusual (an option it does not know, an index
out of date, an ambiguous label, an expiring token, one past the refresh the
identity provider advised, any error) it returns None and the full command, which
can refresh and explain failures, takes over.
"""

from __future__ import annotations

import base64
import os
import sys
import time

from tui import token_options
from tui.core import paths
from tui.core.store import label_index, sealed_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

FORMATS = token_options.FORMATS
_NEEDED = ("account_id", "access_token", "expires_at", "token_type", "scope", "refresh_due_at")
_NUMBERS = ("expires_at", "refresh_due_at")


def iso_utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def format_token(token: str, fmt: str, *, token_type: str = "", expires_at: float | None = None,
                 scope: str = "", user: str | None = None, now: float | None = None) -> str:
    """The text `exo-oauth token` prints for one access token."""
    if fmt == "raw":
        return token
    if fmt == "header":
        return f"Authorization: {token_type or 'Bearer'} {token}"
    if fmt == "xoauth2":
        if not user:
            raise ValueError("--format xoauth2 needs --user EMAIL")
        from tui.core.xoauth2 import xoauth2  # one builder, shared with the proxy and doctor

        return xoauth2(user, token)
    if fmt == "json":
        import json

        now = time.time() if now is None else now
        return json.dumps({
            "access_token": token,
            "token_type": token_type or "Bearer",
            "expires_at": iso_utc(expires_at) if expires_at else None,
            "expires_in": max(0, int(expires_at - now)) if expires_at else None,
            "scope": scope,
        })
    raise ValueError(f"unknown format {fmt!r}")


def _read(path: str, limit: int = 1 << 16) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def token_fields(text: str) -> dict[str, str | float] | None:
    """The fields the fast path needs from a token file (written by token_format.dumps_state:
    literal strings and plain numbers); None if one of them is written any other way."""
    out: dict[str, str | float] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(" = ")
        if not sep or key not in _NEEDED:
            continue
        if key in out:
            return None
        if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
            out[key] = value[1:-1]
        elif key in _NUMBERS:
            try:
                out[key] = float(value)
            except ValueError:
                return None
        else:
            return None
    return out


def _key(sealing: str) -> bytes | None:
    passphrase = os.environ.get("EXO_OAUTH_PASSPHRASE", "")
    if sealing == "keyfile" and not passphrase:
        key = _read(paths.key_file_name(), 64)
        return key if len(key) == 32 else None
    kind, *params = sealing.split("\t")
    if kind != "passphrase" or not passphrase or len(params) != 4:
        return None
    import hashlib  # only here: a passphrase costs an scrypt anyway

    salt = base64.b64decode(params[0], validate=True)
    n, r, p = (int(x) for x in params[1:])
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * r * n + (1 << 20), dklen=32)


def lookup(config: str, label: str) -> tuple[str, str, str] | None:
    """(account id, token file, sealing) for ``label`` from a current, settled index."""
    st = os.stat(config)
    resolved = paths.resolved(config)
    state = paths.state_folder()
    data = label_index.read(label_index.index_path(state, resolved))
    if data is None:
        return None
    head = label_index.header_of(data)
    if not label_index.vouches(head, resolved, st):
        return None
    hit = label_index.lookup(data, label)
    if hit is None or hit[2] != "1":  # absent, or two accounts share the label
        return None
    return hit[0], os.path.join(state, "tokens", hit[1] + ".toml"), head.get("sealing", "")


def try_token(argv: Sequence[str]) -> int | None:
    """Print the token and return 0, or None to let the full command handle it."""
    request = token_options.parse(argv)
    if request is None:
        return None
    try:
        found = lookup(paths.config_file(request.config), request.label)
        if found is None:
            return None
        account_id, token_file, sealing = found
        fields = token_fields(_read(token_file).decode("utf-8"))
        now = time.time()
        if fields is None or fields.get("account_id") != account_id:
            return None
        expires_at, sealed = fields.get("expires_at"), fields.get("access_token")
        if not isinstance(expires_at, float) or not isinstance(sealed, str) or not sealed \
                or not expires_at - now >= request.min_valid:
            return None
        due = fields.get("refresh_due_at")  # the identity provider's refresh_in
        if isinstance(due, float) and due <= now:
            return None  # the full command refreshes, or serves on after a failed try
        parts = sealed_text.split(sealed)
        key = _key(sealing)
        if parts is None or key is None:
            return None
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        token = AESGCM(key).decrypt(parts[0], parts[1], sealed_text.associated_data(
            account_id, "access_token")).decode("utf-8")
        token_type, scope = fields.get("token_type", ""), fields.get("scope", "")
        text = format_token(token, request.format, token_type=str(token_type),
                            expires_at=expires_at, scope=str(scope), user=request.user,
                            now=now)
    except Exception:
        return None
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
