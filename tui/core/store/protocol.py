"""What refreshing needs of an account store, as a type the checker can follow.

``AccountStore`` is the one implementation the program uses; the refresh core, watch
and the hook runner are written against this smaller shape so a test can hand them a
conforming stand-in (an in-memory store that counts its locks) without the core ever
asking which kind it got.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from tui.core.model import Account, TokenState


class Store(Protocol):
    @property
    def path(self) -> Path:
        """The account file (hooks are read from it)."""
        ...

    def load_all(self) -> list[tuple[Account, TokenState]]:
        """Every account with its token state, in file order (blocks: file reads)."""
        ...

    def token_state(self, account: Account) -> TokenState:
        """The account's issued tokens (an empty state if none)."""
        ...

    def token_stamp(self, account: Account) -> int | None:
        """A value that changes whenever the account's token state is saved."""
        ...

    def token_lock(self, account: Account) -> AbstractAsyncContextManager[object]:
        """The per-account lock that other processes see too, for ``async with``."""
        ...

    def save_token_state(self, state: TokenState) -> None:
        """Replace the account's token state (called under ``token_lock``)."""
        ...
