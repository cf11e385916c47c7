"""Plain-text formatting for the screens: statuses, times, masked values.

No Textual here (Rich's cell widths only), so these are easy to test and reuse (the
screenshot script too).
"""

from __future__ import annotations

import functools
import os

from rich.cells import cell_len, set_cell_size

from tui.core import health
from tui.core.model import Account, TokenView
from tui.core.tenant import TENANT_PLACEHOLDER, is_guid, tenant_from_url

DASH = "—"


def status_text(state: TokenView | None, account: Account, now: float) -> str:
    """The status column: 'Not authorized', 'Valid, expires in 52 min', 'Expired', ..."""
    return status(state, account, now)[0]


def status_style(state: TokenView | None, account: Account, now: float) -> str:
    """A style class name for the status text: ok, warn, bad or none."""
    return status(state, account, now)[1]


def status(state: TokenView | None, account: Account, now: float) -> tuple[str, str]:
    """(status_text, status_style) from one look at the state (a list of thousands)."""
    if state is None:
        return "…", "none"
    h = health.assess(state, now=now, auto_refresh=account.auto_refresh,
                      app_only=account.is_app_only)
    return health.describe(h, now), _style(h)


def _style(h: health.Health) -> str:
    if h.state in (health.VALID,):
        return "warn" if h.problem else "ok"
    if h.state == health.EXPIRING:
        return "warn"
    if h.state == health.NOT_AUTHORIZED:
        return "none"
    return "bad"


def relative(seconds_from_now: float) -> str:
    """'in 52 min' or 'expired 3 h ago'."""
    if seconds_from_now >= 0:
        return f"in {health.human_duration(seconds_from_now)}"
    return f"expired {health.human_duration(seconds_from_now)} ago"


def local_time(epoch: float, now: float) -> str:
    """Local wall-clock time to the second; the date is added when it is not today."""
    return health.clock_time(epoch, now, seconds=True)


def expiry_text(expires_at: float | None, now: float) -> str:
    """'14:32:10 local time (in 52 min)', or a dash when nothing was issued."""
    if expires_at is None:
        return f"{DASH} (no token issued yet)"
    return f"{local_time(expires_at, now)} local time ({relative(expires_at - now)})"


def short_id(client_id: str, keep: int = 8) -> str:
    """First characters of a client ID: enough to tell accounts apart in a table."""
    cid = client_id.strip()
    if len(cid) <= keep + 1:
        return cid or DASH
    return cid[:keep] + "…"


def tenant_text(account: Account, *, short: bool = False) -> str:
    """The tenant named by the URLs; ``short`` cuts a GUID down like a client ID."""
    return _tenant_text(account.authorize_url, account.token_url, short)


@functools.lru_cache(maxsize=1024)  # thousands of accounts share a few tenants
def _tenant_text(authorize_url: str, token_url: str, short: bool) -> str:
    tenant = tenant_from_url(authorize_url) or tenant_from_url(token_url)
    if not tenant:
        return DASH
    if tenant == TENANT_PLACEHOLDER:
        return "(not set)"
    return short_id(tenant) if short and is_guid(tenant) else tenant


def display_path(path: os.PathLike[str] | str) -> str:
    """A path with the home folder written as ~ (shorter in a header)."""
    text = os.fspath(path)
    home = os.path.expanduser("~")
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home):]
    return text


def ellipsize(text: str, width: int) -> str:
    """The start of ``text`` in at most ``width`` terminal cells, "…" marking a cut (wide
    characters such as emoji count two cells, combining marks none)."""
    if width <= 1:
        return text
    if text.isascii():  # one cell a character (controls are escaped before this)
        return text if len(text) <= width else text[: width - 1].rstrip() + "…"
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"


def mask(value: str, what: str = "token") -> str:
    """A secret shown as dots plus its length, never any of its characters."""
    if not value:
        return f"{DASH} (no {what} yet)"
    return f"{'•' * 12}  ({len(value):,} characters)"
