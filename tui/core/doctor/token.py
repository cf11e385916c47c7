"""Doctor's token checks: is there a token a mail client could use, and what does it grant?

``check_token`` refreshes an expired token the way every other caller does (single
flight); ``check_contents`` reads the claims of a JWT access token (diagnostics
only, never verified) and compares them with what the account asks for.
"""

from __future__ import annotations

import shlex
import time
from typing import TYPE_CHECKING

from tui.core.errors import NeedsAuthorization, OAuthError
from tui.core.model import Account, TokenState, param
from tui.core.resources import (
    GRAPH,
    GRAPH_RESOURCE,
    KIND_NAMES,
    OIDC_SCOPES,
    OTHER,
    OUTLOOK,
    OUTLOOK_RESOURCE,
    scope_resources,
)

from . import jwtinfo
from .checks import FAIL, PASS, WARN, Check, advice

if TYPE_CHECKING:
    from tui.core.oauth.service import OAuthService
    from tui.core.store.account_store import AccountStore

# The token handed to a mail server must stay valid at least this long.
MIN_VALID_S = 60.0


def _for(seconds: float) -> str:
    from tui.core.health import human_duration

    return human_duration(seconds)


async def check_token(store: AccountStore, account: Account, service: OAuthService,
                      now: float) -> tuple[Check, TokenState | None]:
    """Is there a token a mail client could use now? Refreshes it when it has expired."""
    from tui.core.refresh.single_flight import get_token

    name, label = "token", account.label
    state = store.token_state(account)
    if state.needs_authorization:
        return _refused_earlier(state, label, now)
    if not state.access_token and not state.refresh_token:
        return Check(name, FAIL, "there are no tokens: the account was never authorized",
                     f"Run `exo-oauth authorize {shlex.quote(label)}`.",
                     "local.needs_authorization"), None
    rt = "a refresh token is stored" if state.refresh_token else "no refresh token is stored"
    if state.is_valid(MIN_VALID_S, now):
        return Check(name, PASS, f"the access token is valid for {_for(state.valid_for(now))} "
                                 f"more; {rt}"), state
    if not state.refresh_token:
        return Check(name, FAIL, "the access token has expired and no refresh token is stored",
                     f"Run `exo-oauth authorize {shlex.quote(label)}` (with offline_access "
                     "in the scope rows, so it can be renewed).", "config.no_offline_access"), None
    try:
        fresh = await get_token(store, account, service=service, min_valid=MIN_VALID_S)
    except NeedsAuthorization:
        return _refused_earlier(store.token_state(account), label, now)
    except OAuthError as exc:
        entry, fix = advice(exc, label)
        return Check(name, FAIL, f"the access token has expired and refreshing it failed: "
                                 f"{exc}", fix, entry), None
    return Check(name, PASS, f"the access token had expired; a refresh worked and the new one "
                             f"is valid for {_for(fresh.valid_for(service.clock.time()))}"), fresh


def _refused_earlier(state: TokenState, label: str, now: float
                     ) -> tuple[Check, TokenState | None]:
    """A person must sign in again; while the access token lasts, the login checks still
    use it (exactly what `exo-oauth token` hands out meanwhile)."""
    from tui.core.health import clock_time

    when = f" at {clock_time(state.last_error_at, now)}" if state.last_error_at else ""
    why = f" ({state.last_error})" if state.last_error else ""
    refusal = state.last_error_id or state.last_error or "needs authorization"
    entry, fix = advice(refusal, label)
    if not entry:
        entry, fix = advice(NeedsAuthorization("needs authorization"), label)
    refused = f"the refresh token was refused{when}{why}; a person must sign in again"
    if state.is_valid(MIN_VALID_S, now):
        return Check("token", FAIL, f"{refused}. The access token is still valid for "
                                    f"{_for(state.valid_for(now))}, so the checks below use "
                                    "it", fix, entry), state
    return Check("token", FAIL, f"the access token has expired and {refused}", fix,
                 entry), None


