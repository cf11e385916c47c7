"""What the command modules share: opening the store, the OAuth service, stderr lines."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import argparse

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
