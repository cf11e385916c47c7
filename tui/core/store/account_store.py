"""The account store: accounts in a TOML file a person may edit, tokens in the state folder.

All methods block (file locks, fsync): from async code, call the writing ones
in a thread (``asyncio.to_thread``), so that a refresh holding an account's
token lock in the same event loop can finish while a rename waits for it.

Reads use tomllib and take no lock (writes are atomic renames, so a reader sees
a whole file). Every read-modify-write of the account file holds an flock on a
sibling lock file, re-reads the file under it and changes only the account at
hand, so two processes editing different accounts both keep their change. A
file that does not parse is never written. Locks are always taken in the order
token lock, then account file lock.

This module holds the reading side; the writes are in account_writes.py and the
token files in tokens.py, both mixed into AccountStore.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.core import paths
from tui.core.errors import (
    AmbiguousLabel,
    NoSuchAccount,
    SealError,
    StoreError,
)
from tui.core.model import Account, ParamRow, TokenState, TokenSummary

from . import (
    account_file,
    chunks,
    fileio,
    label_index,
    list_cache,
    list_cache_file,
    parse_cache,
    seal,
    token_format,
)
from .account_file import AccountFile, derived_id
from .account_writes import AccountWrites
from .account_writes import InvalidAccount as InvalidAccount
from .tokens import TokenFiles


class AccountStore(AccountWrites, TokenFiles):
    """One account file plus the token files of its accounts."""

    def __init__(self, config_path: str | os.PathLike[str],
                 state_dir: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(config_path)
        self.state_dir = Path(state_dir) if state_dir is not None else paths.state_dir()
        resolved = token_format.resolved(self.path)
        self._resolved = resolved
        # Beside the file itself, not beside a link to it: every path to one account file
        # (a dotfiles link, the real path, --config) takes the one lock.
        real = Path(resolved)
        self.lock_path = real.with_name(f".{real.name}.lock")
        self._tokens_dir = os.path.join(self.state_dir, "tokens")
        self._cache_file = parse_cache.cache_path(self.state_dir, resolved)
        self._index_file = label_index.index_path(str(self.state_dir), resolved)
        self._list_file = list_cache.cache_path(self.state_dir, resolved)
        self._sealer: seal.Sealer | None = None
        self._sealer_key: tuple[str, bytes, str] | None = None
        # (the header dict, (passphrase, XDG_DATA_HOME, HOME)) when _sealer was last
        # confirmed: header dicts are cached, so a repeat costs an identity check
        self._sealer_quick: tuple[dict[str, Any], tuple[str | None, ...]] | None = None
        self._cache: tuple[bytes, AccountFile] | None = None
        self._header_cache: tuple[tuple[int, int, int] | None, dict[str, Any]] | None = None
        self._deleted_ids: set[str] = set()  # deleted through this store (see save_token_state)
        # The last load_summaries: (digest of the file's bytes, what it listed).
        self._listed: tuple[bytes, list[list_cache.Entry]] | None = None
        self._listing = threading.Lock()

    # -- reading ------------------------------------------------------------------
    @property
    def sealer(self) -> seal.Sealer:
        """The key for this file (checked against its header); SealError if unusable."""
        if self._sealer is None:
            return self._sealer_for(seal.read_header(self.path), create=False)
        return self._sealer

    def _read(self) -> AccountFile | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"Cannot read the account file {self.path}: "
                             f"{exc.strerror or exc}.", path=str(self.path)) from exc
        try:
            before, seen_ns = os.fstat(fd), time.time_ns()
            data = fileio.read_all(fd)
            after = os.fstat(fd)
        except OSError as exc:
            raise StoreError(f"Cannot read the account file {self.path}: "
                             f"{exc.strerror or exc}.", path=str(self.path)) from exc
        finally:
            os.close(fd)
        digest = hashlib.sha256(data).digest()
        if self._cache and self._cache[0] == digest:
            return self._cache[1]
        cached = parse_cache.load(self._cache_file, digest)
        if cached is not None:  # these exact bytes parsed (and checked) before
            header, accounts = cached
            parsed = AccountFile(str(self.path), data.decode("utf-8"),
                                 {account_file.HEADER: header, account_file.ACCOUNTS: accounts},
                                 header, accounts)
        else:
            parsed = account_file.parse(data, str(self.path))
            seen: dict[str, int] = {}
            for n, raw in enumerate(parsed.accounts, 1):
                # Every account must be usable, not only the one at hand: check the types.
                account_id = account_file.account_from_raw(raw, n, str(self.path),
                                                           lambda _i, _l, text: text).id
                if account_id in seen:
                    raise StoreError(f"{self.path}: accounts {seen[account_id]} and {n} share "
                                     f"the id {account_id!r}; give one a new id or remove its "
                                     "id line (its sealed secret must then be set again).",
                                     path=str(self.path))
                seen[str(account_id)] = n
            parse_cache.save(self._cache_file, digest, parsed.header, parsed.accounts)
        self._cache = (digest, parsed)
        same = label_index.signature(before) == label_index.signature(after)
        self._update_index(parsed, digest.hex(), after if same else None,
                           same and label_index.is_settled(after, seen_ns))
        return parsed

    def _update_index(self, parsed: AccountFile, sha256: str, st: os.stat_result | None,
                      settled: bool) -> None:
        """Write the label index for these bytes, unless it already says all it can.
        ``st``: the file's stat while those bytes were read (None if it moved meanwhile)."""
        if st is None:
            return
        sig = label_index.signature(st)
        current = label_index.read(self._index_file)
        if current is not None:
            head = label_index.header_of(current)
            if head.get("sig") == sig and head.get("sha256") == sha256 and (
                    head.get("settled") == "1" or not settled):
                return
        offsets = parsed.chunk_offsets() or [(-1, -1)] * len(parsed.accounts)
        entries = []
        for raw, (start, end) in zip(parsed.accounts, offsets, strict=True):
            label = str(raw.get("label", ""))
            account_id = str(raw.get("id") or derived_id(label))
            entries.append((label, account_id, token_format.token_stem(self._resolved,
                                                                        account_id), start, end))
        self._write_index(st, settled, sha256, parsed.header, entries)

    def _write_index(self, st: os.stat_result, settled: bool, sha256: str,
                     header: dict[str, Any],
                     entries: list[tuple[str, str, str, int, int]] | None = None, *,
                     lines: list[bytes] | None = None) -> None:
        text = label_index.render(self._resolved, label_index.signature(st), settled, sha256,
                                  header, entries, lines=lines)
        try:
            if text is None:
                fileio.remove(self._index_file)
            else:
                fileio.atomic_write(self._index_file, text, durable=False)
        except StoreError:
            return  # the index only saves time; the token path reads the file without it

    def _sealer_for(self, header: dict[str, Any], *, create: bool) -> seal.Sealer:
        # Reuse the last sealer while the header's sealing, the passphrase and the key
        # file path stay the same (loading 1,000 accounts checks the key once).
        env = os.environ
        quick = (env.get(seal.PASSPHRASE_ENV), env.get("XDG_DATA_HOME"), env.get("HOME"))
        seen = self._sealer_quick
        if (self._sealer is not None and seen is not None and seen[0] is header
                and seen[1] == quick and header.get("sealing")):
            return self._sealer  # the very header object seen last time, same environment
        key = (repr(sorted((k, str(v)) for k, v in header.items() if k != "schema")),
               hashlib.sha256(env.get(seal.PASSPHRASE_ENV, "").encode()).digest(),
               str(paths.key_file()))
        if self._sealer is not None and header.get("sealing") and self._sealer_key == key:
            self._sealer_quick = (header, quick)
            return self._sealer
        sealer = seal.sealer_for(header, config_path=self.path, create=create)
        self._sealer, self._sealer_key, self._sealer_quick = sealer, key, (header, quick)
        return sealer

    def _sealer_once(self, header: dict[str, Any]) -> Callable[[], seal.Sealer]:
        """The key for one pass over the file: checked once, when something sealed is met."""
        once: list[seal.Sealer] = []

        def sealer() -> seal.Sealer:
            if not once:
                once.append(self._sealer_for(header, create=False))
            return once[0]

        return sealer

    def _from_raw(self, raw: dict[str, Any], number: int,
                  opener: Callable[[str, str, str], str]) -> Account:
        return account_file.account_from_raw(raw, number, str(self.path), opener)

    def _strict_opener(self, header: dict[str, Any],
                       sealer_of: Callable[[], seal.Sealer] | None = None
                       ) -> Callable[[str, str, str], str]:
        def opener(account_id: str, label: str, text: str) -> str:
            sealer = (sealer_of() if sealer_of is not None
                      else self._sealer_for(header, create=False))
            try:
                return sealer.open(account_id, "client_secret", text)
            except SealError as exc:
                raise SealError(f"{self.path}: account {label!r}: {exc}") from None
        return opener

    def load_all(self) -> list[tuple[Account, TokenState]]:
        """Every account (tokens merged in) with its token state, in file order."""
        parsed = self._read()
        if parsed is None:
            return []
        sealer = self._sealer_once(parsed.header)
        opener = self._strict_opener(parsed.header, sealer)
        out = []
        for n, raw in enumerate(parsed.accounts, 1):
            account = self._from_raw(raw, n, opener)
            state = self._state(account, sealer=sealer)
            out.append((self._merge(account, state), state))
        return out

    def load(self, *, with_tokens: bool = True) -> list[Account]:
        """Every account in file order; ``with_tokens=False`` leaves the token files
        unread (tokens empty), for callers that read each state under its lock anyway."""
        if with_tokens:
            return [account for account, _ in self.load_all()]
        parsed = self._read()
        if parsed is None:
            return []
        opener = self._strict_opener(parsed.header, self._sealer_once(parsed.header))
        return [self._from_raw(raw, n, opener) for n, raw in enumerate(parsed.accounts, 1)]

    def labels(self) -> list[str]:
        """Labels in file order, without opening any secret."""
        parsed = self._read()
        return [] if parsed is None else [str(a.get("label", "")) for a in parsed.accounts]

    def _view(self) -> chunks.View | None:
        return chunks.view(self.path, self._index_file)

    def _find(self, pred: Callable[[dict[str, Any]], bool], missing: str, *,
              lenient: bool = False, by: tuple[int, str] | None = None) -> Account:
        """The one account ``pred`` picks. ``by`` (entry field, value): the same question
        for the label index, which answers it without parsing the other accounts."""
        view = self._view() if by is not None else None
        if view is not None and by is not None:
            hits = view.find(label=by[1]) if by[0] == 0 else view.find(account_id=by[1])
            if len(hits) > 1:
                raise AmbiguousLabel(missing, [entry[1] for _, entry in hits], str(self.path))
            if not hits:
                raise NoSuchAccount(missing)
            raw = view.raw(hits[0][1])
            if raw is not None:
                header = seal.read_header(self.path)
                return self._open_found(raw, hits[0][0] + 1, header, lenient)
        parsed = self._read()
        found = [(n, raw) for n, raw in enumerate(parsed.accounts if parsed else [], 1)
                 if pred(raw)]
        if not found or parsed is None:
            raise NoSuchAccount(missing)
        if len(found) > 1:
            raise AmbiguousLabel(missing, [self._id_of_raw(raw) for _, raw in found],
                                 str(self.path))
        return self._open_found(found[0][1], found[0][0], parsed.header, lenient)

    def _open_found(self, raw: dict[str, Any], number: int, header: dict[str, Any],
                    lenient: bool) -> Account:
        strict = self._strict_opener(header)

        def forgiving(account_id: str, label: str, text: str) -> str:
            try:
                return strict(account_id, label, text)
            except SealError:
                self._sealer_for(header, create=False)  # a wrong key still raises
                return ""

        account = self._from_raw(raw, number, forgiving if lenient else strict)
        return self._merge(account, self._state(account, header))

    def get(self, label: str, *, lenient: bool = False) -> Account:
        """The account with this label (tokens merged in); NoSuchAccount if none.

        ``lenient``: a client secret that cannot be opened (damaged, plain text)
        reads as empty instead of raising, so it can be replaced; a wrong key or
        passphrase still raises.
        """
        return self._find(lambda raw: raw.get("label", "") == label, label, lenient=lenient,
                          by=(0, label))

    @staticmethod
    def _id_of_raw(raw: dict[str, Any]) -> str:
        return str(raw.get("id") or derived_id(str(raw.get("label", ""))))

    def ids_for(self, label: str) -> list[str]:
        """The ids of every account with this label, in file order, without opening any
        secret: none, one, or (after a hand edit) several."""
        view = self._view()
        if view is not None:
            return [entry[1] for _, entry in view.find(label=label)]
        parsed = self._read()
        return [self._id_of_raw(raw) for raw in (parsed.accounts if parsed else [])
                if raw.get("label", "") == label]

    def id_of(self, label: str) -> str:
        """The id of the account with this label; NoSuchAccount if none, AmbiguousLabel
        (exit 2) if several accounts have it."""
        ids = self.ids_for(label)
        if not ids:
            raise NoSuchAccount(label)
        if len(ids) > 1:
            raise AmbiguousLabel(label, ids, str(self.path))
        return ids[0]

    def load_summaries(self) -> list[tuple[Account, TokenSummary]]:
        """Every account with what its token file says about its tokens, opening nothing:
        for lists and status. The accounts' client secrets are left out (empty); get an
        account with ``get``/``get_by_id`` before using it to sign in or refresh.

        What the last list saw is reused (list_cache; in memory when this store made
        it): the accounts for the same file bytes, each summary while its token file is
        unchanged. Two threads listing at once (the UI's list and its first auto-refresh
        check) take turns, so the second finds the first one's work in memory."""
        with self._listing:
            return self._load_summaries()

    def _load_summaries(self) -> list[tuple[Account, TokenSummary]]:
        digest = self._digest_now()
        if digest is None:
            return []
        last = self._listed
        if last is not None and digest and last[0] == digest:
            cached: list[list_cache.Entry] | None = last[1]
        else:
            cached = list_cache.load(self._list_file, self._resolved, digest) \
                if digest else None
        if cached is not None:
            entries = list(cached)  # (another thread may hold the list kept in memory)
            reads = list_cache.refreshed(entries, self._tokens_dir, self._list_entry)
        else:  # other bytes: the accounts parsed again, the token files' summaries kept
            accounts, digest = self._listed_accounts(digest)
            kept = list_cache.kept_from(last[1]) if last is not None \
                else list_cache.kept_summaries(self._list_file, self._resolved)
            entries, reads = list_cache.listed(accounts, kept, self._tokens_dir,
                                               self._token_file_name, self._list_entry)
        if digest and (reads or cached is None):
            list_cache.save(self._list_file, self._resolved, digest, entries)
        self._listed = (digest, entries) if digest else None
        return [(entry.account, entry.summary) for entry in entries]

    def _digest_now(self) -> bytes | None:
        """SHA-256 of the account file's bytes now (list_cache_file.account_digest)."""
        return list_cache_file.account_digest(str(self.path), self._resolved, self._index_file)

    def _listed_accounts(self, digest: bytes) -> tuple[list[Account], bytes]:
        """Every account, client secret left out, and the digest of the bytes they come
        from: streamed from the parse cache when it holds these very bytes (no list of
        every table is made), else from a parse of the file. Every account's types were
        checked when the file was parsed (the parse cache holds only checked parses)."""
        rows: dict[tuple[str, str], ParamRow] = {}
        texts: dict[str, str] = {}
        indexed = label_index.header_of(label_index.read(self._index_file, 4096) or b"")
        if not (self._cache and self._cache[0] == digest) and digest \
                and indexed.get("sha256") == digest.hex():  # else _read writes the index
            streamed = parse_cache.accounts(self._cache_file, digest)
            if streamed is not None:
                try:
                    return [account_file.account_from_checked(raw, rows, texts)
                            for raw in streamed], digest
                except ValueError:  # the parse cache broke off: read the file itself
                    self._cache = None
        parsed = self._read()
        if parsed is None:
            return [], b""
        digest = self._cache[0] if self._cache and self._cache[1] is parsed else b""
        return [account_file.account_from_checked(raw, rows, texts)
                for raw in parsed.accounts], digest

    def get_by_id(self, account_id: str) -> Account:
        return self._find(lambda raw: self._id_of_raw(raw) == account_id, account_id,
                          by=(1, account_id))
