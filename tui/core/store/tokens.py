"""The token side of the account store: one small file per account in the state folder.

A mixin of ``AccountStore`` (store.py), kept apart so each file reads on its own:
token files are read without any lock (they are replaced atomically), written under
the account's token lock, and sealed with the account file's key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.model import Account, TokenState

from . import fileio, seal, token_format

if TYPE_CHECKING:
    from .account_file import AccountFile, Editor


class TokenFiles:
    """Token state, stamps and locks of the accounts of one account file."""

    # Set by AccountStore.__init__.
    path: Path
    state_dir: Path
    _resolved: str
    _tokens_dir: Path
    _header_cache: tuple[tuple[int, int, int] | None, dict[str, Any]] | None

    if TYPE_CHECKING:  # AccountStore's sealing and locked-write helpers
        def _sealer_for(self, header: dict[str, Any], *, create: bool) -> seal.Sealer: ...
        def _file_lock(self) -> fileio.FileLock: ...
        def _read_for_write(self) -> AccountFile: ...
        def _prepare(self, parsed: AccountFile, editor: Editor) -> seal.Sealer: ...
        def _write(self, editor: Editor) -> None: ...

    def _token_file(self, label: str) -> Path:
        return self._tokens_dir / token_format.token_file_name(self._resolved, label)

    def _state(self, account: Account, header: dict[str, Any] | None = None, *,
               sealer: Callable[[], seal.Sealer] | None = None) -> TokenState:
        path = self._token_file(account.label)
        if sealer is None:
            def sealer() -> seal.Sealer:
                return self._sealer_for(self._header() if header is None else header,
                                        create=False)
        # No exists() check first: read_token_state says None for a missing file.
        state = token_format.read_token_state(path, None, sealer_of=sealer)
        if state is None or state.account_id != account.id:  # left over from another account
            return TokenState(account.id, account.label)
        return state if state.label == account.label else replace(state, label=account.label)

    @staticmethod
    def _merge(account: Account, state: TokenState) -> Account:
        return replace(account, access_token=state.access_token,
                       refresh_token=state.refresh_token,
                       access_token_expires_at=state.expires_at)

    def token_stamp(self, account: Account) -> int | None:
        """When the account's token file last changed (ns), or None if there is none."""
        try:
            return os.stat(self._token_file(account.label)).st_mtime_ns
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
        """Write an account's token state (sealed, atomic). Call it under token_lock."""
        token_format.write_token_state(self._token_file(state.label), state, self._token_sealer())
