"""A parse cache for the account file, keyed by the SHA-256 of its exact bytes.

tomllib is pure Python: a 1,000-account file takes ~130 ms to parse, most of a
save's budget. After a successful parse (or our own save) the result is kept as
JSON (which Python parses in C) in the state folder; the next process that
finds the same bytes uses it instead of parsing again. Any edit by hand changes
the hash, so the cache can never disagree with the file. It holds only what the
file holds (secrets sealed), is private (0600), and is disposable: anything odd
about it and it is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from tui.core.errors import StoreError

from . import fileio

VERSION = 1


def cache_path(state_dir: str | os.PathLike[str], resolved_config: str) -> Path:
    name = hashlib.sha256(resolved_config.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return Path(state_dir) / "cache" / f"{name}.json"


def load(path: Path, digest: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """(header, accounts) recorded for exactly these bytes, or None."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION \
            or data.get("sha256") != digest.hex():
        return None
    header, accounts = data.get("header"), data.get("accounts")
    if not isinstance(header, dict) or not isinstance(accounts, list):
        return None
    return header, accounts


def save(path: Path, digest: bytes, header: dict[str, Any],
         accounts: list[dict[str, Any]]) -> None:
    """Record a parse; best effort (values JSON cannot hold, like TOML dates, skip it)."""
    try:
        text = json.dumps({"version": VERSION, "sha256": digest.hex(), "header": header,
                           "accounts": accounts}, ensure_ascii=False, allow_nan=True)
        fileio.atomic_write(path, text.encode("utf-8"), durable=False)
    except (TypeError, ValueError, OSError, StoreError):
        return
