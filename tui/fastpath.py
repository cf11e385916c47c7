"""`exo-oauth token LABEL` while the token is still valid: read one small file, print, exit.

Mail clients call this on every connection, so it must cost little more than
starting Python: it imports only the standard library, tui.core.paths, seal,
tokens and model (never httpx, tomlkit or textual), and reads the account's token
file without parsing the account file. Whenever anything is unusual (an option it
does not know, no token, an expiring token, any error) it returns None and the
full command, which can refresh and explain failures, takes over.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence

from tui.core.model import DEFAULT_MARGIN_S, TokenState

FORMATS = ("raw", "header", "json", "xoauth2")


def iso_utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def format_token(state: TokenState, fmt: str, user: str | None = None,
                 now: float | None = None) -> str:
    """The text `exo-oauth token` prints for one token state."""
    token = state.access_token
    if fmt == "raw":
        return token
    if fmt == "header":
        return f"Authorization: {state.token_type or 'Bearer'} {token}"
    if fmt == "xoauth2":
        if not user:
            raise ValueError("--format xoauth2 needs --user EMAIL")
        from tui.core.proxy.sasl import xoauth2  # one builder, shared with the mail proxy

        return xoauth2(user, token)
    if fmt == "json":
        import json

        now = time.time() if now is None else now
        expires_at = state.expires_at
        return json.dumps({
            "access_token": token,
            "token_type": state.token_type or "Bearer",
            "expires_at": iso_utc(expires_at) if expires_at else None,
            "expires_in": max(0, int(expires_at - now)) if expires_at else None,
            "scope": state.scope,
        })
    raise ValueError(f"unknown format {fmt!r}")


def _parse(argv: Sequence[str]) -> tuple[str | None, str, str, str | None, float] | None:
    """(config, label, format, user, min_valid) for the shapes we handle, else None."""
    args = list(argv)
    config: str | None = None
    while args and args[0] != "token":
        head = args.pop(0)
        if head == "--config" and args:
            config = args.pop(0)
        elif head.startswith("--config="):
            config = head.split("=", 1)[1]
        else:
            return None
    if not args:
        return None
    args.pop(0)
    opts = {"--format": "raw", "--user": None, "--min-valid": str(DEFAULT_MARGIN_S)}
    labels: list[str] = []
    while args:
        item = args.pop(0)
        name, eq, value = item.partition("=")
        if name in opts and item.startswith("--"):
            if not eq:
                if not args:
                    return None
                value = args.pop(0)
            opts[name] = value
        elif item.startswith("-") or item == "":
            return None
        else:
            labels.append(item)
    fmt, user = opts["--format"], opts["--user"]
    if len(labels) != 1 or fmt not in FORMATS or (fmt == "xoauth2" and not user):
        return None
    try:
        min_valid = float(opts["--min-valid"] or "")
    except ValueError:
        return None
    if min_valid < 0:
        return None
    return config, labels[0], str(fmt), user, min_valid


def _still_configured(config_path: os.PathLike[str], token_file: os.PathLike[str],
                      label: str) -> bool:
    """Is the account still in the account file (a person may have removed it by hand)?

    A token file is written only while its account is in the file, so if the file
    has not changed since, the answer is yes without reading it: O(1) however many
    accounts there are. After an edit, until the account's next refresh, look.
    """
    try:
        if os.stat(config_path).st_mtime_ns <= os.stat(token_file).st_mtime_ns:
            return True
        with open(config_path, "rb") as fh:
            pattern = rb"""(?m)^\s*label\s*=\s*["']""" + re.escape(label.encode()) + rb"""["']"""
            return re.search(pattern, fh.read()) is not None
    except OSError:
        return False


def try_token(argv: Sequence[str]) -> int | None:
    """Print the token and return 0, or None to let the full command handle it."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    config, label, fmt, user, min_valid = parsed
    try:
        from tui.core import paths
        from tui.core.store import seal, token_format

        config_path = paths.config_path(config)
        token_file = token_format.token_path(paths.state_dir(), config_path, label)
        if not _still_configured(config_path, token_file, label):
            return None
        sealer = seal.load_sealer(config_path, create=False)
        state = token_format.read_token_state(token_file, sealer)
        now = time.time()
        if state is None or state.label != label or not state.is_fresh(min_valid, now):
            return None
        text = format_token(state, fmt, user, now)
    except Exception:
        return None
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
