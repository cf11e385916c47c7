"""One account of a big account file, read and changed through the label index.

Saving one account of 10,000 must not parse, or hold in memory, all of them. When
the label index describes exactly the file's bytes (the same SHA-256) and knows
where each account's ``[[account]]`` chunk lies, a read parses that chunk only, and
a save splices in the new chunk and shifts the offsets of the accounts after it.
Anything the index cannot vouch for sends the caller back to the whole-file path.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from . import fileio, label_index
from .account_file import ACCOUNTS, derived_id

# (label, id, token file stem, chunk start, chunk end)
Entry = tuple[str, str, str, int, int]


@dataclass(frozen=True)
class View:
    """The account file's bytes with the index that describes them. Index lines are parsed
    only where asked: a file of 10,000 accounts never becomes 10,000 tuples."""

    data: bytes
    digest: bytes
    index: bytes
    body: int  # where the index's entry lines begin

    def _entry(self, at: int) -> tuple[int, Entry]:
        """(position in the file, entry) of the index line starting at ``at``."""
        end = self.index.find(b"\n", at)
        return (self.index.count(b"\n", self.body, at),
                label_index.parse_line(self.index[at:end]))

    def find(self, label: str | None = None, account_id: str | None = None
             ) -> list[tuple[int, Entry]]:
        """Every (position, entry) with this label, or with this id."""
        if label is not None:
            key, shift = b"\n" + label_index.escape(label).encode("utf-8", "surrogatepass") \
                + b"\t", 1
        else:
            key, shift = b"\t" + label_index.escape(account_id or "").encode(
                "utf-8", "surrogatepass") + b"\t", 0
        out, at = [], self.index.find(key, self.body - 1)
        while at >= 0:
            start = at + shift if label is not None else self.index.rfind(b"\n", 0, at) + 1
            n, entry = self._entry(start)
            if entry[0 if label is not None else 1] == (label if label is not None
                                                        else account_id):
                out.append((n, entry))
            at = self.index.find(key, at + 1)
        return out

    def labels(self, skip: int | None = None) -> list[str]:
        lines = self.index[self.body:].split(b"\n")
        return [label_index.unescape(line.split(b"\t", 1)[0]) for n, line in enumerate(lines)
                if line and n != skip]

    def text(self, entry: Entry) -> str:
        return self.data[entry[3]:entry[4]].decode("utf-8")

    def raw(self, entry: Entry) -> dict[str, Any] | None:
        """The account as parsed from its chunk alone; None unless it is exactly the account
        the index says (then the whole file decides)."""
        import tomllib  # (not at the top: a cached list never parses TOML)
        try:
            parsed = tomllib.loads(self.text(entry))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
        accounts = parsed.get(ACCOUNTS)
        if list(parsed) != [ACCOUNTS] or not isinstance(accounts, list) or len(accounts) != 1:
            return None
        raw = accounts[0]
        if not isinstance(raw, dict) or not isinstance(raw.get("label", ""), str):
            return None
        label = raw.get("label", "")
        return raw if (label, str(raw.get("id") or derived_id(label))) == entry[:2] else None

    def splice(self, n: int, entry: Entry, chunk: bytes, label: str
               ) -> tuple[list[memoryview | bytes], list[bytes]]:
        """The file with the chunk of the account at position ``n`` replaced, as parts to
        write one after the other (never joined: no second copy of the file), and the
        index's entry lines to match."""
        _, account_id, stem, start, end = entry
        delta = len(chunk) - (end - start)
        data: list[memoryview | bytes] = [memoryview(self.data)[:start], chunk,
                                          memoryview(self.data)[end:]]
        lines = self.index[self.body:].split(b"\n")[:-1]
        lines[n] = label_index.entry_line(label, account_id, stem, start, start + len(chunk))
        for i in range(n + 1, len(lines)):
            head, begin, finish = lines[i].rsplit(b"\t", 2)
            lines[i] = b"%s\t%d\t%d" % (head, int(begin) + delta, int(finish) + delta)
        return data, lines


def view(path: str | os.PathLike[str], index_file: str) -> View | None:
    """The file and its index, if the index describes these very bytes chunk by chunk."""
    index = label_index.read(index_file)
    if index is None:
        return None
    head = label_index.header_of(index)
    body = index.find(b"\n--\n") + 4
    if body < 4 or b"\t-1\t-1\n" in index:  # no chunk offsets: a layout the cut refused
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        data = fileio.read_all(fd)
    finally:
        os.close(fd)
    digest = hashlib.sha256(data).digest()
    if head.get("sha256") != digest.hex():
        return None
    return View(data, digest, index, body)
