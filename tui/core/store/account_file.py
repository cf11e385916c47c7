"""The account file as text: strict reads with tomllib, careful edits with tomlkit.

Reading parses the whole file with tomllib (fast). Editing keeps everything a
person wrote: the file is cut into its header part and one chunk per
``[[account]]`` table (comment lines directly above an account's header go
with that account), and only the chunk being changed is re-parsed with tomlkit,
edited key by key, and spliced back. Saving one account in a file of 1,000 then
costs one tomllib parse, not one tomlkit parse of the whole file (~7x slower).
Every chunk is checked to parse to exactly the account it stands for before it
is touched; files the cut cannot handle for certain (multi-line strings, odd
layouts) are edited as one whole tomlkit document instead.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.core.errors import StoreError
from tui.core.model import Account, ParamRow

from .fileio import loads_toml

HEADER = "exo-oauth"
ACCOUNTS = "account"
SCHEMA = 1
ACCOUNT_KEYS = ("id", "label", "client_id", "client_type", "client_auth", "client_secret",
                "authorize_url", "token_url", "redirect_uri", "auto_refresh", "flow",
                "sign_in_method", "auth_params", "token_params", "proxy_users",
                "proxy_password_hash")
NEW_FILE_COMMENT = (
    "# exo-oauth accounts. You may edit this file by hand: comments, order and unknown\n"
    "# keys are kept when exo-oauth saves it. Secrets are sealed (enc:v1:...); change\n"
    "# them with `exo-oauth edit LABEL --client-secret-stdin` or in the UI.\n"
)
_TEXT = ("id", "label", "client_id", "client_secret", "client_type", "client_auth",
         "authorize_url", "token_url", "redirect_uri", "flow", "sign_in_method",
         "proxy_password_hash")
_ROWS = ("auth_params", "token_params")
# values no two accounts share: not worth looking up
_UNIQUE = ("id", "label", "proxy_password_hash")
# written only when set: most accounts never use the mail proxy
_OMIT_EMPTY = ("sign_in_method", "proxy_users", "proxy_password_hash")
# tomllib scans basic strings ("...") character by character but literal strings
# ('...') with str.find, so every value that can be literal is written literal.
_NOT_LITERAL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f'\ud800-\udfff]")
_TABLE_LINE = re.compile(r"^[ \t]*(\[\[?)([^\[\]\n#]*)(\]\]?)[ \t]*(?:#[^\n]*)?\r?$", re.M)
_COMMENT_LINE = re.compile(r"[ \t]*#[^\n]*\n?")


@dataclass
class AccountFile:
    """One parse of the account file; ``edit()`` gives an editor that leaves this unchanged."""

    path: str
    text: str
    data: dict[str, Any]
    header: dict[str, Any]
    accounts: list[dict[str, Any]]
    _segments: list[tuple[str, str]] | None = field(default=None, repr=False)
    _segmented: bool = field(default=False, repr=False)

    def segments(self) -> list[tuple[str, str]] | None:
        if not self._segmented:
            self._segments = _segment(self.text, self.header, len(self.accounts))
            self._segmented = True
        return self._segments

    def chunk_offsets(self) -> list[tuple[int, int]] | None:
        """Byte range of each account's chunk in the file (see _segment), or None."""
        pieces = self.segments()
        if pieces is None:
            return None
        out, pos = [], 0
        for kind, text in pieces:
            size = len(text) if text.isascii() else len(text.encode("utf-8"))
            if kind == "account":
                out.append((pos, pos + size))
            pos += size
        return out

    def edit(self) -> Editor:
        return Editor(self)


def parse(data: bytes, path: str) -> AccountFile:
    """Parse and check the account file; ParseError/StoreError (exit 6) if unusable."""
    parsed = loads_toml(data, path)
    header = parsed.get(HEADER, {})
    if not isinstance(header, dict):
        raise StoreError(f"{path}: {HEADER} must be a table ([{HEADER}]).", path=path)
    schema = header.get("schema", SCHEMA)
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise StoreError(f"{path}: [{HEADER}] schema must be a whole number.", path=path)
    if schema > SCHEMA:
        raise StoreError(f"{path} uses account file schema {schema}, written by a newer "
                         f"exo-oauth; this version understands schema {SCHEMA}. Upgrade "
                         "exo-oauth; the file was not changed.", path=path)
    if schema < 1:
        raise StoreError(f"{path}: [{HEADER}] schema {schema} is not valid.", path=path)
    accounts = parsed.get(ACCOUNTS, [])
    if not isinstance(accounts, list) or not all(isinstance(a, dict) for a in accounts):
        raise StoreError(f"{path}: accounts must be [[{ACCOUNTS}]] tables.", path=path)
    return AccountFile(path, data.decode("utf-8"), parsed, header, accounts)


