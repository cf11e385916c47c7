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
import functools
import gc
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter, getitem
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
__all__ = ["Entry", "Kept", "Stamp", "cache_path", "kept_from", "kept_stamp", "kept_summaries",
           "listed", "load", "refreshed", "save"]


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


# What a list kept about one token file: its summary and the stamp it was read with.
Kept = tuple[TokenSummary, Stamp | bool]


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
    """Keep these entries for the account file bytes with this digest (best effort).

    Accounts with the same settings share a shape, found by one lookup of their
    settings; one JSON encoder serves every line (json.dumps with options would make
    a new one per line)."""
    tables = _Tables()
    shapes: dict[tuple[int, ...], int] = {}
    shape_of: dict[tuple[Any, ...], int] = {}  # an account's settings -> its shape
    settings = attrgetter(*ACCOUNT_FIELDS)
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=True, separators=(",", ":")).encode
    try:
        lines = []
        for e in entries:
            values = settings(e.account)
            shape = shape_of.get(values)
            if shape is None:
                indexes = tuple(map(tables.index, ACCOUNT_FIELDS, values))
                shape = shape_of[values] = shapes.setdefault(indexes, len(shapes))
            lines.append(encode(
                [shape, tables.index("id", e.account.id), tables.index("label", e.account.label),
                 e.summary[2:],  # (SUMMARY_FIELDS: all but account_id and label)
                 e.file_name, e.stamp if e.stamp is not False else UNSETTLED]))
        head = {"version": VERSION, "config": resolved_config, "sha256": digest.hex(),
                "account_fields": ACCOUNT_FIELDS, "summary_fields": SUMMARY_FIELDS,
                "count": len(lines), "texts": tables.texts, "rowsets": tables.rowsets,
                "shapes": list(shapes)}
        text = "\n".join([encode(head), *lines, ""])
        fileio.atomic_write(path, text.encode("utf-8", "surrogatepass"), durable=False)
    except (TypeError, ValueError, OSError, StoreError):
        return


def kept_summaries(path: Path, resolved_config: str) -> dict[str, Kept]:
    """Each token file's summary and stamp as the cache keeps them, by file name, whatever
    account file bytes the cache was written for: a summary depends on its token file
    alone (its label is the account's, given again), so after an edit of the account
    file a list reads again only the token files that changed. Empty if there is none."""
    kept: dict[str, Kept] = {}
    try:
        with open(path, "rb") as fh:
            head = read_head(fh, resolved_config, None)
            if head is None:
                return {}
            texts = head["texts"]
            with _collector_paused():
                for batch in batches(fh):
                    for _shape, account_id, label, summary, file_name, stamp in batch:
                        kept[str(file_name)] = (TokenSummary(
                            texts[account_id], texts[label], *checked_summary(summary)), stamp)
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return {}
    return kept


def kept_from(entries: Sequence[Entry]) -> dict[str, Kept]:
    """kept_summaries of entries already in memory."""
    return {e.file_name: (e.summary, e.stamp) for e in entries}


@contextlib.contextmanager
def _stamps_now(tokens_dir: str) -> Iterator[Callable[[str], Stamp | bool]]:
    """What gives a token file's stamp now, by file name: looked up relative to the open
    tokens folder, since resolving the folder's path again for each of thousands of
    files costs more than the stat. If the folder cannot be opened, False for every
    file: every summary is read again (and says why)."""
    try:
        folder = open_folder(tokens_dir)
    except OSError:
        yield lambda _name: False
        return
    try:
        yield functools.partial(stamp_in, folder)
    finally:
        if folder is not None:
            os.close(folder)


def refreshed(entries: list[Entry], tokens_dir: str, read: Callable[[Account], Entry]) -> int:
    """Bring every entry up to date in place: one whose token file shows another stamp
    now (or was not settled) is read again. Returns how many were."""
    reads = 0
    with _stamps_now(tokens_dir) as stamp_now:
        for n, entry in enumerate(entries):
            if entry.stamp is False or stamp_now(entry.file_name) != entry.stamp:
                entries[n] = read(entry.account)
                reads += 1
    return reads


def listed(accounts: Sequence[Account], kept: Mapping[str, Kept], tokens_dir: str,
           name_of: Callable[[Account], str], read: Callable[[Account], Entry]
           ) -> tuple[list[Entry], int]:
    """An entry per account of other account file bytes than the entries were kept for,
    and how many token files were read: the kept summary of the account's token file
    while that file shows the kept stamp, else the file read again."""
    entries, reads = [], 0
    with _stamps_now(tokens_dir) as stamp_now:
        for account in accounts:
            name = name_of(account)
            old = kept.get(name)
            if old is not None and old[1] is not False and stamp_now(name) == old[1]:
                summary, stamp = old
                if summary.label != account.label:
                    summary = summary._replace(label=account.label)
                entries.append(Entry(account, summary, name, stamp))
            else:
                entries.append(read(account))
                reads += 1
    return entries, reads
