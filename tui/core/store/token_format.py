"""Issued tokens: one small sealed TOML file per account, apart from the configuration.

The file's name comes from a hash of the account file's resolved path and the
account's id (never its label: a rename keeps the tokens, and a label can never
pick up another account's file). The file records the id it belongs to, and its
tokens are sealed to that id and field. Hourly refreshes rewrite only this file,
never the file a person edits. What lists show (expiry, whether there is a refresh
token, the last error) is read without opening anything (``read_summary``).

A tiny writer stands in for tomlkit, and a quick reader for tomllib (which reads
thousands of these slowly); tomllib still decides anything unusual.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.core.errors import SealError, StoreError
from tui.core.model import TokenState, TokenSummary
from tui.core.paths import resolved as resolved
from tui.core.token_summary import possible_time

from .fileio import atomic_write, loads_toml
from .seal import Sealer

SCHEMA = 1
SEALED_FIELDS = ("access_token", "refresh_token")
_FIELDS = {f.name: f for f in dataclasses.fields(TokenState)}
_SUMMARY = set(TokenSummary._fields) & set(_FIELDS)
_KEYS = frozenset({*_FIELDS, "schema"})  # bare keys known to be valid TOML
_FLOATS = ("expires_at", "obtained_at", "last_refresh_at", "last_error_at", "refresh_due_at")
_BOOLS = ("needs_authorization",)
_HEAD = ("# exo-oauth token state for one account: written by exo-oauth, do not edit.\n"
         "# Tokens are sealed; the account's settings live in the account file.\n")


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(b"%d:" % len(data) + data)
    return h.hexdigest()[:40]


def token_path(state_dir: str | os.PathLike[str], config_path: str | os.PathLike[str],
               account_id: str) -> Path:
    """Where the token state of account ``account_id`` of this account file lives."""
    return Path(state_dir) / "tokens" / token_file_name(resolved(config_path), account_id)


def token_stem(resolved_config: str, account_id: str) -> str:
    """The token file's name without ".toml", given the account file's resolved path."""
    return _digest("token file", resolved_config, account_id)


def token_file_name(resolved_config: str, account_id: str) -> str:
    return f"{token_stem(resolved_config, account_id)}.toml"


def legacy_file_name(resolved_config: str, label: str) -> str:
    """Where earlier versions kept an account's tokens: named by its label (migrated on
    first use; see TokenFiles)."""
    return f"{_digest(resolved_config, label)}.toml"


def lock_path(state_dir: str | os.PathLike[str], config_path: str | os.PathLike[str],
              account_id: str, *, is_resolved: bool = False) -> Path:
    """Per-account lock file (by id, so a rename keeps the same lock). ``is_resolved``:
    ``config_path`` already went through ``resolved`` (saves system calls per account)."""
    config = os.fspath(config_path) if is_resolved else resolved(config_path)
    return Path(state_dir) / "locks" / f"{_digest(config, account_id)}.lock"


_NOT_LITERAL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f'\ud800-\udfff]")


def toml_string(value: str) -> str:
    """A TOML string: literal ('...') when possible, since tomllib reads those far faster
    than basic strings (it scans basic strings one character at a time); otherwise a
    basic string with control characters escaped and lone surrogates replaced."""
    if not _NOT_LITERAL.search(value):
        return f"'{value}'"
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\uFFFD")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return repr(number)
    return toml_string(str(value))


def dumps_state(state: TokenState, sealer: Sealer) -> str:
    """The token file's text, with the tokens sealed to this account and field."""
    lines = [_HEAD, f"schema = {SCHEMA}\n"]
    for name in _FIELDS:
        value = getattr(state, name)
        if value is None:
            continue
        if name in SEALED_FIELDS:
            value = sealer.seal(state.account_id, name, value)
        lines.append(f"{name} = {_toml_value(value)}\n")
    return "".join(lines)


def _bad(path: str | os.PathLike[str], detail: str) -> StoreError:
    return StoreError(f"The token file {path} {detail}; delete it and sign in again.",
                      path=str(path))


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|inf|nan)")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


# One line as dumps_state writes it: a bare key, then a literal string or a bare value.
_ENTRY = re.compile(r"^([a-z_]+) = (?:'([^'\n]*)'|([^\s'#\"][^\s#]*))$", re.M)


def _quick(text: str) -> dict[str, Any] | None:
    """Read what dumps_state writes (literal strings, numbers, booleans) in one regex pass;
    None for anything else (tomllib then decides)."""
    entries = _ENTRY.findall(text)
    if len(entries) != sum(1 for line in text.split("\n") if line and line[0] != "#"):
        return None  # a line the pattern did not take whole
    out: dict[str, Any] = {}
    for key, literal, bare in entries:
        if key in out:
            return None
        if not bare:
            if not literal.isprintable() and _CONTROL.search(literal):
                return None
            out[key] = literal
        elif bare == "true" or bare == "false":
            out[key] = bare == "true"
        elif _NUMBER.fullmatch(bare) is None:
            return None
        elif bare.lstrip("+-").isdigit():
            out[key] = int(bare)
        else:
            out[key] = float(bare)
    return out


