"""Numbers of seconds in an identity provider's answer (``expires_in``, ``refresh_in``,
a device code's ``expires_in`` and ``interval``), checked before anything uses them.

A number that cannot be a lifetime (negative, zero, NaN, infinite, not a number, or
longer than any token Microsoft issues) is a malformed answer: an OAuthError of the
``bad_response`` kind (exit 5, the catalog's ``provider.bad_number`` entry), never a
value stored. An ``expires_in`` of 1e30 was once stored as it came, and every screen
that showed the expiry then failed. Numbers written as text ("3599"), which some
endpoints send, are numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tui.core.errors import BAD_RESPONSE, OAuthError
from tui.core.model import MAX_TOKEN_LIFETIME_S
from tui.core.terminal_text import terminal_safe

# A device code lives 15 minutes at Microsoft; an hour leaves room for other providers.
MAX_DEVICE_CODE_S = 3600.0
# Polling slower than this would outlive the code.
MAX_POLL_INTERVAL_S = 300.0


def checked_seconds(data: Mapping[str, Any], name: str, *, what: str, status: int = 200,
                    ceiling: float = MAX_TOKEN_LIFETIME_S) -> int | None:
    """``data[name]`` as whole seconds, or None when the answer leaves it out.

    Raises an OAuthError (``bad_response``) for anything that is not a number of seconds
    from 1 to ``ceiling``.
    """
    value = data.get(name)
    if value is None:
        return None
    number = _number(value)
    if number is None or not 1 <= number <= ceiling:
        raise bad_number(name, value, what=what, status=status, ceiling=ceiling)
    return int(number)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):  # not a number; an int beyond any float
        return None
    return number if math.isfinite(number) else None


def bad_number(name: str, value: object, *, what: str, status: int = 200,
               ceiling: float = MAX_TOKEN_LIFETIME_S) -> OAuthError:
    try:
        shown = repr(value) if isinstance(value, str) else str(value)
    except ValueError:  # an integer too long to print
        shown = "a number of more than 4,000 digits"
    return OAuthError(
        f"{what} failed: the answer's {name} is {terminal_safe(shown, limit=40)}, which is "
        f"not a number of seconds from 1 to {ceiling:g}; nothing was stored.",
        kind=BAD_RESPONSE, status=status, content_type="application/json")
