"""How `list`, `show` and `validate` print accounts: plain tables, masked secrets, JSON shapes.

Nothing here prints a secret: at most its first four characters (for long
values) and its length.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tui.core.terminal_text import terminal_safe

if TYPE_CHECKING:
    from tui.core.model import Account, TokenState
    from tui.core.token_summary import TokenView
    from tui.core.validate import Issue


class ListedAccount(Protocol):
    """What a list shows of an account: an Account, or a row read from the list cache
    alone (tui.commands.list_fast)."""

    @property
    def label(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_type(self) -> str: ...
    @property
    def flow(self) -> str: ...
    @property
    def auto_refresh(self) -> bool: ...
    @property
    def authorize_url(self) -> str: ...


# Shorter secrets show no characters at all, only their length.
MASK_PREFIX_MIN = 16


def mask(secret: str) -> str:
    if not secret:
        return "(none)"
    if len(secret) >= MASK_PREFIX_MIN:
        return f"{secret[:4]}… ({len(secret)} chars)"
    return f"… ({len(secret)} chars)"


def tenant_of(account: ListedAccount) -> str:
    return _tenant_of_url(account.authorize_url)


@functools.lru_cache(maxsize=256)  # a long list mostly repeats a few tenants
def _tenant_of_url(url: str) -> str:
    from urllib.parse import urlsplit

    from tui.core.tenant import cloud_of_url, tenant_from_url

    if cloud_of_url(url):
        return tenant_from_url(url) or "?"
    return urlsplit(url).hostname or "?"


def _span(seconds: float) -> str:
    seconds = abs(int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{round(hours / 24)} days"


def when(ts: float | None, now: float | None = None) -> str:
    """Local time plus "in 52 min" / "3 h 05 min ago"."""
    if ts is None:
        return "-"
    now = time.time() if now is None else now
    local = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(ts))
    rel = f"in {_span(ts - now)}" if ts >= now else f"{_span(now - ts)} ago"
    return f"{local} ({rel})"


def token_status(state: TokenView, now: float | None = None) -> str:
    """valid, expired, none, needs_authorization or error."""
    if state.needs_authorization:
        return "needs_authorization"
    if state.has_access_token and state.valid_for(now) > 0:
        return "valid"
    if state.has_access_token or state.has_refresh_token:
        return "expired"
    return "error" if state.last_error else "none"


def token_text(state: TokenView, now: float | None = None, *, failure: bool = True) -> str:
    """'valid 52 min', 'expired, refreshable', 'needs sign-in', ...; with ``failure``, a
    refresh that failed since the last one that worked is named once: '; last refresh
    failed (AADSTS50076) at 12:34'."""
    now = time.time() if now is None else now
    status = token_status(state, now)
    left = state.valid_for(now)
    if status == "needs_authorization":
        text = "needs sign-in" + (f"; valid {_span(left)}" if left > 0 else "")
    elif status == "valid":
        text = f"valid {_span(left)}"
    elif status == "expired":
        text = "expired, refreshable" if state.has_refresh_token else "expired"
    else:
        text = {"error": "error", "none": "none"}[status]
    if not (failure and state.last_error):
        return text  # (the common case, so thousands of rows skip the import below)
    from tui.core.health import failure_note, refresh_failed_at

    note = failure_note(state.last_error, refresh_failed_at(state), now)
    return f"{text}; {note}" if note else text


def summary_json(account: ListedAccount, state: TokenView) -> dict[str, Any]:
    return {
        "label": account.label, "id": account.id, "tenant": tenant_of(account),
        "client_id": account.client_id, "client_type": account.client_type,
        "flow": account.flow, "auto_refresh": account.auto_refresh,
        "token": _token_json(state),
    }


def _token_json(state: TokenView) -> dict[str, Any]:
    now = time.time()
    return {
        "status": token_status(state, now),
        "expires_at": state.expires_at,
        "expires_in": int(state.valid_for(now)) if state.expires_at is not None else None,
        "has_refresh_token": state.has_refresh_token,
        "last_error": state.last_error or None,
    }


