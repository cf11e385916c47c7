"""When a tenant will not let a person sign in with a device code, and what to offer instead.

Since February 2025 many tenants block the device code flow with Conditional Access
(Microsoft-managed policies or an "authentication flows" policy). Microsoft then
answers the polling client with AADSTS53003, or the sign-in page refuses the code and
the client only sees the code run out. Either way the same person can still sign in
with a browser: paste-back or loopback.
"""

from __future__ import annotations

import shlex

from tui.core.errors import OAuthError

BLOCKED = "blocked"  # Conditional Access refused the device-code sign-in (AADSTS53003)
RAN_OUT = "ran_out"  # the code expired unapproved: a refused sign-in looks like this too
BLOCKED_CODE = 53003
OTHER_METHODS = ("paste", "loopback")


def device_refusal(exc: BaseException) -> str:
    """BLOCKED or RAN_OUT when ``exc`` ended a device-code sign-in that way, else ""."""
    if not isinstance(exc, OAuthError):
        return ""
    if BLOCKED_CODE in exc.codes:
        return BLOCKED
    if exc.error == "expired_token":
        return RAN_OUT
    return ""


def explain(refusal: str) -> str:
    """One sentence on what happened, for the CLI and the sign-in modal."""
    if refusal == BLOCKED:
        return ("Your organisation's Conditional Access does not allow signing in with a "
                "device code here (AADSTS53003).")
    return ("The device code ran out before the sign-in finished; if the sign-in page "
            "refused the code, your organisation blocks device code sign-in.")


def other_commands(label: str) -> list[str]:
    """The exact commands that sign in another way."""
    quoted = shlex.quote(label)
    return [f"exo-oauth authorize {quoted} --method {method}" for method in OTHER_METHODS]
