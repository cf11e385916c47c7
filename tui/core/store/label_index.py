"""The label index: which account id each label names, written with the account file.

`exo-oauth token LABEL` must hand out only the token of the account LABEL names in
the account file as it is now, without parsing a file of 10,000 accounts. So every
save (and every full read that finds the index missing or out of date) also writes
this small text file in the state folder: the account file's identity, its sealing
header, and one line per account (label, id, token file stem, where its
``[[account]]`` chunk sits in the file).

When to trust it: the index records the account file's device, inode, size, mtime
and ctime (ns). A hand edit changes at least one of them: editors that keep the
mtime (``touch -r``, ``cp -p``, ``rsync -t``, a restored backup) still move the
ctime, which no user can set. The one gap is an in-place write landing in the same
timestamp tick as the save that wrote the index; so an index is marked *settled*
only once its writer has seen the clock pass the file's ctime by SETTLE_NS and
re-read the same bytes. An unsettled, stale or foreign index is never used by the
fast path; the full path then reads the account file itself.

Stdlib only, and only the cheapest modules (os, binascii): the fast path reads it.
"""

from __future__ import annotations

import binascii
import os

MAGIC = b"exo-oauth label index 2\n"
# Timestamps of a file change in ticks; a change later than this after the recorded
# ctime shows as a new ctime. Filesystems with whole-second times get 2 s.
SETTLE_NS = 20_000_000
COARSE_SETTLE_NS = 2_000_000_000
_ENTRIES = b"\n--\n"

TYPE_CHECKING = False  # typing costs a few ms on the token fast path
if TYPE_CHECKING:
    from typing import Any


def index_path(state_dir: str, resolved_config: str) -> str:
    """Where the index of this account file lives. Named by two CRC-32s of its path
    (binascii is already loaded for base64); the file records the full path, so a
    clash costs only speed."""
    raw = resolved_config.encode("utf-8", "surrogatepass")
    name = f"{binascii.crc32(raw):08x}{binascii.crc32(raw[::-1]):08x}.idx"
    return os.path.join(state_dir, "index", name)


def signature(st: os.stat_result) -> str:
    return f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"


def vouches(head: dict[str, str], resolved_config: str, st: os.stat_result) -> bool:
    """Whether an index with this header stands for the account file with this stat as it
    is now: written for that file, settled, and its stat unchanged since."""
    return (head.get("config") == resolved_config and head.get("settled") == "1"
            and head.get("sig") == signature(st))


def settle_ns(st: os.stat_result) -> int:
    """How long after its ctime a file's stat can be trusted to show any further change."""
    return COARSE_SETTLE_NS if st.st_ctime_ns % 1_000_000_000 == 0 else SETTLE_NS


def is_settled(st: os.stat_result, seen_at_ns: int) -> bool:
    """Whether bytes read at ``seen_at_ns`` (a time.time_ns()) are the only bytes this
    stat can stand for: the clock had passed the ctime by more than a tick."""
    return seen_at_ns - st.st_ctime_ns > settle_ns(st)


_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPE = str.maketrans(_ESCAPES)
_UNESCAPE = {v[1]: k for k, v in _ESCAPES.items()}


def escape(text: str) -> str:
    """A label or id as one field of a line: backslash, tab and line breaks escaped."""
    return text.translate(_ESCAPE)


def unescape(field: bytes) -> str:
    text = field.decode("utf-8", "surrogatepass")
    if "\\" not in text:
        return text
    out, chars = [], iter(text)
    for ch in chars:
        out.append(_UNESCAPE.get(next(chars, ""), "") if ch == "\\" else ch)
    return "".join(out)


# -- writing ----------------------------------------------------------------------------------
def render(config: str, sig: str, settled: bool, sha256: str, header: dict[str, Any],
           entries: list[tuple[str, str, str, int, int]] | None = None, *,
           lines: list[bytes] | None = None) -> bytes | None:
    """The index text; entries are (label, id, token stem, chunk start, chunk end), with
    -1 offsets when the file could not be cut into chunks (or ``lines``: the same, already
    rendered by entry_line). None if it cannot be written (a path with a line break)."""
    if "\n" in config or "\r" in config:
        return None
    head = [MAGIC.decode(), f"config\t{config}\n", f"sig\t{sig}\n",
            f"settled\t{1 if settled else 0}\n", f"sha256\t{sha256}\n",
            f"sealing\t{_sealing_line(header)}\n", "--\n"]
    body = b"".join(line + b"\n" for line in lines) if lines is not None else \
        b"".join(entry_line(*entry) + b"\n" for entry in entries or ())
    return "".join(head).encode("utf-8", "surrogatepass") + body


def entry_line(label: str, account_id: str, stem: str, start: int, end: int) -> bytes:
    return (f"{escape(label)}\t{escape(account_id)}\t{stem}\t{start}\t{end}"
            ).encode("utf-8", "surrogatepass")


def _sealing_line(header: dict[str, Any]) -> str:
    """What the fast path needs to build the key: the kind, and a passphrase's scrypt."""
    sealing = header.get("sealing")
    if sealing is None:
        return "none"
    if sealing == "keyfile":
        return "keyfile"
    if sealing == "passphrase" and header.get("kdf", "scrypt") == "scrypt":
        parts = [header.get("salt"), header.get("scrypt_n"), header.get("scrypt_r"),
                 header.get("scrypt_p")]
        if isinstance(parts[0], str) and all(type(p) is int for p in parts[1:]) \
                and not any(c in parts[0] for c in "\t\n\r"):
            return "\t".join(["passphrase", *(str(p) for p in parts)])
    return "?"  # anything else: the full path decides


# -- reading --------------------------------------------------------------------------------
def read(path: str, limit: int | None = None) -> bytes | None:
    """The index (or its first ``limit`` bytes: enough for the header), if it is one."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, limit or 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            if limit:
                break
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data if data.startswith(MAGIC) else None


def header_of(data: bytes) -> dict[str, str]:
    """The key/value lines before the entries."""
    end = data.find(_ENTRIES)
    if end < 0:
        return {}
    out = {}
    for line in data[len(MAGIC):end].decode("utf-8", "surrogatepass").split("\n"):
        key, _, value = line.partition("\t")
        out[key] = value
    return out


def lookup(data: bytes, label: str) -> tuple[str, str, str] | None:
    """(id, token stem, "1" if unique else "2") for ``label``, or None if absent."""
    start = data.find(_ENTRIES)
    if start < 0:
        return None
    key = b"\n" + escape(label).encode("utf-8", "surrogatepass") + b"\t"
    at = data.find(key, start + 3)
    if at < 0:
        return None
    end = data.find(b"\n", at + 1)
    fields = data[at + len(key): end].split(b"\t")
    if len(fields) != 4:
        return None
    again = data.find(key, end)
    return unescape(fields[0]), fields[1].decode("ascii"), "1" if again < 0 else "2"


def entries_of(data: bytes) -> list[tuple[str, str, str, int, int]] | None:
    """Every entry (label, id, stem, start, end), in file order; None if damaged."""
    start = data.find(_ENTRIES)
    if start < 0:
        return None
    try:
        return [parse_line(line) for line in data[start + len(_ENTRIES):].split(b"\n") if line]
    except (ValueError, UnicodeDecodeError):
        return None


def parse_line(line: bytes) -> tuple[str, str, str, int, int]:
    """One entry line; ValueError if damaged."""
    label, account_id, stem, begin, end = line.split(b"\t")
    return unescape(label), unescape(account_id), stem.decode("ascii"), int(begin), int(end)
