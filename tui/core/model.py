"""Plain data for an account and its issued tokens.

Frozen dataclasses: the UI, the CLI and the store exchange values, never share
mutable objects, so "what changed?" is an equality test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from .tenant import default_urls
from .token_summary import REFRESH_DUE_RETRY_S as REFRESH_DUE_RETRY_S
from .token_summary import TokenSummary as TokenSummary
from .token_summary import TokenView as TokenView
from .token_summary import is_valid as _is_valid
from .token_summary import refresh_due as _refresh_due
from .token_summary import status_of as _status
from .token_summary import valid_for as _valid_for

# A token counts as valid only if it stays valid at least this long (defined apart, for
# the token fast path, which cannot import this module).
from .validity import DEFAULT_MARGIN_S as DEFAULT_MARGIN_S

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

GRAPH_SCOPES = (
    "offline_access User.Read Mail.ReadWrite MailboxSettings.ReadWrite "
    "Calendars.ReadWrite Contacts.ReadWrite"
)
DEFAULT_REDIRECT_URI = "http://localhost:8400"
CLIENT_TYPES = ("confidential", "public")
CLIENT_AUTHS = ("post", "basic")
# delegated: a person signs in (code or device flow) and a refresh token keeps it alive;
# app: the application signs in as itself (client credentials), no person, no refresh token.
FLOWS = ("delegated", "app")
# How a person signs in (the account remembers the last one that worked).
SIGN_IN_METHODS = ("device", "paste", "loopback")
APP_SCOPE = "https://outlook.office365.com/.default"
# The longest an access token may be said to last: Microsoft's longest are about 28 hours
# (continuous access evaluation); a day more is margin. A longer expires_in is a bad reply.
MAX_TOKEN_LIFETIME_S = 2 * 86400


@dataclass(frozen=True, slots=True)
class ParamRow:
    """One extra name=value parameter sent to an endpoint."""

    name: str
    value: str


def default_rows() -> tuple[ParamRow, ...]:
    return (ParamRow("scope", GRAPH_SCOPES),)


def app_rows() -> tuple[ParamRow, ...]:
    """Token rows for a new app-only account: Exchange Online's application permissions."""
    return (ParamRow("scope", APP_SCOPE),)


def _new_id() -> str:
    import uuid  # (here: uuid loads platform, which nothing else needs for a list)

    return str(uuid.uuid4())


def hidden(value: object) -> str:
    """How a secret appears in a repr: whether there is one and how long, never a character."""
    return f"<hidden, {len(value)} chars>" if isinstance(value, str) and value else repr(value)


def masked_repr(obj: DataclassInstance, secrets: Collection[str]) -> str:
    """The usual dataclass repr with the ``secrets`` fields hidden: what a debugger, a log
    line or a crash report shows of an object that holds a secret."""
    shown = []
    for f in fields(obj):
        if f.repr:
            value = getattr(obj, f.name)
            shown.append(f"{f.name}={hidden(value) if f.name in secrets else repr(value)}")
    return f"{type(obj).__name__}({', '.join(shown)})"


_AUTH_DEFAULT, _TOKEN_DEFAULT = default_urls()


@dataclass(frozen=True, slots=True)
class Account:
    """Every field of the account form; the three issued ones come from the token state."""

    label: str = ""
    client_id: str = ""
    client_secret: str = ""
    access_token: str = ""
    refresh_token: str = ""
    access_token_expires_at: float | None = None
    authorize_url: str = _AUTH_DEFAULT
    token_url: str = _TOKEN_DEFAULT
    token_params: tuple[ParamRow, ...] = field(default_factory=default_rows)
    auth_params: tuple[ParamRow, ...] = field(default_factory=default_rows)
    auto_refresh: bool = False
    # ours, beyond the seed form
    id: str = field(default_factory=_new_id)
    client_type: str = "confidential"
    client_auth: str = "post"
    redirect_uri: str = DEFAULT_REDIRECT_URI
    flow: str = "delegated"  # one of FLOWS
    sign_in_method: str = ""  # the SIGN_IN_METHODS one that last worked ("" none yet)
    # the local mail proxy: addresses (or *@domain) that may log in with this account's
    # token, and the scrypt hash of the local password they use (never the password)
    proxy_users: tuple[str, ...] = ()
    proxy_password_hash: str = ""

    @property
    def is_public(self) -> bool:
        return self.client_type == "public"

    @property
    def is_app_only(self) -> bool:
        """Client credentials: tokens are re-acquired with the client secret, never refreshed."""
        return self.flow == "app"

    def config_equal(self, other: Account) -> bool:
        """Same configuration, ignoring the issued tokens and the remembered sign-in method
        (bookkeeping that a sign-in writes, not a setting a person makes)."""
        return replace(without_tokens(self), sign_in_method="") == \
            replace(without_tokens(other), sign_in_method="")

    def __repr__(self) -> str:
        return masked_repr(self, ACCOUNT_SECRETS)


