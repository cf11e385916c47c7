"""What the app's jobs tell the screens (jobs.py sends these to every screen; the ones
that show accounts handle them with ``on_token_state_changed`` and
``on_status_note_changed``). Kept apart from jobs.py so a screen depends on the
message, never on the App that imports the screens."""

from __future__ import annotations

from textual.message import Message

from tui.core.model import TokenState


class TokenStateChanged(Message, bubble=False):
    """An account has a new token state (refreshed, signed in, tested, or re-read)."""

    def __init__(self, state: TokenState) -> None:
        super().__init__()
        self.state = state


class StatusNoteChanged(Message, bubble=False):
    """A status to show for an account instead of its token's until new tokens arrive
    (a failed sign-in); ``note`` None takes it away."""

    def __init__(self, account_id: str, note: str | None) -> None:
        super().__init__()
        self.account_id = account_id
        self.note = note
