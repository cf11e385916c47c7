"""Reading the answer of an authorize request: a pasted URL, query string or bare code.

The same checks serve the paste-back method and the loopback receiver: the
``state`` must be ours, ``code`` must be there, and an ``error=`` redirect becomes
an OAuthError. Extra parameters Microsoft adds (``session_state``, ``iss``,
``client_info``) are accepted and kept.
"""

from __future__ import annotations

import re
import secrets as _secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from tui.core.errors import NeedsAuthorization, OAuthError, UsageError

from .http import oauth_error_from_fields

_BARE_CODE_RE = re.compile(r"^[A-Za-z0-9._~+/*!$-]+={0,2}$")
WHAT = "Signing in"


class StateMismatch(UsageError):
    """The answer belongs to another sign-in (or was forged)."""

    def __init__(self) -> None:
        super().__init__(
            "The sign-in answer does not belong to this sign-in (its state value differs). "
            "Use the address from the browser window this run opened, or start again."
        )


class SignInTimeout(NeedsAuthorization):
    """Nobody finished signing in before the time limit."""


@dataclass(frozen=True)
class RedirectAnswer:
    code: str = field(repr=False)
    state: str | None
    extra: dict[str, str] = field(default_factory=dict)


def _query_of(text: str) -> str | None:
    """The query (or fragment) holding the answer, or None when text is a bare code."""
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1/?code=..."
            raise UsageError("That address cannot be read (its host part is broken). Paste "
                             "the whole address from the browser's address bar.") from None
        return parts.query or parts.fragment
    if text.startswith(("?", "#")):
        return text[1:]
    if "=" in text.rstrip("=") and ("code=" in text or "error=" in text or "&" in text):
        return text.split("#", 1)[-1] if text.startswith("#") else text
    return None


def params_of(text: str) -> dict[str, str] | None:
    """Query parameters of a pasted answer; None for a bare code."""
    text = text.strip().strip("<>\"'").strip()
    query = _query_of(text)
    if query is None:
        return None
    return dict(parse_qsl(query, keep_blank_values=True))


def check_params(params: dict[str, str], expected_state: str | None) -> RedirectAnswer:
    """Code and state from redirect parameters; raise on a wrong state or an error."""
    if "code" not in params and "error" not in params:
        if "response_type" in params and "client_id" in params:
            raise UsageError("That is the sign-in address itself. Open it in a browser, sign "
                             "in, then paste the address the browser ends on.")
        raise UsageError(
            "The sign-in answer holds no code. Paste the whole address the browser "
            "ended on after you signed in (it contains code=...)."
        )
    state = params.get("state")
    if expected_state is not None and (
        state is None or not _same(state, expected_state)
    ):
        raise StateMismatch()
    if "error" in params:
        raise error_from_redirect(params)
    code = params.get("code", "").strip()
    if not code:
        raise UsageError("The sign-in answer has an empty code; sign in again.")
    extra = {k: v for k, v in params.items() if k not in ("code", "state")}
    return RedirectAnswer(code=code, state=state, extra=extra)


def _same(given: str, ours: str) -> bool:
    """A constant-time comparison that takes any text (compare_digest refuses a str with
    non-ASCII characters, which a pasted or forged answer may hold)."""
    return _secrets.compare_digest(given.encode("utf-8", "surrogatepass"),
                                   ours.encode("utf-8", "surrogatepass"))


def error_from_redirect(params: dict[str, str]) -> OAuthError:
    """An ``error=`` redirect as an OAuthError (Microsoft's error_subcode kept as suberror)."""
    return oauth_error_from_fields(params, what=WHAT, status=None)


def parse_answer(text: str, expected_state: str | None) -> RedirectAnswer:
    """Parse what a person pasted: a redirect URL, its query string, or the bare code.

    A bare code cannot carry the state, so it is accepted as it is.
    """
    cleaned = text.strip().strip("<>\"'").strip()
    if not cleaned:
        raise UsageError("Nothing was pasted; paste the address the browser ended on.")
    params = params_of(cleaned)
    if params is None:
        if "://" in cleaned or not _BARE_CODE_RE.match(cleaned):
            raise UsageError(
                "That is neither the address the browser ended on nor a code. Paste the "
                "whole address from the browser's address bar (it contains code=...)."
            )
        return RedirectAnswer(code=cleaned, state=None)
    return check_params(params, expected_state)