def check_contents(token: str, account: Account, *, imap: bool, smtp: bool,
                   now: float) -> tuple[Check, str]:
    """Decode the token (diagnostics only) and compare it with what the account asks for.

    Returns the check and the user the token names ("" if unknown).
    """
    name, label = "token contents", shlex.quote(account.label)
    info = jwtinfo.decode(token)
    if info is None:
        more = "; the login checks below show whether servers accept it" if imap or smtp else ""
        return Check(name, PASS, "the access token is opaque (not a JWT), so its audience and "
                                 f"scopes cannot be inspected here{more}"), ""
    aud = ", ".join(info.audience) or "none"
    kind = KIND_NAMES.get(info.kind, "another resource")
    granted = " ".join(info.scopes) or ("app roles " + " ".join(info.roles) if info.roles
                                        else "none")
    facts = [f"audience {aud} ({kind})", f"scopes {granted}"]
    if info.user:
        facts.append(f"user {info.user}")
    if info.tenant:
        facts.append(f"tenant {info.tenant}")
    if info.expires_at is not None:
        left = info.expires_at - now
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(info.expires_at))
        facts.append(f"expires {when} ({'in ' + _for(left) if left > 0 else 'expired'})")
    detail = "; ".join(facts)
    outlook_fix = (f"Ask for an Outlook token: `exo-oauth edit {label} --token-param "
                   "\"scope=offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
                   "https://outlook.office.com/SMTP.Send\"`, then `exo-oauth refresh "
                   f"{label}`.")
    if (imap or smtp) and info.kind != OUTLOOK:
        return Check(name, FAIL, f"IMAP and SMTP accept only tokens for "
                                 f"https://outlook.office.com, but this one is for {aud} "
                                 f"({kind}); {detail}", outlook_fix, "http.401"), info.user
    needed = [n for n, on in ((("IMAP.AccessAsUser.All", "IMAP.AccessAsApp"), imap),
                              (("SMTP.Send", "SMTP.SendAsApp"), smtp)) if on]
    lacking = [n[0] for n in needed if not info.grants(*n)]
    if lacking:
        return Check(name, FAIL, f"the token lacks {' and '.join(lacking)}; {detail}",
                     outlook_fix, "http.403"), info.user
    rows = param(account.token_params, "scope") or param(account.auth_params, "scope") or ""
    wanted = scope_resources(rows)
    wanted_kind = (OUTLOOK if OUTLOOK_RESOURCE in wanted else
                   GRAPH if GRAPH_RESOURCE in wanted else "")
    if wanted_kind and info.kind != OTHER and wanted_kind != info.kind:
        return Check(name, WARN, f"the scope row asks for {KIND_NAMES[wanted_kind]} "
                                 f"but the stored token is for {kind}; it predates the row "
                                 f"({detail})", f"Run `exo-oauth refresh {label}` for a token "
                                 "that matches the scope row.", "http.401"), info.user
    asked = {s.rsplit("/", 1)[-1].lower(): s.rsplit("/", 1)[-1] for s in rows.split()
             if s.lower() not in OIDC_SCOPES
             and not s.endswith("/.default")}
    missing = [shown for low, shown in asked.items() if not info.grants(low)]
    if missing and not info.app_only:
        return Check(name, WARN, f"the token does not carry {', '.join(missing)} although "
                                 f"the scope row asks for it; {detail}",
                     "Grant the permissions on the app registration (API permissions, then "
                     f"admin consent if needed) and run `exo-oauth authorize {label}`.",
                     "http.403"), info.user
    if info.not_before is not None and info.not_before > now + 300:
        return Check(name, WARN, f"the token is not valid until "
                                 f"{_for(info.not_before - now)} from now by this machine's "
                                 f"clock; {detail}", "Check the clock (see the clock line).",
                     ""), info.user
    return Check(name, PASS, detail), info.user