def _key_path(name: str) -> list[str]:
    return [part.strip().strip('"').strip("'") for part in name.split(".")]


def _segment(text: str, header: dict[str, Any], count: int) -> list[tuple[str, str]] | None:
    """Cut the text into ("pre", ...), ("account", ...), ("other", ...) pieces, or None."""
    import tomllib  # (not at the top: a cached list never parses TOML)
    if '"""' in text or "'''" in text:
        return None  # a header-like line could hide inside a multi-line string
    starts: list[tuple[int, str]] = []
    for m in _TABLE_LINE.finditer(text):
        opening, name, closing = m.groups()
        if len(opening) != len(closing):
            continue
        keys = _key_path(name)
        if keys == [ACCOUNTS] and opening == "[[":
            kind = "account"
        elif keys[0] == ACCOUNTS:
            continue  # a sub-table of the account above: part of its chunk
        else:
            kind = "other"
        pos = m.start()
        # Comment lines right above an account belong to it, except at the very top of
        # the file (before any table), where they speak about the whole file.
        top = not starts and all(
            not line.strip() or line.lstrip().startswith("#")
            for line in text[:pos].splitlines())
        if kind == "account" and not top:
            floor = starts[-1][0] if starts else 0
            while pos > floor:
                line_start = text.rfind("\n", 0, pos - 1) + 1
                if line_start < floor or not _COMMENT_LINE.fullmatch(text, line_start, pos):
                    break
                pos = line_start
        starts.append((pos, kind))
    first = next((i for i, (_, kind) in enumerate(starts) if kind == "account"), None)
    if first is None:
        return [("pre", text)] if count == 0 else None
    starts = starts[first:]
    pieces = [("pre", text[: starts[0][0]])]
    for (pos, kind), nxt in zip(starts, [*starts[1:], (len(text), "")], strict=True):
        pieces.append((kind, text[pos: nxt[0]]))
    if sum(1 for kind, _ in pieces if kind == "account") != count:
        return None
    try:
        pre = tomllib.loads(pieces[0][1])
    except tomllib.TOMLDecodeError:
        return None
    if pre.get(HEADER, {}) != header:
        return None
    return pieces


def derived_id(label: str) -> str:
    """A stable id for a hand-written account that has none (written on the next save)."""
    import uuid  # (see model._new_id)

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"exo-oauth:account:{label}"))


def to_values(account: Account, client_secret: str) -> dict[str, Any]:
    """The account's keys for the file, in the usual order (the secret already sealed)."""
    values: dict[str, Any] = {}
    for key in ACCOUNT_KEYS:
        if key == "client_secret":
            values[key] = client_secret
        elif key in _ROWS:
            values[key] = [{"name": r.name, "value": r.value} for r in getattr(account, key)]
        elif key == "proxy_users":
            values[key] = list(account.proxy_users)
        else:
            values[key] = getattr(account, key)
    return values


def account_from_raw(raw: dict[str, Any], number: int, path: str,
                     opener: Callable[[str, str, str], str]) -> Account:
    """An Account from one [[account]] table; ``opener(id, label, sealed)`` opens the secret."""
    label = raw.get("label", "")
    where = f"{path}: account {number}" + (f" ({label!r})" if isinstance(label, str)
                                                 and label else "")
    values: dict[str, Any] = {}
    for key in _TEXT:
        if key in raw:
            if not isinstance(raw[key], str):
                raise StoreError(f"{where}: {key} must be text.", path=path)
            values[key] = raw[key]
    if "auto_refresh" in raw:
        if not isinstance(raw["auto_refresh"], bool):
            raise StoreError(f"{where}: auto_refresh must be true or false.",
                             path=path)
        values["auto_refresh"] = raw["auto_refresh"]
    for key in _ROWS:
        if key not in raw:
            continue
        rows = raw[key]
        if not isinstance(rows, list) or not all(
            isinstance(r, dict) and isinstance(r.get("name", ""), str)
            and isinstance(r.get("value", ""), str) for r in rows
        ):
            raise StoreError(f"{where}: {key} must be a list of {{name = \"...\", "
                             "value = \"...\"}} rows.", path=path)
        values[key] = tuple(ParamRow(r.get("name", ""), r.get("value", "")) for r in rows)
    if "proxy_users" in raw:
        users = raw["proxy_users"]
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            raise StoreError(f"{where}: proxy_users must be a list of addresses "
                             "(\"name@example.com\" or \"*@example.com\").", path=path)
        values["proxy_users"] = tuple(users)
    values["id"] = values.get("id") or derived_id(values.get("label", ""))
    if values.get("client_secret"):
        values["client_secret"] = opener(values["id"], values.get("label", ""),
                                         values["client_secret"])
    return Account(**values)


