"""The token side of the account store: one small file per account in the state folder.

A mixin of ``AccountStore`` (account_store.py), kept apart so each file reads on its
own: token files are named by the account's id, read without any lock (they are
replaced atomically), written under the account's token lock, and sealed with the
account file's key. A file of an earlier version (named by the label) is moved to
the id's name the first time the account's tokens are looked at.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.errors import NoSuchAccount, StoreError
from tui.core.model import Account, TokenState, TokenSummary

from . import fileio, list_cache, seal, token_format

if TYPE_CHECKING:
    from .account_file import AccountFile, Editor


class TokenFiles:
    """Token state, stamps and locks of the accounts of one account file."""

    # Set by AccountStore.__init__.
    path: Path
    state_dir: Path
    _resolved: str
    _tokens_dir: str
    _header_cache: tuple[tuple[int, int, int] | None, dict[str, Any]] | None
    _deleted_ids: set[str]

    if TYPE_CHECKING:  # AccountStore's sealing and locked-write helpers
        def _sealer_for(self, header: dict[str, Any], *, create: bool) -> seal.Sealer: ...
        def _file_lock(self) -> fileio.FileLock: ...
        def _read_for_write(self) -> AccountFile: ...
        def _prepare(self, parsed: AccountFile, editor: Editor) -> seal.Sealer: ...
        def _write(self, editor: Editor) -> None: ...

    def _token_file(self, account_id: str) -> str:
        return os.path.join(self._tokens_dir, token_format.token_file_name(self._resolved,
                                                                          account_id))

    def _legacy_file(self, account_id: str, label: str) -> str | None:
        """The label-named token file of earlier versions, if it holds this account's tokens."""
        legacy = os.path.join(self._tokens_dir, token_format.legacy_file_name(self._resolved,
                                                                              label))
        if legacy == self._token_file(account_id):
            return None
        try:
            found = token_format.read_summary(legacy)
        except (StoreError, OSError):
            return None  # damaged: not ours to guess about
        return legacy if found is not None and found.account_id == account_id else None

    def _remove_legacy(self, account_id: str, label: str) -> None:
        legacy = self._legacy_file(account_id, label)
        if legacy is not None:
            fileio.remove(legacy)

    def _migrate(self, account: Account) -> bool:
        """Move the account's token file from its label's name (earlier versions) to its id's,
        if that file is this account's; never over a newer one. True if one was moved."""
        legacy = self._legacy_file(account.id, account.label)
        if legacy is None:
            return False
        new = self._token_file(account.id)
        try:
            os.link(legacy, new)  # fails if the id's file exists: that one is newer
        except FileExistsError:
            pass
        except OSError:
            return False
        fileio.remove(legacy)
        return True

    def _state(self, account: Account, header: dict[str, Any] | None = None, *,
               sealer: Callable[[], seal.Sealer] | None = None) -> TokenState:
        path = self._token_file(account.id)
        if sealer is None:
            def sealer() -> seal.Sealer:
                return self._sealer_for(self._header() if header is None else header,
                                        create=False)
        # No exists() check first: read_token_state says None for a missing file.
        state = token_format.read_token_state(path, None, sealer_of=sealer)
        if state is None and self._migrate(account):
            state = token_format.read_token_state(path, None, sealer_of=sealer)
        if state is None or state.account_id != account.id:  # a copy of another account's
            return TokenState(account.id, account.label)
        return state if state.label == account.label else replace(state, label=account.label)

    def token_summary(self, account: Account) -> TokenSummary:
        """What lists show about the account's tokens; opens nothing, needs no key."""
        return self._summary_stamped(account, self._token_file(account.id))[0]

    def _token_file_name(self, account: Account) -> str:
        return token_format.token_file_name(self._resolved, account.id)

    def _list_entry(self, account: Account) -> list_cache.Entry:
        """What a list keeps about the account's tokens (list_cache)."""
        name = self._token_file_name(account)
        summary, stamp = self._summary_stamped(account, os.path.join(self._tokens_dir, name))
        return list_cache.Entry(account, summary, name, stamp)

    def _summary_stamped(self, account: Account, path: str
                         ) -> tuple[TokenSummary, list_cache.Stamp | bool]:
        """token_summary, and the stamp of the token file it came from."""
        found = token_format.read_stat(path)
        if found is None and self._migrate(account):
            found = token_format.read_stat(path)
        if found is None:
            return TokenSummary(account.id, account.label), None
        data, st, seen_ns = found
        summary = token_format.loads_summary(data, path)
        stamp = list_cache.kept_stamp(st, seen_ns)
        if summary.account_id != account.id:  # a copy of another account's
            return TokenSummary(account.id, account.label), stamp
        return (summary if summary.label == account.label
                else summary._replace(label=account.label)), stamp

    @staticmethod
    def _merge(account: Account, state: TokenState) -> Account:
        return replace(account, access_token=state.access_token,
                       refresh_token=state.refresh_token,
                       access_token_expires_at=state.expires_at)

    def token_stamp(self, account: Account) -> int | None:
        """When the account's token file last changed (ns), or None if there is none."""
        path = self._token_file(account.id)
        try:
            return os.stat(path).st_mtime_ns
        except FileNotFoundError:
            if not self._migrate(account):
                return None
        except OSError:
            return None
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return None

    def token_state(self, account: Account) -> TokenState:
        """The issued tokens of an account (empty TokenState if none)."""
        return self._state(account)

    def token_lock(self, account: Account, timeout: float | None = None) -> fileio.FileLock:
        """Exclusive per-account lock (``with`` or ``async with``) for single-flight refresh.

        Hold it around "re-read state, refresh, save_token_state"; save_token_state
        itself does not take it (flock is per descriptor: taking it twice deadlocks).
        """
        return fileio.locked(token_format.lock_path(self.state_dir, self._resolved, account.id,
                                              is_resolved=True), timeout)

    def _header(self) -> dict[str, Any]:
        """The account file's header, read again only when the file has changed.

        ``refresh --all`` reads and writes hundreds of token states; re-reading the
        header for each cost more than the refresh's own work.
        """
        try:
            st = os.stat(self.path)
            sig: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            sig = None
        cached = self._header_cache
        if sig is not None and cached is not None and cached[0] == sig:
            return cached[1]
        header = seal.read_header(self.path)
        self._header_cache = (sig, header) if sig is not None else None
        return header

    def _token_sealer(self) -> seal.Sealer:
        header = self._header()
        if header.get("sealing"):
            return self._sealer_for(header, create=False)
        with self._file_lock():  # first sealed value of a hand-written file: record the key
            parsed = self._read_for_write()
            editor = parsed.edit()
            sealer = self._prepare(parsed, editor)
            self._write(editor)
            return sealer

    def save_token_state(self, state: TokenState) -> None:
        """Write an account's token state (sealed, atomic). Call it under token_lock.

        NoSuchAccount for an account this store deleted: a refresh or sign-in that
        queued behind the delete must not bring its token file back.
        """
        if state.account_id in self._deleted_ids:
            raise NoSuchAccount(state.label)
        token_format.write_token_state(self._token_file(state.account_id), state,
                                       self._token_sealer())
