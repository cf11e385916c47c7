"""Crash-safe writes, advisory locks and strict TOML reads for every exo-oauth file.

A reader must always see either the old file or the new one, never half of
either, even if the writer is killed mid-save (temporary file in the same
folder, fsync, rename, fsync of the folder). Locks are ``flock`` locks on a
separate lock file, so they never touch the data file itself and they are
released by the kernel when a process dies. Stdlib only: the token fast path
uses this module.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tui.core.errors import ParseError, StoreError

TYPE_CHECKING = False  # typing costs a few ms on the token fast path
if TYPE_CHECKING:
    from typing import Any

DIR_MODE = 0o700
FILE_MODE = 0o600
TEMP_SUFFIX = ".tmp"
# How often a lock with a timeout (or an async lock) polls.
POLL_S = 0.01


_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
# Where nesting gets deep: a run of opening brackets (arrays or inline tables).
_DEEP = re.compile(r"(?:[\[{][ \t\r\n]*){64}")
BOM = "\ufeff"


def loads_toml(data: bytes, path: str) -> dict[str, Any]:
    """Parse TOML bytes; any failure becomes a ParseError naming file, line and column."""
    import tomllib  # (not at the top: a cached list never parses TOML)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ParseError(path, line, column, "this is not UTF-8 text") from None
    if text.startswith(BOM):
        import shlex

        raise ParseError(path, 1, 1, "the file starts with a byte-order mark (an invisible "
                         "character some Windows editors such as Notepad add); save it as "
                         "UTF-8 without BOM, or remove it with: sed -i '1s/^\\xEF\\xBB\\xBF//' "
                         f"{shlex.quote(path)}") from None
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib nests one Python call per array or inline table
        deep = _DEEP.search(text)
        if deep is None:  # brackets mixed with keys: the line holding the most of them
            lines = text.split("\n")
            busiest = max(range(len(lines)), key=lambda n: sum(map(lines[n].count, "[{")))
            at = sum(len(line) + 1 for line in lines[:busiest])
        else:
            at = deep.start()
        raise ParseError(path, text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1)
                         + 1, "arrays or inline tables are nested too deeply to read (more "
                         "than a few hundred levels); no exo-oauth file needs more than two"
                         ) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = _WHERE.search(msg)
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            detail = msg[: match.start()]
        else:  # "(at end of document)"
            line = text.count("\n") + 1
            column = len(text) - (text.rfind("\n") + 1) + 1
            detail = msg.replace("(at end of document)", "").strip() + " at the end of the file"
        raise ParseError(path, line, column, detail[:1].lower() + detail[1:]) from None


def read_all(fd: int) -> bytes:
    """Everything left to read from an open descriptor."""
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def holds(fd: int, parts: Sequence[bytes | memoryview]) -> bool:
    """Whether the rest of an open file is exactly ``parts``, one after the other (compared
    a block at a time: no second copy of a big file in memory)."""
    for part in parts:
        view, at = memoryview(part), 0
        while at < len(view):
            chunk = os.read(fd, min(len(view) - at, 1 << 20))
            if not chunk or view[at:at + len(chunk)].tobytes() != chunk:  # (bytes compare
                # in C; memoryview == bytes goes item by item)
                return False
            at += len(chunk)
    return os.read(fd, 1) == b""


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """Create a folder (and missing parents) as 0700; an existing folder is left as it is."""
    p = Path(path)
    if p.is_dir():
        return p
    missing = []
    cur = p
    while not cur.exists():
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, DIR_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {d}: {exc.strerror or exc}.",
                             path=str(d)) from exc
        os.chmod(d, DIR_MODE)  # the umask may have taken bits away; we want exactly 0700
    return p


def mode_problem(path: Path, strict: bool) -> tuple[str, str] | None:
    """(what is wrong, the chmod that fixes it) when others can get at a file or folder of
    ours, or None. ``strict=False``: a shared folder (say /etc) only must not be writable."""
    import shlex
    import stat

    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    mode = stat.S_IMODE(st.st_mode)
    is_dir = stat.S_ISDIR(st.st_mode)
    want = 0o700 if is_dir else 0o600
    quoted = shlex.quote(str(path))
    if strict or not is_dir:
        if mode & 0o077:
            who = "group and others" if mode & 0o007 else "its group"
            return (f"{path} is {mode:04o}: {who} can get at it",
                    f"chmod {want:o} {quoted}")
        return None
    if mode & 0o022 and not mode & stat.S_ISVTX:  # a shared folder: only writability matters
        return (f"{path} is {mode:04o}: others can replace files in it",
                f"chmod go-w {quoted}")
    return None


def temp_name(path: Path) -> Path:
    """A fresh temporary name beside ``path``: ``.<name>.<random>.tmp``."""
    return path.with_name(f".{path.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}")


def is_temp_of(candidate: Path, path: Path) -> bool:
    name = candidate.name
    return name.startswith(f".{path.name}.") and name.endswith(TEMP_SUFFIX)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes | Sequence[bytes | memoryview],
                 mode: int = FILE_MODE, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new bytes, never a mix.

    ``data`` may be a sequence of buffers written one after the other (a big file with one
    part changed need not be joined in memory first). ``durable=False`` skips the fsyncs
    (still atomic): for disposable files like caches.

    A symbolic link (an account file kept with the dotfiles) is written through: its
    target gets the new bytes and the link stays, instead of being replaced by a file.
    """
    target = Path(path)
    if os.path.islink(target):
        target = Path(os.path.realpath(target))
    folder = ensure_dir(target.parent)
    tmp = temp_name(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                     mode)
    except OSError as exc:
        raise StoreError(f"Cannot write in {folder}: {exc.strerror or exc}.",
                         path=str(target)) from exc
    try:
        try:
            os.fchmod(fd, mode)  # exact mode whatever the umask
            for part in [data] if isinstance(data, bytes) else data:
                view = memoryview(part)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise StoreError(f"Cannot write {target}: {exc.strerror or exc}.",
                             path=str(target)) from exc
        raise
    if durable:
        fsync_dir(folder)