# Fields of an Account that no repr, log or screen shows (the proxy password hash is not
# the password, but it is what a guessing attack starts from).
ACCOUNT_SECRETS = ("client_secret", "access_token", "refresh_token", "proxy_password_hash")
TOKEN_SECRETS = ("access_token", "refresh_token")


def without_tokens(account: Account) -> Account:
    return replace(account, access_token="", refresh_token="", access_token_expires_at=None)


def param(rows: tuple[ParamRow, ...], name: str) -> str | None:
    """Value of the last row with this name (later rows win), or None."""
    found = None
    for row in rows:
        if row.name == name:
            found = row.value
    return found


@dataclass(frozen=True, slots=True)
class TokenState:
    """What the identity provider issued for one account, kept apart from the config.

    Times are absolute UTC epoch seconds. ``needs_authorization`` is set when the
    refresh token was refused; ``last_error`` is a redacted one-line summary.
    ``refresh_due_at`` is when the identity provider advised a refresh (its ``refresh_in``),
    well before expiry; None when it gave no advice.
    """

    account_id: str
    label: str
    access_token: str = ""
    refresh_token: str = ""
    expires_at: float | None = None
    obtained_at: float | None = None
    scope: str = ""
    token_type: str = "Bearer"
    needs_authorization: bool = False
    last_refresh_at: float | None = None
    last_error: str = ""
    last_error_id: str = ""  # catalog entry id of last_error, when known
    last_error_at: float | None = None
    refresh_due_at: float | None = None

    @property
    def has_access_token(self) -> bool:
        return bool(self.access_token)

    @property
    def has_refresh_token(self) -> bool:
        return bool(self.refresh_token)

    def valid_for(self, now: float | None = None) -> float:
        """Seconds the access token stays valid (negative once expired; 0 if none)."""
        return _valid_for(self, now)

    def is_valid(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool:
        """An access token known to stay valid ``margin`` more seconds (an unknown expiry
        is not known to be valid: such a token is refreshed before it is handed out)."""
        return _is_valid(self, margin, now)

    def refresh_due(self, now: float | None = None) -> bool:
        """The advised refresh time has come (and no try failed in the last few minutes);
        never while a person must sign in first."""
        return _refresh_due(self, now)

    def is_fresh(self, margin: float = DEFAULT_MARGIN_S, now: float | None = None) -> bool:
        """Valid for ``margin`` more seconds and not yet due for the advised refresh."""
        return _is_valid(self, margin, now) and not _refresh_due(self, now)

    @property
    def status(self) -> str:
        """One of: none, needs_authorization, error, token (judge expiry with is_valid)."""
        return _status(self)

    def __repr__(self) -> str:
        return masked_repr(self, TOKEN_SECRETS)

    def summary(self) -> TokenSummary:
        """The same state with the tokens left out (only whether there are any)."""
        values = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        return TokenSummary(**values, has_access_token=self.has_access_token,
                            has_refresh_token=self.has_refresh_token)


# TokenState's fields that a summary keeps as they are.
SUMMARY_FIELDS = tuple(name for name in TokenSummary._fields
                       if name not in ("has_access_token", "has_refresh_token"))
