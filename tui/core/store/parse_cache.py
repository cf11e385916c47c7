"""A parse cache for the account file, keyed by the SHA-256 of its exact bytes.

tomllib is pure Python: a 1,000-account file takes ~130 ms to parse, most of a
save's budget. After a successful parse (or our own save) the result is kept as
JSON (which Python parses in C) in the state folder; the next process that
finds the same bytes uses it instead of parsing again. Any edit by hand changes
the hash, so the cache can never disagree with the file. It holds only what the
file holds (secrets sealed), is private (0600), and is disposable: anything odd
about it and it is ignored.

One account per line, so saving one account of 10,000 replaces one line of the
cache (``replace_line``) instead of writing every account out again from memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.core.errors import StoreError

from . import fileio

VERSION = 2
# Every account line ends with a comma; this last line closes the list (and is dropped).
_TAIL = b"null]}\n"


def cache_path(state_dir: str | os.PathLike[str], resolved_config: str) -> Path:
    name = hashlib.sha256(resolved_config.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return Path(state_dir) / "cache" / f"{name}.json"


def _head(digest: bytes, header: dict[str, Any]) -> bytes:
    text = json.dumps({"version": VERSION, "sha256": digest.hex(), "header": header},
                      ensure_ascii=False, allow_nan=True)
    return (text[:-1] + ', "accounts": [\n').encode("utf-8")


def _line(account: dict[str, Any]) -> bytes:
    return (json.dumps(account, ensure_ascii=False, allow_nan=True) + ",\n").encode("utf-8")


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
    if not isinstance(header, dict) or not isinstance(accounts, list) or not accounts \
            or accounts.pop() is not None:
        return None
    return header, accounts


def accounts(path: Path, digest: bytes) -> Iterator[dict[str, Any]] | None:
    """The accounts recorded for exactly these bytes, one line at a time (a caller that
    turns each into something smaller never holds every table at once), or None.
    ValueError from the iteration if the cache turns out damaged part way."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the generator below
    except OSError:
        return None
    head = fh.readline()
    try:
        info = json.loads(head[:-1] + b"]}")
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("version") != VERSION \
            or info.get("sha256") != digest.hex():
        fh.close()
        return None

    def lines() -> Iterator[dict[str, Any]]:
        with fh:
            for line in fh:
                if line == _TAIL:
                    return
                account = json.loads(line[:-2])  # without ",\n"
                if not isinstance(account, dict):
                    raise ValueError("not an account")
                yield account
            raise ValueError("the cache ends early")

    return lines()


def save(path: Path, digest: bytes, header: dict[str, Any],
         accounts: list[dict[str, Any]]) -> None:
    """Record a parse; best effort (values JSON cannot hold, like TOML dates, skip it)."""
    try:
        text = b"".join([_head(digest, header), *(_line(a) for a in accounts), _TAIL])
        fileio.atomic_write(path, text, durable=False)
    except (TypeError, ValueError, OSError, StoreError):
        return


def replace_line(path: Path, old: bytes, new: bytes, header: dict[str, Any], index: int,
                 account: dict[str, Any] | None) -> bool:
    """Turn the cache of bytes with digest ``old`` into that of ``new``, where only account
    ``index`` changed (None: removed; index == count: added). The old cache is mapped, not
    read into memory. False (and no cache) when the cache was not the one for ``old``: the
    next read parses and writes it afresh."""
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            first = mm.find(b"\n") + 1
            if not first or json.loads(mm[:first - 1] + b"]}").get("sha256") != old.hex():
                raise ValueError("another file's cache")
            start = first
            for _ in range(index):
                start = mm.find(b"\n", start) + 1
                if not start:
                    raise ValueError("no such account")
            at_tail = mm[start:] == _TAIL
            if at_tail and account is None:
                raise ValueError("no such account")
            end = start if at_tail else mm.find(b"\n", start) + 1
            middle = _line(account) if account is not None else b""
            whole = memoryview(mm)
            try:
                fileio.atomic_write(path, [_head(new, header), whole[first:start], middle,
                                           whole[end:]], durable=False)
            finally:
                whole.release()
        return True
    except (TypeError, ValueError, OSError, StoreError):
        with contextlib.suppress(StoreError):
            fileio.remove(path)
        return False
