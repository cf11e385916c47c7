"""The writing half of the account store: every change under the account file's lock.

A mixin of ``AccountStore`` (account_store.py), like the token side (tokens.py), so
each file reads on its own. Every read-modify-write holds an flock on a sibling lock
file, re-reads the file under it and changes only the account at hand; a file that
does not parse is never written. A big file is changed one ``[[account]]`` chunk at a
time (chunks.py), with the label index and the parse cache moved by one line each.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.errors import ConflictError, NoSuchAccount, SealError, UsageError
from tui.core.model import SIGN_IN_METHODS, Account, TokenState

from . import account_file, chunks, fileio, label_index, parse_cache, seal, token_format
from .account_file import ACCOUNT_KEYS, AccountFile, derived_id, to_values

if TYPE_CHECKING:
    from tui.core.validate import Issue

_DEFAULTS = Account(id="")
# A delete waits this long for a refresh of that account to finish.
RENAME_WAIT_S = 30.0
# Secret could not be opened (lenient reads only): never equal to a real value.
_UNOPENED = "\0unopened"


class InvalidAccount(UsageError):
    """The account fails validation; ``issues`` holds the errors, field by field."""

    def __init__(self, label: str, issues: list[Issue]) -> None:
        detail = "; ".join(f"{i.field}: {i.message}" for i in issues)
        super().__init__(f"Cannot save account {label!r}: {detail}")
        self.issues = issues


class AccountWrites:
    """Adding, changing, renaming and deleting accounts in the account file."""

    # Set by AccountStore.__init__.
    path: Path
    lock_path: Path
    _resolved: str
    _cache: tuple[bytes, AccountFile] | None
    _cache_file: Path
    _deleted_ids: set[str]

    if TYPE_CHECKING:  # AccountStore's reading side and the token side (tokens.py)
        def _read(self) -> AccountFile | None: ...
        def _sealer_for(self, header: dict[str, Any], *, create: bool) -> seal.Sealer: ...
        def _update_index(self, parsed: AccountFile, sha256: str, st: os.stat_result | None,
                          settled: bool) -> None: ...
        def _write_index(self, st: os.stat_result, settled: bool, sha256: str,
                         header: dict[str, Any],
                         entries: list[tuple[str, str, str, int, int]] | None = None, *,
                         lines: list[bytes] | None = None) -> None: ...
        def _from_raw(self, raw: dict[str, Any], number: int,
                      opener: Callable[[str, str, str], str]) -> Account: ...
        def _view(self) -> chunks.View | None: ...
        def get_by_id(self, account_id: str) -> Account: ...
        def _token_file(self, account_id: str) -> str: ...
        def _state(self, account: Account, header: dict[str, Any] | None = None, *,
                   sealer: Callable[[], seal.Sealer] | None = None) -> TokenState: ...
        @staticmethod
        def _merge(account: Account, state: TokenState) -> Account: ...
        def _remove_legacy(self, account_id: str, label: str) -> None: ...
        def token_lock(self, account: Account, timeout: float | None = None
                       ) -> fileio.FileLock: ...

    def _file_lock(self) -> fileio.FileLock:
        fileio.ensure_dir(self.lock_path.parent)
        return fileio.locked(self.lock_path)

    def _write(self, editor: account_file.Editor) -> None:
        text = editor.render()
        if text == editor.source.text and self.path.exists():
            return  # nothing changed: leave the file (and its mtime) alone
        data = text.encode("utf-8")
        st = self._replace_file(data)
        # The next read of these exact bytes needs no parse (the TUI saves, then lists;
        # the next command finds the JSON cache).
        result = editor.result(text)
        digest = hashlib.sha256(data).digest()
        self._cache = (digest, result)
        parse_cache.save(self._cache_file, digest, result.header, result.accounts)
        self._update_index(result, digest.hex(), st, self._settle(st, data))

    def _replace_file(self, data: bytes | list[memoryview | bytes]) -> os.stat_result:
        """Write the account file (atomically; we hold its lock); its stat afterwards."""
        real = Path(self._resolved)  # (writes go through links to the file itself)
        with contextlib.suppress(OSError):  # temp files of killed writers
            for entry in os.scandir(real.parent):
                if fileio.is_temp_of(Path(entry.path), real):
                    os.unlink(entry.path)
        self._cache = None
        fileio.atomic_write(self.path, data)
        return os.stat(self.path)

    def _settle(self, st: os.stat_result, data: bytes | list[memoryview | bytes]) -> bool:
        """Whether the file we just wrote is still exactly ``data`` once the clock has moved
        past its ctime (see label_index): waits the few ms that takes, not a coarse
        filesystem's seconds (that index stays unsettled until a later read)."""
        wait_ns = st.st_ctime_ns + label_index.settle_ns(st) - time.time_ns()
        if wait_ns > label_index.SETTLE_NS:
            return False
        if wait_ns > 0:
            time.sleep(wait_ns / 1e9 + 0.001)
        parts = [data] if isinstance(data, bytes) else data
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                same = fileio.holds(fd, parts)
                now = os.fstat(fd)
            finally:
                os.close(fd)
        except OSError:
            return False
        return same and label_index.signature(now) == label_index.signature(st)

    def _prepare(self, parsed: AccountFile, editor: account_file.Editor) -> seal.Sealer:
        """The key for writing (made on first use); header fields it needs go into ``editor``."""
        sealer = self._sealer_for(parsed.header, create=True)
        updates: dict[str, Any] = {}
        if "schema" not in parsed.header:
            updates["schema"] = account_file.SCHEMA
        updates.update({k: v for k, v in sealer.header.items() if parsed.header.get(k) != v})
        editor.set_header(updates)
        return sealer

    def _read_for_write(self) -> AccountFile:
        parsed = self._read()
        return parsed if parsed is not None else account_file.parse(b"", str(self.path))

    @staticmethod
    def _ids(parsed: AccountFile) -> list[str]:
        return [str(a.get("id") or derived_id(str(a.get("label", "")))) for a in parsed.accounts]

    def _check(self, account: Account, taken: list[str]) -> None:
        if not account.id or not isinstance(account.id, str):
            raise UsageError("An account needs an id.")
        from tui.core.validate import validate  # (only writes check: lists stay light)

        problems = [i for i in validate(account, taken_labels=taken) if i.stops_save]
        if problems:
            raise InvalidAccount(account.label, problems)

    def add(self, account: Account) -> Account:
        """Add a new account; InvalidAccount (exit 2) if it fails validation."""
        with self._file_lock():
            parsed = self._read_for_write()
            if account.id in self._ids(parsed):
                raise UsageError(f"An account with id {account.id} already exists.")
            self._check(account, [str(a.get("label", "")) for a in parsed.accounts])
            editor = parsed.edit()
            sealer = self._prepare(parsed, editor)
            secret = sealer.seal(account.id, "client_secret", account.client_secret)
            editor.add_account(to_values(account, secret))
            self._write(editor)
            self._deleted_ids.discard(account.id)
            token_file = self._token_file(account.id)
            if (account.access_token or account.refresh_token
                    or account.access_token_expires_at is not None):
                token_format.write_token_state(token_file, TokenState(
                    account.id, account.label, account.access_token, account.refresh_token,
                    account.access_token_expires_at), sealer)
            else:  # left by a writer killed mid-delete: must not serve this account
                fileio.remove(token_file)
        return account

    def _changes(self, raw: dict[str, Any], account: Account, current: Account,
                 sealer: seal.Sealer) -> dict[str, Any]:
        new = to_values(account, "")
        defaults = to_values(_DEFAULTS, "")
        changes: dict[str, Any] = {}
        for key in ACCOUNT_KEYS:
            if key == "client_secret":
                if account.client_secret != current.client_secret and (
                        account.client_secret or current.client_secret != _UNOPENED):
                    changes[key] = sealer.seal(account.id, key, account.client_secret)
            elif key in raw:
                if raw[key] != new[key]:
                    changes[key] = new[key]
            elif key == "id" or new[key] != defaults[key]:
                changes[key] = new[key]
        return changes

    def update(self, account: Account, *, expected: Account | None = None) -> Account:
        """Save a changed account (matched by id); a new label renames it (its tokens,
        kept by id, stay with it).

        ``expected``: the account as the caller loaded it; ConflictError if the
        file now holds a different configuration for it. Tokens in ``account``
        are ignored (they change only through save_token_state).
        """
        with self._file_lock():
            return self._update_locked(account, expected)

    def _update_locked(self, account: Account, expected: Account | None) -> Account:
        done = self._update_in_place(account, expected)
        if done is not None:
            return done
        parsed = self._read_for_write()
        ids = self._ids(parsed)
        if account.id not in ids:
            if expected is not None:
                raise ConflictError(f"Account {expected.label!r} was deleted from {self.path} "
                                    "after it was loaded; nothing was saved.")
            raise NoSuchAccount(account.label)
        index = ids.index(account.id)
        raw = parsed.accounts[index]
        editor = parsed.edit()
        sealer = self._prepare(parsed, editor)
        current = self._from_raw(raw, index + 1, self._lenient(sealer))
        account = self._unchanged(account, current, expected)
        self._check(account, [str(a.get("label", "")) for i, a in enumerate(parsed.accounts)
                              if i != index])
        editor.update_account(index, self._changes(raw, account, current, sealer))
        self._write(editor)  # tokens are kept by id: a new label changes nothing there
        return self._merge(account, self._state(account, editor.header))

    @staticmethod
    def _lenient(sealer: seal.Sealer) -> Callable[[str, str, str], str]:
        def opener(account_id: str, label: str, text: str) -> str:
            try:
                return sealer.open(account_id, "client_secret", text)
            except SealError:
                return _UNOPENED
        return opener

    def _unchanged(self, account: Account, current: Account, expected: Account | None
                   ) -> Account:
        """``account`` as it is to be saved, after checking that the file still holds the
        configuration the caller loaded (``expected``)."""
        if expected is None:
            return account
        shown = current if current.client_secret != _UNOPENED else replace(
            current, client_secret="")
        if not shown.config_equal(expected):
            raise ConflictError(f"Account {expected.label!r} was changed in {self.path} "
                                "after it was loaded; reload it and make the change "
                                "again. Nothing was saved.")
        if account.sign_in_method == expected.sign_in_method:
            # a form saving other changes keeps what a sign-in remembered meanwhile
            account = replace(account, sign_in_method=current.sign_in_method)
        return account

    def _update_in_place(self, account: Account, expected: Account | None) -> Account | None:
        """update() for a big file: parse, change and write back one chunk, and the index
        and parse cache by one line each. None when only the whole file can tell."""
        view = self._view()
        if view is None:
            return None
        hits = view.find(account_id=account.id)
        raw = view.raw(hits[0][1]) if len(hits) == 1 else None
        header = seal.read_header(self.path)
        if raw is None or "schema" not in header:
            return None
        sealer = self._sealer_for(header, create=True)
        if any(header.get(k) != v for k, v in sealer.header.items()):
            return None  # the header needs writing too: the whole-file path does that
        index, entry = hits[0]
        current = self._from_raw(raw, index + 1, self._lenient(sealer))
        account = self._unchanged(account, current, expected)
        self._check(account, view.labels(skip=index))
        changes = self._changes(raw, account, current, sealer)
        if changes:
            chunk = account_file.update_chunk(str(self.path), view.text(entry), raw, changes)
            parts, lines = view.splice(index, entry, chunk.encode("utf-8"), account.label)
            digest = hashlib.sha256()
            for part in parts:
                digest.update(part)
            old_digest, new_digest = view.digest, digest.digest()
            st = self._replace_file(parts)
            settled = self._settle(st, parts)
            del view, parts
            parse_cache.replace_line(self._cache_file, old_digest, new_digest, header, index,
                                     {**raw, **changes})
            self._write_index(st, settled, new_digest.hex(), header, lines=lines)
        return self._merge(account, self._state(account, header))

    def remember_sign_in(self, account: Account, method: str) -> None:
        """Note the sign-in method that just worked, so the next sign-in offers it first.
        Written only when it changes: the account file is a person's, not a log."""
        if method not in SIGN_IN_METHODS:
            raise ValueError(f"not a way a person signs in: {method!r}")
        current = self.get_by_id(account.id)
        if current.sign_in_method != method:
            self.update(replace(current, sign_in_method=method), expected=current)

    def delete(self, account_id: str) -> None:
        """Remove an account and its token file."""
        with self.token_lock(Account(id=account_id), RENAME_WAIT_S), self._file_lock():
            parsed = self._read_for_write()
            ids = self._ids(parsed)
            if account_id not in ids:
                raise NoSuchAccount(account_id)
            if parsed.header.get("sealing"):  # a wrong key or passphrase writes nothing
                self._sealer_for(parsed.header, create=False)
            index = ids.index(account_id)
            label = str(parsed.accounts[index].get("label", ""))
            editor = parsed.edit()
            editor.delete_account(index)
            self._write(editor)
            self._deleted_ids.add(account_id)
            fileio.remove(self._token_file(account_id))
            self._remove_legacy(account_id, label)