def create_exclusive(path: str | os.PathLike[str], data: bytes, mode: int = FILE_MODE) -> bool:
    """Write ``path`` atomically only if it does not exist yet; False if someone else won."""
    target = Path(path)
    folder = ensure_dir(target.parent)
    tmp = temp_name(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            os.fchmod(fd, mode)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, target)  # fails if the target exists: no clobbering
        except FileExistsError:
            return False
        fsync_dir(folder)
        return True
    except OSError as exc:
        raise StoreError(f"Cannot create {target}: {exc.strerror or exc}.",
                         path=str(target)) from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def remove(path: str | os.PathLike[str]) -> bool:
    """Delete a file if it is there (durably); True if it was."""
    p = Path(path)
    try:
        os.unlink(p)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise StoreError(f"Cannot delete {p}: {exc.strerror or exc}.", path=str(p)) from exc
    fsync_dir(p.parent)
    return True


class FileLock:
    """An exclusive ``flock`` on a lock file; ``with`` blocks, ``async with`` polls.

    The async form never blocks the event loop, so two tasks of one process can
    wait on the same account (each opens its own descriptor, and flock locks
    belong to the descriptor, so they exclude each other like two processes).
    """

    def __init__(self, lock_path: str | os.PathLike[str], timeout: float | None = None) -> None:
        self.path = Path(lock_path)
        self.timeout = timeout
        self._fd: int | None = None

    def _open(self) -> int:
        ensure_dir(self.path.parent)
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                           FILE_MODE)
        except OSError as exc:
            raise StoreError(f"Cannot open the lock file {self.path}: "
                             f"{exc.strerror or exc}.", path=str(self.path)) from exc

    def _try(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise

    def _timed_out(self) -> StoreError:
        return StoreError(f"Timed out after {self.timeout:g} s waiting for the lock "
                          f"{self.path}; another exo-oauth process holds it.",
                          path=str(self.path))

    def acquire(self) -> None:
        fd = self._open()
        try:
            if self.timeout is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + self.timeout
                while not self._try(fd):
                    if time.monotonic() >= deadline:
                        raise self._timed_out()
                    time.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    async def acquire_async(self) -> None:
        import asyncio  # lazily: asyncio is costly and the token fast path never waits

        fd = self._open()
        try:
            deadline = None if self.timeout is None else time.monotonic() + self.timeout
            while not self._try(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._timed_out()
                await asyncio.sleep(POLL_S)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    async def __aenter__(self) -> FileLock:
        await self.acquire_async()
        return self

    async def __aexit__(self, et: type[BaseException] | None, ev: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()


def locked(lock_path: str | os.PathLike[str], timeout: float | None = None) -> FileLock:
    """Exclusive advisory lock on ``lock_path`` (created 0600), for ``with`` or ``async with``."""
    return FileLock(lock_path, timeout)
