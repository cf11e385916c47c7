"""How an account is doing, in words a monitoring check and a person both use.

One function judges an account from its token state and the time, so the TUI's
status column, `exo-oauth status` and `status --check` can never disagree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .model import DEFAULT_MARGIN_S, TokenView

DAY = 86400.0
# Microsoft drops a refresh token unused for 90 days.
REFRESH_TOKEN_IDLE_LIMIT_DAYS = 90
# `status --check` fails when a person is needed within this many days.
ATTENTION_WINDOW_DAYS = 7

# states
NOT_AUTHORIZED = "not_authorized"
VALID = "valid"
EXPIRING = "expiring"  # within the refresh margin; will be refreshed
EXPIRED = "expired"
NEEDS_AUTHORIZATION = "needs_authorization"
ERROR = "error"


@dataclass(frozen=True)
class Health:
    state: str
    expires_in: float | None  # seconds, negative once expired
    last_refresh_at: float | None
    refresh_token_idle_days: float | None  # since the refresh token was last obtained/used
    last_error: str
    last_error_id: str
    problem: str  # "" when healthy; otherwise one line saying what a person must do

    @property
    def healthy(self) -> bool:
        return not self.problem


def refresh_token_last_used(state: TokenView) -> float | None:
    """When the refresh token was last obtained or redeemed (either resets Microsoft's clock)."""
    stamps = [t for t in (state.last_refresh_at, state.obtained_at) if t]
    return max(stamps) if stamps else None


def human_duration(seconds: float) -> str:
    s = abs(seconds)
    if s < 90:
        return f"{int(s)} s"
    if s < 90 * 60:
        return f"{round(s / 60)} min"
    if s < 36 * 3600:
        return f"{round(s / 3600)} h"
    return f"{round(s / DAY)} days"


def assess(
    state: TokenView, *, now: float | None = None, auto_refresh: bool = False,
    margin: float = DEFAULT_MARGIN_S, window_days: float = ATTENTION_WINDOW_DAYS,
    app_only: bool = False,
) -> Health:
    """``app_only``: client credentials; an expired token with no refresh token is normal
    there (the next request gets a new one from the client secret)."""
    now = time.time() if now is None else now
    expires_in = state.expires_at - now if state.expires_at is not None else None
    used = refresh_token_last_used(state)
    idle = (now - used) / DAY if used and state.has_refresh_token else None

    def health(kind: str, problem: str) -> Health:
        return Health(kind, expires_in=expires_in, last_refresh_at=state.last_refresh_at,
                      refresh_token_idle_days=idle, last_error=state.last_error,
                      last_error_id=state.last_error_id, problem=problem)

    if state.needs_authorization:
        return health(NEEDS_AUTHORIZATION, "the refresh token was refused; run "
                      "`exo-oauth authorize LABEL` to sign in again")
    if not state.has_access_token and not state.has_refresh_token:
        problem = "never authorized; run `exo-oauth authorize LABEL`"
        return health(ERROR if state.last_error else NOT_AUTHORIZED, problem)
    if idle is not None:
        left = REFRESH_TOKEN_IDLE_LIMIT_DAYS - idle
        if left <= window_days:
            problem = (f"the refresh token has been idle {idle:.0f} days; Microsoft drops it "
                       f"at {REFRESH_TOKEN_IDLE_LIMIT_DAYS} (run `exo-oauth refresh LABEL`)")
            if left <= 0:
                problem = (f"the refresh token has been idle {idle:.0f} days and has most "
                           "likely been dropped; run `exo-oauth authorize LABEL`")
            return health(_token_state(expires_in, margin), problem)
    if state.last_error and state.last_error_at and (
        not state.last_refresh_at or state.last_error_at > state.last_refresh_at
    ):
        return health(ERROR, f"last refresh failed: {state.last_error}")
    tstate = _token_state(expires_in, margin)
    if tstate == EXPIRED and not state.has_refresh_token and not app_only:
        return health(EXPIRED, "the access token expired and there is no refresh "
                      "token; run `exo-oauth authorize LABEL`")
    return health(tstate, "")


def _token_state(expires_in: float | None, margin: float) -> str:
    if expires_in is None or expires_in <= 0:
        return EXPIRED
    return VALID if expires_in >= margin else EXPIRING


def describe(health: Health) -> str:
    """Short status text for a table cell: 'Valid, expires in 52 min', 'Needs authorization'."""
    if health.state == NOT_AUTHORIZED:
        return "Not authorized"
    if health.state == NEEDS_AUTHORIZATION:
        return "Needs authorization"
    if health.state == ERROR:
        reason = health.last_error.split(":")[0][:40] if health.last_error else "failed"
        return f"Error: {reason}"
    if health.state == EXPIRED:
        return "Expired"
    assert health.expires_in is not None
    return f"Valid, expires in {human_duration(health.expires_in)}"
