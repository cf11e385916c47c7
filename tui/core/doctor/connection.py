"""Test connection: the one check behind `exo-oauth test` and the UI's Test key.

A delegated account calls Graph /me (or the URL given), and the answer says whose
token it is. An app-only (client credentials) token has no signed-in user, so /me
can only refuse it and the test would fail however well the account is set up.
Without a URL such an account therefore gets its token and reports what the token
grants, read locally from it when it is a JWT (never verified, never shown). So does
a delegated account whose token is for Outlook (IMAP, POP, SMTP): Graph refuses such
a token ("Invalid audience") however good it is, so the report points to the mail
logins of `exo-oauth doctor` instead. A URL given by the person is always called.

The wording lives here too (``report``), so the command line and the UI say the
same thing; each only lays the lines out its own way.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from typing import Any

from tui.core.model import Account, TokenState, param
from tui.core.oauth.endpoints import graph_me_url
from tui.core.oauth.service import OAuthService
from tui.core.refresh.single_flight import get_token
from tui.core.resources import (
    GRAPH,
    KIND_NAMES,
    OTHER,
    OUTLOOK,
    OUTLOOK_RESOURCE,
    scope_resources,
)
from tui.core.store.protocol import Store
from tui.core.terminal_text import terminal_safe

from . import jwtinfo

# A token is asked for only if it stays valid this long: enough for one API call.
MIN_VALID_S = 60.0
ADMIN_CONSENT = ("Entra admin center > App registrations > the app > API permissions > "
                 "Grant admin consent")


@dataclass(frozen=True)
class ConnectionCheck:
    """What the test found; the token itself stays inside ``state`` (never printed)."""

    label: str
    app_only: bool
    me_url: str  # Graph /me for the account's cloud (or the local fake's)
    url: str | None  # the API that was called; None when only the token was read
    answer: dict[str, Any] | None
    claims: jwtinfo.JwtInfo | None  # not called: the token's claims if a JWT
    state: TokenState = field(repr=False)


async def check_connection(store: Store, account: Account, *, service: OAuthService,
                           url: str | None = None) -> ConnectionCheck:
    """Get a usable token (refreshing or re-acquiring it as needed), then call ``url``
    or Graph /me, except for an app-only account without ``url``: its token is read."""
    me_url = graph_me_url(account.token_url)
    state = await get_token(store, account, service=service, min_valid=MIN_VALID_S)
    if url is None:
        claims = jwtinfo.decode(state.access_token)
        if account.is_app_only or _for_outlook(account, claims):
            return ConnectionCheck(account.label, account.is_app_only, me_url, None, None,
                                   claims, state)
    target = url or me_url
    answer = await service.get_json(target, state.access_token, what=f"Calling {target}",
                                    token_type=state.token_type)
    return ConnectionCheck(account.label, account.is_app_only, me_url, target, answer, None,
                           state)


def _for_outlook(account: Account, claims: jwtinfo.JwtInfo | None) -> bool:
    """The token is for Outlook: its audience says so, or (an opaque token) the scope the
    account asks for names only Outlook."""
    if claims is not None:
        return claims.kind == OUTLOOK
    asked = param(account.token_params, "scope") or param(account.auth_params, "scope") or ""
    return scope_resources(asked) == {OUTLOOK_RESOURCE}


@dataclass(frozen=True)
class Report:
    """``headline`` (one sentence), ``details`` (one fact a line), ``warning`` ("" if none)."""

    headline: str
    details: tuple[str, ...] = ()
    warning: str = ""


def report(check: ConnectionCheck, now: float | None = None) -> Report:
    """The outcome in plain words; ``now`` (epoch seconds) only for "in N min"."""
    now = time.time() if now is None else now
    if check.url is None:
        return _token_report(check, now)
    answer = check.answer or {}
    who = str(answer.get("displayName") or "")
    address = str(answer.get("userPrincipalName") or answer.get("mail") or "")
    whom = f"{who} <{address}>" if who and address else (who or address)
    if not whom:
        keys = ", ".join(sorted(answer)[:8]) or "none"
        return Report(f"{check.url} accepted the token (answer keys: {keys}).")
    if check.url == check.me_url and not check.app_only:
        return Report(f"the token works; it belongs to {whom}.")
    return Report(f"{check.url} accepted the token and answered for {whom}.")


def _token_report(check: ConnectionCheck, now: float) -> Report:
    """No URL called: what the token grants, and what to try instead of /me."""
    if not check.app_only:
        return _outlook_report(check, now)
    headline = ("got an app-only token. Graph /me is not called: the application signs in "
                "as itself, so there is no user for /me to describe.")
    info = check.claims
    expires = (info.expires_at if info is not None and info.expires_at
               else check.state.expires_at)
    if info is None:
        details = ["The token is not a JWT, so what it grants cannot be read here.",
                   f"Valid until {until(expires, now)}."]
        return Report(headline, (*details, _next_step(check, OTHER)))
    audience = ", ".join(info.audience) or "not stated"
    kind = KIND_NAMES.get(info.kind)
    details = ["Resource: " + (f"{kind}, {audience}" if kind else audience),
               "Application permissions (roles): " + (", ".join(info.roles) or "none")]
    if info.scopes:  # not expected in an app-only token; shown rather than hidden
        details.append("Delegated permissions (scp): " + ", ".join(info.scopes))
    details += [f"Tenant: {info.tenant or 'not stated'}",
                f"Application (client) ID: {info.app_id or 'not stated'}",
                f"Valid until {until(expires, now)}.",
                _next_step(check, info.kind)]
    warning = "" if info.roles else (
        "The token carries no application permissions (roles), so APIs will refuse it. "
        f"Grant the app's application permissions admin consent ({ADMIN_CONSENT}), then "
        f"run `exo-oauth refresh {check.label}`.")
    return Report(headline, tuple(details), warning)


def _outlook_report(check: ConnectionCheck, now: float) -> Report:
    """A person's Outlook token: Graph would refuse it, so say what it is for and how to
    try it for real."""
    headline = ("got an Outlook token (for IMAP, POP and SMTP). Graph /me is not called: "
                "Graph refuses tokens made for Outlook (\"Invalid audience\"), however "
                "good they are.")
    info = check.claims
    expires = (info.expires_at if info is not None and info.expires_at
               else check.state.expires_at)
    details = []
    if info is None:
        details.append("The token is not a JWT; the account's scope row names Outlook.")
    else:
        # the token's own words: escaped, never acted on by the terminal
        details += ["Resource: " + terminal_safe(", ".join(info.audience)),
                    "Delegated permissions (scp): "
                    + (terminal_safe(", ".join(info.scopes)) or "none"),
                    f"User: {terminal_safe(info.user) or 'not stated'}",
                    f"Tenant: {terminal_safe(info.tenant) or 'not stated'}"]
    user = (info.user if info is not None and info.user else "MAILBOX")
    details += [f"Valid until {until(expires, now)}.",
                "Try it the way a mail client does: `exo-oauth doctor "
                f"{terminal_safe(shlex.quote(check.label))} --imap outlook.office365.com "
                f"--smtp smtp.office365.com --user {terminal_safe(shlex.quote(user))}`."]
    return Report(headline, tuple(details))


def _next_step(check: ConnectionCheck, kind: str) -> str:
    label = check.label
    if kind == OUTLOOK:
        return ("Outlook tokens are for IMAP, POP, SMTP and EWS, not Graph: try a real mail "
                f"login with `exo-oauth doctor {label} --imap outlook.office365.com "
                "--user MAILBOX`.")
    if kind == GRAPH:
        users = check.me_url.removesuffix("/me") + "/users/MAILBOX"
        return f"To call Graph with it, name a user: `exo-oauth test {label} --url {users}`."
    return f"To call the API it is for: `exo-oauth test {label} --url URL`."


def until(epoch: float | None, now: float) -> str:
    """'14:32 (in 52 min)' in local time; 'an unknown time' without an expiry."""
    if not epoch:
        return "an unknown time"
    left = int(epoch - now) // 60
    when = time.strftime("%H:%M", time.localtime(epoch))
    return f"{when} (in {left} min)" if left >= 0 else f"{when} (already passed)"
