"""The list cache's file: where it lives, what a line holds, and reading it back raw.

Two readers share it: the store (list_cache, which turns lines into accounts and
summaries) and `exo-oauth list` answering from the cache alone
(tui.commands.list_fast), which must not pay for the model's dataclasses. So this
module imports only the standard library's light modules and the label index.

The file: one JSON head line (format version, the account file's path and SHA-256,
the field names, the ``texts`` and ``rowsets`` tables, the account ``shapes``), then
one line per account: ``[shape, id, label, [summary fields], token file name, stamp]``
where ``id`` and ``label`` index ``texts`` and a shape lists, per account field, an
index into that field's table (a bool is its own index).
"""

from __future__ import annotations

import hashlib
import json
import os
from itertools import islice

from tui.core.token_summary import possible_time

from . import label_index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

VERSION = 2
_BATCH = 500  # lines parsed by one json.loads call
# The account's settings as a list shows them: every field but the secret and the tokens
# (model.Account's fields in order; a test holds the two together).
ACCOUNT_FIELDS = ("client_id", "authorize_url", "token_url", "token_params", "auth_params",
                  "auto_refresh", "client_type", "client_auth", "redirect_uri", "flow",
                  "sign_in_method", "proxy_users", "proxy_password_hash")
# A summary's fields but its account id and label, which are its account's.
SUMMARY_FIELDS = ("has_access_token", "has_refresh_token", "expires_at", "obtained_at",
                  "scope", "token_type", "needs_authorization", "last_refresh_at",
                  "last_error", "last_error_id", "last_error_at", "refresh_due_at")
# What each summary field may hold, in SUMMARY_FIELDS order (a time may be written whole).
_TIME = (float, int, type(None))
_KINDS = ((bool,), (bool,), _TIME, _TIME, (str,), (str,), (bool,), _TIME, (str,), (str,),
          _TIME, _TIME)
_TIMES_AT = tuple(n for n, kinds in enumerate(_KINDS) if kinds is _TIME)
_checked: set[tuple[type, ...]] = set()  # kinds of summary lines found right already
# A token file's stat as kept: (device, inode, size, mtime ns, ctime ns); None: no file.
Stamp = list[int] | None
# What a line keeps instead of a stamp that may not vouch for its file's bytes.
UNSETTLED = [-1]


def cache_path(state_dir: str | os.PathLike[str], resolved_config: str) -> str:
    name = hashlib.sha256(f"list\0{resolved_config}".encode("utf-8", "surrogatepass")
                          ).hexdigest()[:40]
    return os.path.join(state_dir, "cache", f"{name}.list.json")


def account_digest(config: str, resolved_config: str, index_file: str) -> bytes | None:
    """SHA-256 of the account file's bytes now; None if there is no file, b"" if it cannot
    be read (a full read then says why). Taken from the label index while that vouches
    for the file as it is (the token fast path's trust), else hashed: 6 ms for a file of
    5,000 accounts."""
    try:
        st = os.stat(config)
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    head = label_index.header_of(label_index.read(index_file, 4096) or b"")
    if label_index.vouches(head, resolved_config, st):
        try:
            digest = bytes.fromhex(head.get("sha256", ""))
        except ValueError:
            digest = b""
        if len(digest) == 32:
            return digest
    try:
        with open(config, "rb") as fh:
            return hashlib.sha256(fh.read()).digest()
    except FileNotFoundError:
        return None
    except OSError:
        return b""


def read_head(fh: BinaryIO, resolved_config: str, digest: bytes | None) -> dict[str, Any] | None:
    """The head line, if the cache was written in this format for this account file and
    exactly these bytes of it (any bytes: ``digest`` None); else None. Raises ValueError
    (bad JSON) and OSError."""
    head = json.loads(fh.readline())
    if not isinstance(head, dict) or head.get("version") != VERSION \
            or head.get("config") != resolved_config \
            or (digest is not None and head.get("sha256") != digest.hex()) \
            or head.get("account_fields") != list(ACCOUNT_FIELDS) \
            or head.get("summary_fields") != list(SUMMARY_FIELDS):
        return None
    texts = head.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        return None
    return head


def batches(fh: BinaryIO) -> Iterator[list[Any]]:
    """The account lines after the head, a batch at a time, each batch parsed as one JSON
    array: one parser call per line would cost more than the parsing, and a list of
    thousands is never held twice, as JSON and as what the caller makes of it."""
    while batch := list(islice(fh, _BATCH)):
        yield json.loads(b"[" + b",".join(batch) + b"]")


def checked_summary(values: list[Any]) -> list[Any]:
    """A line's summary fields, each of its field's type and every time one a clock can
    show; ValueError otherwise (a cache damaged by hand must not reach a screen as a
    number that is text, or a year no clock shows). About a microsecond a line: the
    kinds of a line are one tuple, and few kinds occur."""
    kinds = tuple(map(type, values))
    if kinds not in _checked:
        if len(kinds) != len(_KINDS) or not all(
                kind in allowed for kind, allowed in zip(kinds, _KINDS, strict=True)):
            raise ValueError("a list cache line holds a summary field of the wrong type")
        _checked.add(kinds)
    for at in _TIMES_AT:
        value = values[at]
        if value is not None and not possible_time(value):
            raise ValueError("a list cache line holds a time no clock can show")
    return values


def stamp_of(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def kept_stamp(st: os.stat_result | None, seen_at_ns: int) -> Stamp | bool:
    """The stamp to keep for a token file read at ``seen_at_ns`` with this stat (None: there
    was no file); False when the file was too new for its stat to vouch for its bytes."""
    if st is None:
        return None
    return stamp_of(st) if label_index.is_settled(st, seen_at_ns) else False


def open_folder(tokens_dir: str) -> int | None:
    """The tokens folder, opened so that each file is looked up relative to it (resolving
    the folder's path again for each of thousands of files costs more than the stat);
    None if there is no such folder. Raises OSError if it cannot be opened."""
    try:
        return os.open(tokens_dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return None


def stamp_in(folder: int | None, name: str) -> Stamp | bool:
    """The stamp of the token file ``name`` in the open folder now (None: no such file, as
    in a folder that does not exist); False if it cannot be told."""
    if folder is None:
        return None
    try:
        return stamp_of(os.stat(name, dir_fd=folder, follow_symlinks=True))
    except FileNotFoundError:
        return None
    except OSError:
        return False
