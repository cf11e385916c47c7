"""Hooks from the account file a person edits, and ``fire_hooks``: running one for an account.

A global ``[hooks]`` table applies to every account; a ``hooks`` table inside an
``[[account]]`` (``[account.hooks]`` or ``hooks = { ... }``) overrides it event by
event, and an empty command there switches the global one off for that account::

    [hooks]
    needs_authorization = ["/usr/local/bin/page-admin", "--urgent"]
    refresh_failure = "logger -t exo-oauth refresh failed"

    [[account]]
    label = "shared-mailbox"
    ...
    [account.hooks]
    refresh_success = ["/usr/local/bin/touch-heartbeat"]
    refresh_failure = []        # nothing for this account

A command is an argv array or a string split like a shell would (it is never run
by one). Only tomllib is used: the store's tomlkit writer keeps these tables, and
reading them must stay cheap enough to do on every hook.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tui.core.errors import NeedsAuthorization
from tui.core.model import Account, TokenState
from tui.core.store.account_file import ACCOUNTS, derived_id
from tui.core.store.protocol import Store

from .hooks import EVENTS, HOOK_TIMEOUT_S, HookResult, parse_command, run_hook

HOOKS = "hooks"
Command = tuple[str, ...]

_cache_lock = threading.Lock()
# path -> ((mtime_ns, size, inode), parsed data or None, problem text)
_cache: dict[str, tuple[tuple[int, int, int], dict[str, Any] | None, str]] = {}


def parse_table(table: object, where: str) -> tuple[dict[str, Command], list[str]]:
    """Commands by event from one hooks table; problems say what was ignored and why.

    An empty command (``""`` or ``[]``) is kept as ``()``: "no hook here".
    """
    if not isinstance(table, Mapping):
        return {}, [f"{where} must be a table of event = command; ignored"]
    found: dict[str, Command] = {}
    problems: list[str] = []
    for event, spec in table.items():
        if event not in EVENTS:
            problems.append(f"{where}: unknown event {event!r} ignored (known: "
                            f"{', '.join(EVENTS)})")
            continue
        if isinstance(spec, str) or (isinstance(spec, list)
                                     and all(isinstance(p, str) for p in spec)):
            try:
                found[event] = parse_command(spec)
            except ValueError as exc:  # e.g. an unclosed quote in a string command
                problems.append(f"{where}.{event}: cannot split the command ({exc}); ignored")
            continue
        problems.append(f"{where}.{event} must be a command string or an array of "
                        "strings; ignored")
    return found, problems


def _read(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The parsed account file (cached while its size and mtime stay the same)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"cannot read {path}: {exc.strerror or exc}"
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    with _cache_lock:
        hit = _cache.get(str(path))
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    try:
        text = path.read_text(encoding="utf-8")
        data: dict[str, Any] | None = (tomllib.loads(text) if _may_hold_hooks(text)
                                       else {})
        problem = ""
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        data, problem = None, f"cannot read hooks from {path}: {exc}"
    with _cache_lock:
        _cache.clear()  # one file at a time is all a process uses
        _cache[str(path)] = (key, data, problem)
    return data, problem


def _may_hold_hooks(text: str) -> bool:
    """False when the file cannot define a hooks table, so it need not be parsed (a big
    account file takes ~0.1 s, and most have no hooks). A key can only be spelled
    without the word itself through a \\u or \\U escape in a quoted key."""
    return HOOKS in text or "\\u" in text or "\\U" in text


OwnTables = dict[str, tuple[str, Any]]  # account id -> (label, its own hooks table)


def own_tables(data: Mapping[str, Any]) -> OwnTables:
    """The accounts that have a hooks table of their own, by id (the first one wins)."""
    tables: OwnTables = {}
    accounts = data.get(ACCOUNTS, [])
    for raw in accounts if isinstance(accounts, list) else []:
        if isinstance(raw, Mapping) and HOOKS in raw:
            label = str(raw.get("label", ""))
            tables.setdefault(str(raw.get("id") or derived_id(label)), (label, raw[HOOKS]))
    return tables


def hooks_in(data: Mapping[str, Any], account_id: str, *, tables: OwnTables | None = None
             ) -> tuple[dict[str, Command], list[str]]:
    """The hooks for one account in parsed account-file data: global, then its own.

    ``tables``: ``own_tables(data)`` when the caller already has it (one pass over the
    accounts per file, not one per account: `refresh --all` asks for every account).
    """
    merged, problems = ({}, []) if HOOKS not in data else parse_table(data[HOOKS], "[hooks]")
    own = (own_tables(data) if tables is None else tables).get(account_id)
    if own is not None:
        found, more = parse_table(own[1], f"account {own[0]!r} hooks")
        merged.update(found)
        problems += more
    return {event: argv for event, argv in merged.items() if argv}, problems


_tables_cache: tuple[Mapping[str, Any], OwnTables] | None = None


def load_hooks(config_path: str | os.PathLike[str], account_id: str
               ) -> tuple[dict[str, Command], list[str]]:
    """The hooks that apply to an account, and any problems reading them (never raises)."""
    global _tables_cache
    data, problem = _read(Path(config_path))
    if data is None:
        return {}, [problem] if problem else []
    with _cache_lock:  # _read hands out the same parsed data until the file changes
        cached = _tables_cache
    if cached is None or cached[0] is not data:
        cached = (data, own_tables(data))
        with _cache_lock:
            _tables_cache = cached
    return hooks_in(data, account_id, tables=cached[1])


# -- firing: one call for `refresh`, `refresh --watch` and the UI ---------------------------

_hook_pool: ThreadPoolExecutor | None = None


def hook_event(outcome: TokenState | BaseException) -> tuple[str, str]:
    """(event, summary) for what happened: success, a refused sign-in, any other failure."""
    if isinstance(outcome, TokenState):
        return "refresh_success", ""
    if isinstance(outcome, NeedsAuthorization):
        return "needs_authorization", str(outcome)
    return "refresh_failure", str(outcome) or type(outcome).__name__


async def fire_hooks(store: Store, account: Account, outcome: TokenState | BaseException, *,
                     log: Callable[[str], None] | None = None,
                     timeout: float | None = None) -> HookResult | None:
    """Run the account's hook for ``outcome``: the TokenState a refresh returned (event
    refresh_success) or the exception it raised (NeedsAuthorization: needs_authorization;
    anything else: refresh_failure).

    Hooks are read from the account file on each call, so edits apply at once. The
    hook runs in a worker thread with its timeout (10 s), gets only the label, the
    event and a redacted summary, and never raises: a broken hook is reported
    through ``log`` and in the returned HookResult (None when no hook is set).
    """
    global _hook_pool
    event, summary = hook_event(outcome)
    specs, problems = load_hooks(store.path, account.id)
    for problem in problems:
        if log is not None:
            log(f"hooks: {problem}")
    argv = specs.get(event)
    if not argv:
        return None
    if _hook_pool is None:  # hooks wait on processes: keep them off the default executor
        _hook_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="exo-hook")
    job = functools.partial(run_hook, argv, label=account.label, event=event,
                            summary=summary, timeout=timeout or HOOK_TIMEOUT_S)
    result = await asyncio.get_running_loop().run_in_executor(_hook_pool, job)
    if log is not None and not result.ok:
        log(f"{account.label}: the {event} hook ({argv[0]}) {result.problem}; "
            "refreshing goes on")
    return result
