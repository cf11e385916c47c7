"""The proxy's log lines: one per event, terminal-safe, never a secret.

Everything that came from a client or a server (addresses, server replies) goes
through ``terminal_safe`` first (cut to a line's worth), so a hostile peer cannot move
the cursor or clear the screen of whoever reads the log. Passwords, tokens and message contents are
never handed to these functions at all.
"""

from __future__ import annotations

from collections.abc import Callable

from tui.core.terminal_text import terminal_safe

Log = Callable[[str], None]
MAX_SHOWN = 200  # characters of a peer's text in one log line


def peer(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def size(count: int) -> str:
    for unit in ("B", "kB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return f"{count} B"


class SessionLog:
    """Lines about one client session: ``imap 127.0.0.1:50412 user@x: what happened``."""

    def __init__(self, log: Log, kind: str, client: str) -> None:
        self._log = log
        self.kind = kind
        self.client = client
        self.user = ""

    def __call__(self, text: str) -> None:
        who = f" {terminal_safe(self.user, limit=120)}" if self.user else ""
        self._log(f"{self.kind} {self.client}{who}: {text}")