def _raw(data: bytes, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        raw = _quick(data.decode("utf-8"))
    except UnicodeDecodeError:
        raw = None
    return raw if raw is not None else loads_toml(data, str(path))


def _values(raw: dict[str, Any], path: str | os.PathLike[str]) -> dict[str, Any]:
    """The token file's known fields, checked; sealed values still sealed."""
    schema = raw.get("schema", SCHEMA)
    if isinstance(schema, bool) or not isinstance(schema, int) or schema > SCHEMA:
        raise StoreError(f"The token file {path} has schema {schema!r}; this exo-oauth "
                         f"understands schema {SCHEMA}. Upgrade exo-oauth.", path=str(path))
    values: dict[str, Any] = {}
    for name in _FIELDS:
        if name not in raw:
            continue
        value = raw[name]
        if name in _FLOATS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _bad(path, f"has a {name} that is not a number")
            value = float(value)
        elif name in _BOOLS:
            if not isinstance(value, bool):
                raise _bad(path, f"has a {name} that is not true/false")
        elif not isinstance(value, str):
            raise _bad(path, f"has a {name} that is not text")
        values[name] = value
    if "account_id" not in values or "label" not in values:
        raise _bad(path, "does not say which account it belongs to")
    _drop_impossible_times(values)
    return values


def loads_state(data: bytes, path: str | os.PathLike[str], sealer: Sealer | None, *,
                sealer_of: Callable[[], Sealer] | None = None) -> TokenState:
    """``sealer_of``, when given, is asked for the key only if a sealed token is there."""
    values = _values(_raw(data, path), path)
    for name in SEALED_FIELDS:
        if values.get(name):
            if sealer is None and sealer_of is not None:
                sealer = sealer_of()
            if sealer is None:
                raise SealError(f"The token file {path} holds sealed tokens but no key was "
                                "given to open them.")
            try:
                values[name] = sealer.open(values["account_id"], name, values[name])
            except SealError as exc:
                raise SealError(f"{path} (account {values['label']!r}): {exc}") from None
    return TokenState(**values)


def _drop_impossible_times(values: dict[str, Any]) -> None:
    """Times no clock can show (NaN, infinite, before 1970, after 9999) read as unknown:
    an access token without a known expiry needs a refresh, and every screen can still
    show the state. A state written before replies were checked may hold such a number
    (an expires_in of 1e30 was stored as it came)."""
    for name in _FLOATS:
        value = values.get(name)
        if value is not None and not possible_time(value):
            values[name] = None


def loads_summary(data: bytes, path: str | os.PathLike[str]) -> TokenSummary:
    """The token file without its tokens: nothing is opened, no key is needed."""
    values = _values(_raw(data, path), path)
    kept = {name: values[name] for name in _SUMMARY if name in values}
    return TokenSummary(**kept, has_access_token=bool(values.get("access_token")),
                        has_refresh_token=bool(values.get("refresh_token")))


def _read(path: str | os.PathLike[str]) -> bytes | None:
    found = read_stat(path)
    return None if found is None else found[0]


def read_stat(path: str | os.PathLike[str]) -> tuple[bytes, os.stat_result, int] | None:
    """The file's bytes, its stat as read and the wall clock (ns) just before the read;
    None if there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"Cannot read the token file {path}: {exc.strerror or exc}.",
                         path=str(path)) from exc
    try:
        st, seen_ns = os.fstat(fd), time.time_ns()
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError as exc:
        raise StoreError(f"Cannot read the token file {path}: {exc.strerror or exc}.",
                         path=str(path)) from exc
    finally:
        os.close(fd)
    return b"".join(chunks), st, seen_ns


def read_summary(path: str | os.PathLike[str]) -> TokenSummary | None:
    """The token file's summary (see loads_summary); None if there is no such file."""
    data = _read(path)
    return None if data is None else loads_summary(data, path)


def read_token_state(path: str | os.PathLike[str], sealer: Sealer | None, *,
                     sealer_of: Callable[[], Sealer] | None = None) -> TokenState | None:
    """The token state at ``path``, tokens opened; None if there is no such file."""
    data = _read(path)
    return None if data is None else loads_state(data, path, sealer, sealer_of=sealer_of)


def write_token_state(path: str | os.PathLike[str], state: TokenState, sealer: Sealer) -> None:
    """Write the token state atomically, 0600, tokens sealed."""
    atomic_write(path, dumps_state(state, sealer).encode("utf-8"))