def account_json(account: Account, state: TokenState) -> dict[str, Any]:
    token = _token_json(state)
    token.update({"access_token": mask(state.access_token),
                  "refresh_token": mask(state.refresh_token),
                  "obtained_at": state.obtained_at, "scope": state.scope,
                  "last_refresh_at": state.last_refresh_at,
                  "last_error_at": state.last_error_at})
    return {
        "label": account.label, "id": account.id, "client_id": account.client_id,
        "client_secret": mask(account.client_secret), "client_type": account.client_type,
        "client_auth": account.client_auth, "flow": account.flow,
        "authorize_url": account.authorize_url,
        "token_url": account.token_url, "redirect_uri": account.redirect_uri,
        "auto_refresh": account.auto_refresh,
        "auth_params": [{"name": r.name, "value": r.value} for r in account.auth_params],
        "token_params": [{"name": r.name, "value": r.value} for r in account.token_params],
        "proxy_users": list(account.proxy_users),
        "proxy_password": bool(account.proxy_password_hash),
        "token": token,
    }


def print_list(rows: Sequence[tuple[ListedAccount, TokenView]], *, as_json: bool) -> None:
    """What `exo-oauth list` prints for these (at least one) accounts."""
    if as_json:
        import json

        print(json.dumps([summary_json(a, s) for a, s in rows], indent=2, ensure_ascii=False))
    else:
        print_table(rows)


def print_table(rows: Sequence[tuple[ListedAccount, TokenView]]) -> None:
    now = time.time()
    head = ("LABEL", "TENANT", "CLIENT ID", "TYPE", "TOKEN", "AUTO-REFRESH")
    lines = [head] + [
        (terminal_safe(a.label), terminal_safe(tenant_of(a)), terminal_safe(a.client_id),
         a.client_type, token_text(s, now), "on" if a.auto_refresh else "off")
        for a, s in rows]
    row = "  ".join(f"{{:<{max(map(len, column))}}}" for column in zip(*lines, strict=True)
                    ).format
    # One write for the whole table: thousands of print calls cost more than the rows.
    print("\n".join(row(*line).rstrip() for line in lines))


def print_account(account: Account, state: TokenState) -> None:
    def rows(params: Sequence[Any]) -> str:
        if not params:
            return "(none)"
        return ("\n" + " " * 17).join(f"{terminal_safe(r.name)} = {terminal_safe(r.value)}"
                                      for r in params)

    fields = [
        ("label", terminal_safe(account.label)),
        ("id", account.id),
        ("client id", terminal_safe(account.client_id)),
        ("client type", f"{account.client_type} (secret sent by {account.client_auth})"),
        ("client secret", mask(account.client_secret)),
        ("flow", "app-only (client credentials)" if account.is_app_only
         else "delegated (a person signs in)"),
        ("authorize url", terminal_safe(account.authorize_url)),
        ("token url", terminal_safe(account.token_url)),
        ("redirect uri", terminal_safe(account.redirect_uri)),
        ("auto-refresh", "on" if account.auto_refresh else "off"),
        ("auth params", rows(account.auth_params)),
        ("token params", rows(account.token_params)),
        ("token", token_text(state, failure=False)),  # the error has its own lines
        ("access token", mask(state.access_token)),
        ("expires", when(state.expires_at)),
        ("refresh token", mask(state.refresh_token)),
    ]
    if account.proxy_users or account.proxy_password_hash:
        fields.append(("proxy users", ", ".join(terminal_safe(u) for u in account.proxy_users)
                       or "(none)"))
        fields.append(("proxy password", "set (stored as a hash)"
                       if account.proxy_password_hash else "not set"))
    if state.scope:
        fields.append(("granted scope", terminal_safe(state.scope)))
    if state.last_refresh_at is not None:
        fields.append(("last refresh", when(state.last_refresh_at)))
    if state.last_error:
        fields.append(("last error", terminal_safe(state.last_error)))
        if state.last_error_at is not None:
            fields.append(("last error at", when(state.last_error_at)))
    for name, value in fields:
        print(f"{name + ':':<16} {value}")


def print_issues(results: Sequence[tuple[Account, Sequence[Issue]]]) -> None:
    for account, issues in results:
        errors = sum(1 for i in issues if i.is_error)
        warnings = len(issues) - errors
        if not issues:
            print(f"{terminal_safe(account.label)}: ok")
            continue
        counts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
        counts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
        print(f"{terminal_safe(account.label)}: {', '.join(counts)}")
        for issue in sorted(issues, key=lambda i: not i.is_error):
            print(f"  {issue.severity:<8}{issue.field}: {issue.message}")
