"""What screens and widgets ask of the running app, as a Protocol.

``ExoApp`` provides it. The screens read it through ``host_of(node)`` instead of
importing the App class, which imports the screens: the App sits above them, and
the type checker still sees every call they make (make_app checks that ExoApp fits).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.dom import DOMNode

    from tui.core.model import Account
    from tui.core.oauth.service import OAuthService
    from tui.core.store.account_store import AccountStore

T = TypeVar("T")


class AppHost(Protocol):
    @property
    def config_path(self) -> Path: ...

    @property
    def live_interval(self) -> float | None:
        """Seconds between status updates on the screens (None: never, for tests)."""

    @property
    def banner(self) -> str: ...

    @property
    def store(self) -> AccountStore: ...

    def now(self) -> float:
        """The app's clock (epoch seconds): what screens show times against."""

    def oauth(self) -> OAuthService:
        """The app's one OAuth service (call it on the event loop)."""

    def start_authorize(self, account: Account) -> None: ...

    def start_write(self, action: str, account: Account, write: Callable[[], T],
                    done: Callable[[T], None], failed: Callable[[BaseException], None], *,
                    busy: str) -> None:
        """Run a blocking store write off the event loop, after the account's refresh."""

    def start_refresh(self, account: Account) -> None: ...

    def test_connection(self, account: Account) -> None: ...

    def last_failure(self, account_id: str) -> BaseException | None: ...

    def open_troubleshooting(self, source: object | None = None, *,
                             label: str | None = None) -> None: ...


def host_of(node: DOMNode) -> AppHost:
    """The running exo-oauth app of a mounted screen or widget.

    Only ``make_app`` builds the app, so the app a node runs in is always one.
    """
    return cast(AppHost, node.app)
