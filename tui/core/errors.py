"""One exception family, so every layer can fail the same way.

Each error carries the process exit code the command line contract promises
(see DESIGN.md), so the CLI maps failures to codes in one place, and a message
that is already safe to show: no secret, token or code ever goes into one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    NO_ACCOUNT = 3
    NEEDS_AUTHORIZATION = 4
    PROVIDER = 5
    FILES = 6


class ExoError(Exception):
    """Base of every failure we expect and can explain."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ExoError):
    """Bad command-line input or an account that fails validation."""

    exit_code = ExitCode.USAGE


class NoSuchAccount(ExoError):
    exit_code = ExitCode.NO_ACCOUNT

    def __init__(self, label: str) -> None:
        super().__init__(
            f"No account is labelled {label!r}; run `exo-oauth list` to see the labels."
        )
        self.label = label


class AmbiguousLabel(UsageError):
    """More than one account has this label (the file was edited by hand)."""

    def __init__(self, label: str, ids: list[str], path: str) -> None:
        super().__init__(
            f"{len(ids)} accounts in {path} are labelled {label!r} (ids {', '.join(ids)}); "
            "nothing was done. Give each its own label: edit the file by hand, or rename one "
            "in the UI (exo-oauth with no command), where both are listed."
        )
        self.label = label
        self.ids = ids


class NeedsAuthorization(ExoError):
    """No usable token and no refresh token that still works.

    ``oauth_error``: the identity provider's refusal behind it, when there was one, so
    the troubleshooting catalog can match its AADSTS code.
    """

    exit_code = ExitCode.NEEDS_AUTHORIZATION

    def __init__(self, message: str, *, oauth_error: OAuthError | None = None) -> None:
        super().__init__(message)
        self.oauth_error = oauth_error


class StoreError(ExoError):
    """The account file, a token file or the key cannot be used."""

    exit_code = ExitCode.FILES

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ParseError(StoreError):
    """A file that does not parse; it is never overwritten."""

    def __init__(self, path: str, line: int, column: int, detail: str) -> None:
        super().__init__(
            f"{path}, line {line}, column {column}: {detail}. Fix the file by hand; "
            "exo-oauth will not write to it until it parses.",
            path=path,
        )
        self.line = line
        self.column = column
        self.detail = detail


class SealError(StoreError):
    """A sealed value that cannot be opened: wrong key, wrong passphrase or tampering."""


class ConflictError(ExoError):
    """The account changed on disk after it was loaded (another process or editor)."""

    exit_code = ExitCode.USAGE


# Kinds of OAuthError.
OAUTH = "oauth"
NETWORK = "network"
BAD_RESPONSE = "bad_response"
# Errors after which only a person signing in again helps.
SIGN_IN_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required"})
# Conditional Access and MFA codes: a policy wants the person back, whatever the error
# name (53003 also comes as access_denied).
POLICY_CODES = frozenset({50076, 50078, 50079, 50158, 53000, 53001, 53003, 70043})


@dataclass
class OAuthError(ExoError):
    """Any failure talking to the identity provider or an API, in one shape.

    ``kind`` is ``oauth`` (the server answered with an OAuth error), ``network``
    (no usable answer: DNS, refused, timeout, TLS, dropped) or ``bad_response``
    (an answer we cannot read: HTML, empty, truncated or non-object JSON).
    The text never holds a secret: callers pass already-redacted descriptions.
    """

    message: str
    kind: str = OAUTH
    status: int | None = None
    error: str | None = None
    error_description: str | None = None
    codes: tuple[int, ...] = ()
    trace_id: str | None = None
    correlation_id: str | None = None
    timestamp: str | None = None
    error_uri: str | None = None
    suberror: str | None = None
    claims: str | None = None  # a claims challenge (JSON) naming what a new sign-in must meet
    content_type: str | None = None
    retry_after: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    exit_code = ExitCode.PROVIDER  # not annotated: a class attribute, not a field

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    @property
    def needs_authorization(self) -> bool:
        """True when only a new interactive sign-in can fix it."""
        return self.kind == OAUTH and (self.error in SIGN_IN_ERRORS
                                       or bool(POLICY_CODES.intersection(self.codes)))

    @property
    def policy_ids(self) -> tuple[str, ...]:
        """The Conditional Access policies a claims challenge names (``capolids``)."""
        import json

        from .terminal_text import terminal_safe  # the identity provider's words

        try:
            asked = json.loads(self.claims or "")
            ids = asked["access_token"]["capolids"]["values"]
        except (ValueError, TypeError, KeyError):
            return ()
        return tuple(terminal_safe(i, limit=64) for i in ids if isinstance(i, str))

    def __str__(self) -> str:
        return self.message
