"""The list cache: what a list of the accounts shows, kept for the next list.

Listing 5,000 accounts would otherwise parse every account again and open, read and
parse 5,000 token files, although nothing changed since the last list. So a list
keeps what it showed in one JSON file in the state folder (which Python parses in
C): each account's settings without any secret, sealed or not, for the exact bytes
of the account file (its SHA-256), and each token file's summary with the stat of
the file it was read from. The next list uses an account part only for the same
bytes, and a summary only while its token file shows the same device, inode, size,
mtime and ctime (token files are replaced by rename, so a new token is a new inode;
an in-place edit moves the ctime). A summary is kept only once the clock had passed
its file's ctime by a tick before the file was read (see label_index): a change
in the same tick could otherwise leave the stat as it was.

Disposable and private (0600): anything odd about it and it is ignored; writing it
is best effort. The file's layout and its raw reading are in list_cache_file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
from collections.abc import Callable, Iterator, Sequence
from operator import getitem
from pathlib import Path
from typing import Any, NamedTuple

from tui.core.errors import StoreError
from tui.core.model import Account, ParamRow, TokenSummary

from . import fileio
from .list_cache_file import (
    ACCOUNT_FIELDS,
    SUMMARY_FIELDS,
    UNSETTLED,
    VERSION,
    Stamp,
    batches,
    checked_summary,
    kept_stamp,
    open_folder,
    read_head,
    stamp_in,
)
from .list_cache_file import cache_path as _cache_path

_ROWS = ("token_params", "auth_params")
__all__ = ["Entry", "Stamp", "cache_path", "kept_stamp", "load", "refreshed", "save"]


def cache_path(state_dir: str | os.PathLike[str], resolved_config: str) -> Path:
    return Path(_cache_path(state_dir, resolved_config))


class Entry(NamedTuple):
    """One account as listed: its settings, its token file's summary and that file's stamp
    (``stamp`` False: not to be reused, the next list reads the token file again). A
    tuple: thousands are made per list, and a frozen dataclass costs three times more."""

    account: Account
    summary: TokenSummary
    file_name: str  # the token file (in the tokens folder)
    stamp: Stamp | bool


class _Tables:
    """Every distinct value of the accounts' fields, once: an account is kept as one index
    per field, so reading it back is a lookup per field done in C (operator.getitem over
    the field's table) and equal values are one object in memory, not thousands."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.rowsets: list[list[list[str]]] = []  # parameter rows and proxy user lists
        self._seen: dict[object, int] = {}

    def index(self, name: str, value: Any) -> int:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, str):
            key: object = ("s", value)
            table: list[Any] = self.texts
            item: Any = value
        elif name in _ROWS:
            item = [[row.name, row.value] for row in value]
            key, table = ("r", tuple(map(tuple, item))), self.rowsets
        else:  # proxy users
            item = list(value)
            key, table = ("u", tuple(item)), self.rowsets
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = len(table)
            table.append(item)
        return found


def _field_tables(texts: list[str], rowsets: list[Any]) -> list[Sequence[Any]]:
    """For each field of ACCOUNT_FIELDS, the table its indexes point into."""
    rows = [tuple(ParamRow(str(n), str(v)) for n, v in rowset) for rowset in rowsets]
    users = [tuple(str(u) for u in rowset) for rowset in rowsets]
    bools = (False, True)
    kinds = {f.name: f.type for f in dataclasses.fields(Account)}
    out: list[Sequence[Any]] = []
    for name in ACCOUNT_FIELDS:
        kind = str(kinds[name])
        if kind == "bool":
            out.append(bools)
        elif name in _ROWS:
            out.append(rows)
        elif kind == "str":
            out.append(texts)
        else:
            out.append(users)
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while thousands of entries are made: they are all
    kept, and a list of 5,000 would otherwise run about 35 collections (10 ms) for
    nothing. Left as it was found (a caller may have paused it already)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load(path: Path, resolved_config: str, digest: bytes) -> list[Entry] | None:
    """The entries kept for exactly these account file bytes, or None."""
    try:
        with open(path, "rb") as fh:
            head = read_head(fh, resolved_config, digest)
            if head is None:
                return None
            texts = head["texts"]
            tables = _field_tables(texts, head["rowsets"])
            shapes = [dict(zip(ACCOUNT_FIELDS, map(getitem, tables, shape), strict=True))
                      for shape in head["shapes"]]
            entries = []
            with _collector_paused():
                for batch in batches(fh):
                    for shape, account_id, label, summary, file_name, stamp in batch:
                        account_id, label = texts[account_id], texts[label]
                        summary = TokenSummary(account_id, label, *checked_summary(summary))
                        entries.append(Entry(Account(**shapes[shape], id=account_id, label=label),
                                             summary, str(file_name), stamp))
        return entries if len(entries) == head["count"] else None
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def save(path: Path, resolved_config: str, digest: bytes, entries: Sequence[Entry]) -> None:
    """Keep these entries for the account file bytes with this digest (best effort)."""
    tables = _Tables()
    shapes: dict[tuple[int, ...], int] = {}
    lines = []
    for e in entries:
        shape = tuple(tables.index(name, getattr(e.account, name)) for name in ACCOUNT_FIELDS)
        lines.append(json.dumps(
            [shapes.setdefault(shape, len(shapes)), tables.index("id", e.account.id),
             tables.index("label", e.account.label),
             [getattr(e.summary, name) for name in SUMMARY_FIELDS],
             e.file_name, e.stamp if e.stamp is not False else UNSETTLED],
            ensure_ascii=False, allow_nan=True, separators=(",", ":")))
    head = {"version": VERSION, "config": resolved_config, "sha256": digest.hex(),
            "account_fields": ACCOUNT_FIELDS, "summary_fields": SUMMARY_FIELDS,
            "count": len(lines), "texts": tables.texts, "rowsets": tables.rowsets,
            "shapes": list(shapes)}
    try:
        text = "\n".join([json.dumps(head, ensure_ascii=False, separators=(",", ":")),
                          *lines, ""])
        fileio.atomic_write(path, text.encode("utf-8", "surrogatepass"), durable=False)
    except (TypeError, ValueError, OSError, StoreError):
        return


def refreshed(entries: list[Entry], tokens_dir: str, read: Callable[[Account], Entry]
              ) -> bool:
    """Bring every entry's summary up to date in place: an entry whose token file shows
    another stamp now (or was not settled) is read again. True if any was."""
    changed = False
    try:
        folder = open_folder(tokens_dir)
        readable = True
    except OSError:
        folder, readable = None, False  # every summary is read again (and says why)
    try:
        for n, entry in enumerate(entries):
            now = stamp_in(folder, entry.file_name) if readable else False
            if entry.stamp is not False and now == entry.stamp:
                continue
            entries[n] = read(entry.account)
            changed = True
    finally:
        if folder is not None:
            os.close(folder)
    return changed
