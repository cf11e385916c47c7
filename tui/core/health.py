"""How an account is doing, in words a monitoring check and a person both use.

One function judges an account from its token state and the time, so the TUI's
status column, `exo-oauth status` and `status --check` can never disagree.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from .model import DEFAULT_MARGIN_S, TokenView
from .terminal_text import terminal_safe

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
    # when the last refresh failed, if it failed after the last one that worked
    refresh_failed_at: float | None = None

    @property
    def healthy(self) -> bool:
        return not self.problem


def refresh_token_last_used(state: TokenView) -> float | None:
    """When the refresh token was last obtained or redeemed (either resets Microsoft's clock)."""
    stamps = [t for t in (state.last_refresh_at, state.obtained_at) if t]
    return max(stamps) if stamps else None


def refresh_failed_at(state: TokenView) -> float | None:
    """When a refresh last failed, if no refresh (or sign-in) worked since; else None."""
    failed = state.last_error_at
    if not state.last_error or failed is None:
        return None
    worked = [t for t in (state.last_refresh_at, state.obtained_at) if t]
    if state.needs_authorization or not worked or failed > max(worked):
        return failed
    return None


def clock_time(epoch: float, now: float, *, seconds: bool = False) -> str:
    """Local time as "12:34" (or "12:34:56"), with the date when it is not today."""
    when = time.localtime(epoch)
    if when[:3] == time.localtime(now)[:3]:
        return time.strftime("%H:%M:%S" if seconds else "%H:%M", when)
    return time.strftime("%Y-%m-%d %H:%M", when)


def failure_note(error: str, failed_at: float | None, now: float) -> str:
    """'last refresh failed (AADSTS50076) at 12:34', or "" when nothing failed."""
    if failed_at is None:
        return ""
    code = re.search(r"AADSTS\d+", error)
    what = code.group(0) if code else (terminal_safe(error.strip(), limit=60)
                                       or "no reason given")
    return f"last refresh failed ({what}) at {clock_time(failed_at, now)}"


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

    failed = refresh_failed_at(state)

    def health(kind: str, problem: str) -> Health:
        return Health(kind, expires_in=expires_in, last_refresh_at=state.last_refresh_at,
                      refresh_token_idle_days=idle, last_error=state.last_error,
                      last_error_id=state.last_error_id, problem=problem,
                      refresh_failed_at=failed)

    if state.needs_authorization:
        return health(NEEDS_AUTHORIZATION, "the refresh token was refused and a person must "
                      "sign in again: run `exo-oauth authorize LABEL`")
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
    tstate = _token_state(expires_in, margin)
    if failed is not None:  # the token may still serve for a while: say both
        return health(ERROR if tstate == EXPIRED else tstate,
                      "the last refresh failed; it is tried again when a token is next "
                      "needed, or run `exo-oauth refresh LABEL`")
    if tstate == EXPIRED and not state.has_refresh_token and not app_only:
        return health(EXPIRED, "the access token expired and there is no refresh "
                      "token; run `exo-oauth authorize LABEL`")
    return health(tstate, "")


def _token_state(expires_in: float | None, margin: float) -> str:
    if expires_in is None or expires_in <= 0:
        return EXPIRED
    return VALID if expires_in >= margin else EXPIRING


def describe(health: Health, now: float | None = None) -> str:
    """Status text: 'Valid, expires in 52 min'; after a failed refresh 'Valid for 52 min;
    last refresh failed (AADSTS50076) at 12:34', 'Needs sign-in; ...', 'Expired; ...'.
    ``now`` only decides whether the failure's time needs its date."""
    now = time.time() if now is None else now
    left = health.expires_in if health.expires_in is not None and health.expires_in > 0 \
        else None
    note = failure_note(health.last_error, health.refresh_failed_at, now)
    if health.state == NOT_AUTHORIZED:
        return "Not authorized"
    if health.state == NEEDS_AUTHORIZATION:
        parts = ["Needs sign-in"]
        if left is not None:
            parts.append(f"token valid for {human_duration(left)}")
        return "; ".join([*parts, note] if note else parts)
    if health.state == ERROR and left is None and not note:
        reason = health.last_error.split(":")[0][:40] if health.last_error else "failed"
        return f"Error: {reason}"
    if left is None:
        first = "Not authorized" if health.expires_in is None and health.state == ERROR \
            else "Expired"
        return f"{first}; {note}" if note else first
    if note:
        return f"Valid for {human_duration(left)}; {note}"
    return f"Valid, expires in {human_duration(left)}"
