"""What the command modules share: opening the store, the OAuth service, stderr lines,
terminal-safe output."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from tui.core.terminal_text import terminal_safe

if TYPE_CHECKING:
    from tui.core.oauth.service import OAuthService
    from tui.core.store.account_store import AccountStore

    # What each command module's ``register`` is given: the parser's table of commands.
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def open_store(args: argparse.Namespace) -> AccountStore:
    """The account store named by --config (or the environment, or the default path)."""
    from tui.core.paths import config_path
    from tui.core.store.account_store import AccountStore

    return AccountStore(config_path(getattr(args, "config", None)))


def warn_if_key_exposed(store: AccountStore) -> None:
    """A warning on stderr when the key file that seals the store's secrets is readable
    by others (validate and status say so; doctor has it as a failed check)."""
    from tui.core.store.seal import key_file_warning

    warning = key_file_warning(store.path)
    if warning:
        err(warning)


def make_service() -> OAuthService:
    """The OAuth service the commands use (tests replace it)."""
    from tui.core.oauth.service import OAuthService

    return OAuthService()


def err(text: str = "") -> None:
    """A progress or instruction line: stderr, so stdout carries only results."""
    print(text, file=sys.stderr, flush=True)


def until(epoch: float | None) -> str:
    """An expiry as local time and minutes left: "14:05 (in 52 min)"."""
    if not epoch:
        return "an unknown time"
    left = max(0, int(epoch - time.time()))
    return f"{time.strftime('%H:%M', time.localtime(epoch))} (in {left // 60} min)"


class _TerminalSafeStream:
    """A text stream that writes through ``terminal_safe`` (lines and tabs kept)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text, lines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, buffer ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def terminal_safe_output() -> Iterator[None]:
    """While a command runs, what it prints to stdout and stderr reaches the terminal
    shown, never executed: labels, error texts and replies from servers go into many
    lines, and one forgotten call must not let an escape sequence through. The escapes
    are JSON's too, so --json output stays valid and means the same."""
    out, errors = sys.stdout, sys.stderr
    sys.stdout = _TerminalSafeStream(out)
    sys.stderr = _TerminalSafeStream(errors)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, errors