def account_from_checked(raw: dict[str, Any], rows: dict[tuple[str, str], ParamRow],
                         texts: dict[str, str]) -> Account:
    """An Account from a table that already passed account_from_raw's checks (a parse of
    the whole file checks every account), client secret left out. ``rows`` and ``texts``
    share equal parameter rows and values between accounts: a list of thousands repeats
    the same few URLs, types and scopes."""
    values: dict[str, Any] = {
        key: raw[key] if key in _UNIQUE else texts.setdefault(raw[key], raw[key])
        for key in _TEXT if key in raw and key != "client_secret"}
    if "auto_refresh" in raw:
        values["auto_refresh"] = raw["auto_refresh"]
    for key in _ROWS:
        if key in raw:
            values[key] = tuple(rows.setdefault((r.get("name", ""), r.get("value", "")),
                                                ParamRow(r.get("name", ""), r.get("value", "")))
                                for r in raw[key])
    if "proxy_users" in raw:
        values["proxy_users"] = tuple(raw["proxy_users"])
    values["id"] = values.get("id") or derived_id(values.get("label", ""))
    return Account(**values)


def _item(value: Any) -> Any:
    """A tomlkit item; text goes out as a literal string ('...') when it can."""
    import tomlkit

    if isinstance(value, list) and not all(isinstance(v, dict) for v in value):
        plain = tomlkit.array()
        for item in value:
            plain.append(_item(item))
        return plain
    if isinstance(value, list):
        arr = tomlkit.array()
        for row in value:
            inline = tomlkit.inline_table()
            for k, v in row.items():
                inline.append(k, _item(v))
            arr.append(inline)
        arr.multiline(bool(value))
        return arr
    if isinstance(value, str) and not _NOT_LITERAL.search(value):
        return tomlkit.string(value, literal=True)
    return tomlkit.item(value)


