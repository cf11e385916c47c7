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
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core import paths
from tui.core.errors import (
    AmbiguousLabel,
    ConflictError,
    NoSuchAccount,
    SealError,
    StoreError,
    UsageError,
)
from tui.core.model import SIGN_IN_METHODS, Account, ParamRow, TokenState, TokenSummary

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
from .account_file import ACCOUNT_KEYS, AccountFile, derived_id, to_values
from .tokens import TokenFiles

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


class AccountStore(TokenFiles):
    """One account file plus the token files of its accounts."""

    def __init__(self, config_path: str | os.PathLike[str],
                 state_dir: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(config_path)
        self.state_dir = Path(state_dir) if state_dir is not None else paths.state_dir()
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")
        resolved = token_format.resolved(self.path)
        self._resolved = resolved
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

    # -- writing ------------------------------------------------------------------
    def _file_lock(self) -> fileio.FileLock:
        fileio.ensure_dir(self.path.parent)
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
        with contextlib.suppress(OSError):  # temp files of killed writers
            for entry in os.scandir(self.path.parent):
                if fileio.is_temp_of(Path(entry.path), self.path):
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
