"""What lists show about an account's tokens, and the expiry judgements every view shares.

A module apart from the model, which costs a dataclasses import: `exo-oauth list`
answers from its cache without the model (see tui.commands.list_fast), and a list
of 5,000 makes 5,000 summaries, which as a tuple cost a fifth of a frozen dataclass.
TokenState (the model) and TokenSummary both answer TokenView with these functions,
so a list, `status` and the UI judge a token alike.
"""

from __future__ import annotations

import time
from typing import NamedTuple, Protocol

from .validity import DEFAULT_MARGIN_S

# The last second every time function can show (9999-12-31 23:59:59 UTC).
LAST_EPOCH = 253402300799.0
# After a refresh the identity provider advised (refresh_in) failed, wait this long before
# the next try; the token stays in use meanwhile.
REFRESH_DUE_RETRY_S = 300


class TokenView(Protocol):
    """What TokenState and TokenSummary both answer: enough to judge a token's health."""

    @property
    def has_access_token(self) -> bool: ...
    @property
    def has_refresh_token(self) -> bool: ...
    @property
    def expires_at(self) -> float | None: ...
    @property
    def obtained_at(self) -> float | None: ...
    @property
    def needs_authorization(self) -> bool: ...
    @property
    def last_refresh_at(self) -> float | None: ...
    @property
    def last_error(self) -> str: ...
    @property
    def last_error_id(self) -> str: ...
    @property
    def last_error_at(self) -> float | None: ...
    @property
    def status(self) -> str: ...
    @property
    def refresh_due_at(self) -> float | None: ...

    def valid_for(self, now: float | None = None) -> float: ...
    def is_valid(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool: ...
    def is_fresh(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool: ...


class TokenSummary(NamedTuple):
    """What lists, status and monitoring show about an account's tokens: no token itself,
    only whether one exists. Read from a token file without opening any sealed value."""

    account_id: str
    label: str
    has_access_token: bool = False
    has_refresh_token: bool = False
    expires_at: float | None = None
    obtained_at: float | None = None
    scope: str = ""
    token_type: str = "Bearer"
    needs_authorization: bool = False
    last_refresh_at: float | None = None
    last_error: str = ""
    last_error_id: str = ""
    last_error_at: float | None = None
    refresh_due_at: float | None = None

    def valid_for(self, now: float | None = None) -> float:
        return valid_for(self, now)

    def is_valid(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool:
        return is_valid(self, margin, now)

    def is_fresh(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool:
        return is_valid(self, margin, now) and not refresh_due(self, now)

    @property
    def status(self) -> str:
        return status_of(self)


def valid_for(state: TokenView, now: float | None) -> float:
    """Seconds the access token stays valid (negative once expired; 0 if none)."""
    if not state.has_access_token or state.expires_at is None:
        return 0.0
    return state.expires_at - (time.time() if now is None else now)


def is_valid(state: TokenView, margin: float, now: float | None) -> bool:
    """An access token known to stay valid ``margin`` more seconds (an unknown expiry is
    not known to be valid: such a token is refreshed before it is handed out)."""
    return (state.has_access_token and state.expires_at is not None
            and valid_for(state, now) >= margin)


def refresh_due(state: TokenView, now: float | None) -> bool:
    """The advised refresh time has come (and no try failed in the last few minutes);
    never while a person must sign in first."""
    if state.refresh_due_at is None or state.needs_authorization:
        return False
    now = time.time() if now is None else now
    if now < state.refresh_due_at:
        return False
    failed = state.last_error_at
    return failed is None or failed < state.refresh_due_at or \
        now - failed >= REFRESH_DUE_RETRY_S


def status_of(state: TokenView) -> str:
    """One of: none, needs_authorization, error, token (judge expiry with is_valid)."""
    if state.needs_authorization:
        return "needs_authorization"
    if not state.has_access_token and not state.has_refresh_token:
        return "error" if state.last_error else "none"
    return "token"


def possible_time(value: float) -> bool:
    """Whether a clock can show this time: not NaN, not before 1970, not after 9999. A
    state or cache holding another is damaged or was written before replies were checked;
    its time reads as unknown (or the cache is not used)."""
    return 0.0 <= value <= LAST_EPOCH