def _apply(table: Any, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        table[key] = _item(value)


def _insert_first(doc: Any, table: Any) -> None:
    """Put the header table before every other table: the token fast path reads only the
    file's prefix (up to the first [[account]]) to find the sealing salt."""
    import tomlkit.items

    kinds = (tomlkit.items.Table, tomlkit.items.AoT)
    first = next((i for i, (_, item) in enumerate(doc.body) if isinstance(item, kinds)), None)
    if first is None:
        doc[HEADER] = table
    else:
        doc._insert_at(first, HEADER, table)  # tomlkit has no public "insert before"


def render_account(values: dict[str, Any]) -> str:
    """A new ``[[account]]`` chunk, keys in the usual order."""
    import tomlkit

    doc = tomlkit.document()
    aot = tomlkit.aot()
    table = tomlkit.table()
    _apply(table, values)
    aot.append(table)
    doc[ACCOUNTS] = aot
    return doc.as_string()


def update_chunk(path: str, text: str, raw: dict[str, Any], changes: dict[str, Any]) -> str:
    """The text of one ``[[account]]`` chunk with ``changes`` applied (tomlkit keeps the rest
    as it was), checked to parse to exactly the account meant."""
    import tomllib

    import tomlkit

    doc = tomlkit.parse(text)
    _apply(doc[ACCOUNTS][0], changes)
    new = doc.as_string()
    try:
        ok = tomllib.loads(new) == {ACCOUNTS: [{**raw, **changes}]}
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise StoreError(f"Internal check failed while editing {path}; the file was not "
                         "changed.", path=path)
    return new


class Editor:
    """Changes to one AccountFile, rendered as new text by ``render()``."""

    def __init__(self, source: AccountFile) -> None:
        self.source = source
        self.header = dict(source.header)
        self.accounts = list(source.accounts)  # dicts are replaced, never changed in place
        pieces = source.segments()
        # [kind, text, changed?]; None once we fall back to the whole document
        self._pieces: list[list[Any]] | None = (
            [[kind, text, False] for kind, text in pieces] if pieces else None)
        self._doc: Any = None
        if self._pieces is None:
            self._to_document()

    # -- whole-document fallback -------------------------------------------------
    def _to_document(self) -> None:
        import tomlkit

        text = "".join(p[1] for p in self._pieces) if self._pieces else self.source.text
        self._doc = tomlkit.parse(text)
        self._pieces = None

    def _account_piece(self, index: int) -> int | None:
        """Index into the pieces of account ``index``, verified; None -> use the document."""
        import tomllib
        if self._pieces is None:
            return None
        positions = [i for i, p in enumerate(self._pieces) if p[0] == "account"]
        where = positions[index]
        try:
            ok = tomllib.loads(self._pieces[where][1]) == {ACCOUNTS: [self.accounts[index]]}
        except tomllib.TOMLDecodeError:
            ok = False
        if not ok:
            self._to_document()
            return None
        return where

    # -- edits --------------------------------------------------------------------
    def set_header(self, updates: dict[str, Any]) -> None:
        import tomlkit

        if not updates:
            return
        if self._pieces is not None:
            pre = self._pieces[0][1]
            doc = tomlkit.parse(NEW_FILE_COMMENT if not self.source.text.strip() else pre)
        else:
            doc = self._doc
        table = doc.get(HEADER)
        if table is None:
            table = tomlkit.table()
            _apply(table, updates)
            table.add(tomlkit.nl())
            _insert_first(doc, table)
        else:
            _apply(table, updates)
        self.header.update(updates)
        if self._pieces is not None:
            text = doc.as_string()
            if len(self._pieces) > 1 and not text.endswith("\n\n"):
                text = text.rstrip("\n") + "\n\n"
            self._pieces[0][1:] = [text, True]

    def add_account(self, values: dict[str, Any]) -> None:
        values = {k: v for k, v in values.items() if v or k not in _OMIT_EMPTY}
        chunk = render_account(values)
        self.accounts.append(copy.deepcopy(values))
        if self._pieces is not None:
            last = self._pieces[-1]
            if last[1] and not last[1].endswith("\n"):
                last[1] += "\n"
            if last[1].strip() and not last[1].endswith("\n\n"):
                last[1] += "\n"
            self._pieces.append(["account", chunk, True])
        else:
            import tomlkit

            table = tomlkit.parse(chunk)[ACCOUNTS][0]
            if ACCOUNTS in self._doc:
                self._doc[ACCOUNTS].append(table)
            else:
                aot = tomlkit.aot()
                aot.append(table)
                self._doc[ACCOUNTS] = aot

    def update_account(self, index: int, changes: dict[str, Any]) -> None:
        import tomlkit

        if not changes:
            return
        where = self._account_piece(index)
        self.accounts[index] = {**self.accounts[index], **copy.deepcopy(changes)}
        if where is None or self._pieces is None:
            _apply(self._doc[ACCOUNTS][index], changes)
            return
        doc = tomlkit.parse(self._pieces[where][1])
        _apply(doc[ACCOUNTS][0], changes)
        self._pieces[where][1:] = [doc.as_string(), True]

    def delete_account(self, index: int) -> None:
        where = self._account_piece(index)
        del self.accounts[index]
        if where is None or self._pieces is None:
            del self._doc[ACCOUNTS][index]
            if not self.accounts:
                del self._doc[ACCOUNTS]
            return
        del self._pieces[where]

    # -- result -------------------------------------------------------------------
    def result(self, text: str) -> AccountFile:
        """The AccountFile for ``text`` (from render()) without parsing it again."""
        data = {**self.source.data, HEADER: self.header, ACCOUNTS: self.accounts}
        return AccountFile(self.source.path, text, data, self.header, self.accounts)

    def render(self) -> str:
        """The new text, checked to parse back to exactly the intended content."""
        import tomllib
        if self._pieces is not None:
            text = "".join(p[1] for p in self._pieces)
            # Only changed chunks need checking: the others are unchanged, verified text.
            chunks = [p for p in self._pieces if p[0] == "account"]
            got = [tomllib.loads(p[1]).get(ACCOUNTS) for p in chunks if p[2]]
            want = [[a] for a, p in zip(self.accounts, chunks, strict=True) if p[2]]
            if got != want or tomllib.loads(self._pieces[0][1]).get(HEADER, {}) != self.header:
                raise StoreError(f"Internal check failed while editing {self.source.path}; "
                                 "the file was not changed.", path=self.source.path)
            return text
        whole: str = self._doc.as_string()
        data = tomllib.loads(whole)
        if data.get(ACCOUNTS, []) != self.accounts or data.get(HEADER, {}) != self.header:
            raise StoreError(f"Internal check failed while editing {self.source.path}; "
                             "the file was not changed.", path=self.source.path)
        return whole
