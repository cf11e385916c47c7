"""`exo-oauth doctor`: every check we can run on one account, each a pass/warn/fail line with a fix.

Checks are small functions returning a frozen ``Check``; ``diagnose`` runs them in
a fixed order and scrubs every known secret from the result before anyone sees
it. Local checks live here; network ones in network.py, mail logins in mail.py.
"""

from __future__ import annotations

import os
import shlex
import socket
import ssl
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core import paths
from tui.core.errors import NeedsAuthorization, NoSuchAccount, OAuthError, ParseError, StoreError
from tui.core.model import Account, TokenState, param
from tui.core.store import seal
from tui.core.troubleshoot.redact import MARKER, redact

if TYPE_CHECKING:
    from tui.core.oauth.service import OAuthService
    from tui.core.store.account_store import AccountStore

    from .mail import MailServer

PASS = "pass"
WARN = "warn"
FAIL = "fail"
# The token handed to a mail server must stay valid at least this long.
MIN_VALID_S = 60.0
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Check:
    """One finding: ``fix`` says what to do (empty on a pass); ``entry`` is a catalog id."""

    name: str
    status: str
    detail: str
    fix: str = ""
    entry: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail,
                "fix": self.fix, "entry": self.entry}


@dataclass(frozen=True)
class Report:
    label: str
    config_path: str
    checks: tuple[Check, ...]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def ok(self) -> bool:
        return self.count(FAIL) == 0


@dataclass(frozen=True)
class Options:
    """What to check beyond the account itself, and the seams tests use."""

    imap: MailServer | None = None
    smtp: MailServer | None = None
    user: str | None = None
    cafile: str | None = None
    context: ssl.SSLContext | None = None  # trust for TLS; default: cafile, else httpx's
    timeout: float = DEFAULT_TIMEOUT_S
    resolver: Callable[..., Any] = socket.getaddrinfo
    now: Callable[[], float] = time.time
    service: OAuthService | None = field(default=None, repr=False)


# -- helpers shared by the check modules -------------------------------------------------


def scrub(text: str, secrets: Iterable[str], *, shapes: bool = True) -> str:
    """``text`` without any of ``secrets`` (exact values) and, with ``shapes``, without
    anything shaped like a token (for text that came from outside)."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MARKER)
    return redact(text) if shapes else text


def advice(thing: object, label: str) -> tuple[str, str]:
    """(catalog entry id, its steps on one line with LABEL filled in) for an error or message."""
    from tui.core.troubleshoot.catalog import match, resolution_for

    found = match(thing)
    if not found:
        return "", ""
    entry = found[0].entry
    steps = resolution_for(entry, label) if label else entry.resolution
    if len(steps) <= 1:
        return entry.id, steps[0] if steps else entry.title
    return entry.id, " ".join(f"({n}) {step}" for n, step in enumerate(steps, 1))


def exc_text(exc: BaseException, timeout: float | None = None) -> str:
    """A short, secret-free reason for a low-level failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message or exc.reason}"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, socket.gaierror):
        return exc.strerror or str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError):
        if isinstance(exc.errno, int) and exc.errno > 0:  # asyncio words these its own way
            return os.strerror(exc.errno)
        if exc.strerror:
            return exc.strerror
    return redact(str(exc).strip()) or type(exc).__name__


def failure(name: str, what: str, exc: BaseException, *, label: str,
            timeout: float | None = None, status: str = FAIL, note: str = "") -> Check:
    """A Check for a network or protocol failure, matched to the troubleshooting catalog."""
    reason = exc_text(exc, timeout)
    entry, fix = advice(exc, label)
    if not entry:
        entry, fix = advice(reason, label)
    return Check(name, status, f"{what}: {reason}{note}", fix, entry)


# -- configuration, secrets, files --------------------------------------------------------


def check_config(account: Account, taken: Iterable[str]) -> list[Check]:
    """The validator's rules for signing in: errors fail, warnings warn."""
    from tui.core.validate import AUTHORIZE, validate

    issues = validate(account, taken_labels=taken, purpose=AUTHORIZE)
    if not issues:
        return [Check("config", PASS, "the account passes every rule for signing in")]
    out = []
    for issue in issues:
        entry, fix = advice(issue, account.label)
        out.append(Check(f"config {issue.field}", FAIL if issue.is_error else WARN,
                         issue.message, fix, entry))
    return out


def _config_only(store: AccountStore, label: str) -> Account:
    """The account's settings when its secrets cannot be opened (the secret stays sealed)."""
    from tui.core.store.account_file import account_from_raw, parse

    parsed = parse(store.path.read_bytes(), str(store.path))
    for n, raw in enumerate(parsed.accounts, 1):
        if raw.get("label", "") == label:
            return account_from_raw(raw, n, str(store.path), lambda _i, _l, text: text)
    raise NoSuchAccount(label)


def open_account(store: AccountStore, label: str) -> tuple[Account, bool, Check]:
    """(account, secrets opened?, the secrets check). NoSuchAccount/ParseError propagate."""
    name = "secrets"
    try:
        sealing = seal.read_header(store.path).get("sealing")
        source = store.sealer.source if sealing else ""
        account = store.get(label)
    except ParseError:
        raise
    except StoreError as exc:  # wrong key or passphrase, damaged salt or token file
        entry, fix = advice(exc, label)
        return _config_only(store, label), False, Check(name, FAIL, str(exc), fix, entry)
    if not sealing:
        return account, True, Check(name, PASS, "nothing is sealed in the account file yet, "
                                                "so no key is needed")
    if source == "the passphrase":
        source = "the passphrase in EXO_OAUTH_PASSPHRASE"
    what = [w for w, v in (("client secret", account.client_secret),
                           ("tokens", account.access_token or account.refresh_token)) if v]
    opened = f" and opens its {' and '.join(what)}" if what else ""
    return account, True, Check(name, PASS, f"{source} matches the account file{opened}")


def _mode_problem(path: Path, strict: bool) -> tuple[str, str] | None:
    """(what is wrong, the chmod) for one file or folder, or None."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    mode = stat.S_IMODE(st.st_mode)
    is_dir = stat.S_ISDIR(st.st_mode)
    want = 0o700 if is_dir else 0o600
    quoted = shlex.quote(str(path))
    if strict or not is_dir:
        if mode & 0o077:
            who = "group and others" if mode & 0o007 else "its group"
            return (f"{path} is {mode:04o}: {who} can get at it",
                    f"chmod {want:o} {quoted}")
        return None
    if mode & 0o022 and not mode & stat.S_ISVTX:  # a shared folder: only writability matters
        return (f"{path} is {mode:04o}: others can replace files in it",
                f"chmod go-w {quoted}")
    return None


def _ours(folder: Path) -> bool:
    """Folders exo-oauth made for itself may be locked down; a shared one (say /etc) not."""
    return folder.name == paths.APP


def check_permissions(store: AccountStore, account: Account) -> Check:
    """Account file, token file and key file 0600; exo-oauth's folders 0700."""
    from tui.core.store.token_format import token_path

    token_file = token_path(store.state_dir, store.path, account.label)
    items: list[tuple[Path, bool]] = [(store.path, True), (token_file, True),
                                      (store.path.parent, _ours(store.path.parent)),
                                      (store.state_dir, _ours(store.state_dir)),
                                      (token_file.parent, True)]
    if seal.read_header(store.path).get("sealing") == seal.KEYFILE:
        key = paths.key_file()
        items += [(key, True), (key.parent, _ours(key.parent))]
    problems = [p for p in (_mode_problem(path, strict) for path, strict in dict(items).items())
                if p]
    if not problems:
        return Check("permissions", PASS, "the account, token and key files are private "
                                          "(0600) and exo-oauth's folders are 0700")
    return Check("permissions", FAIL, "; ".join(p[0] for p in problems),
                 "; ".join(p[1] for p in problems), "local.permission")


# -- the token ----------------------------------------------------------------------------


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
        why = f" ({state.last_error})" if state.last_error else ""
        entry, fix = advice(NeedsAuthorization("needs authorization"), label)
        return Check(name, FAIL, f"the refresh token was refused earlier{why}", fix,
                     entry), None
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
    except (NeedsAuthorization, OAuthError) as exc:
        entry, fix = advice(exc, label)
        return Check(name, FAIL, f"the access token has expired and refreshing it failed: "
                                 f"{exc}", fix, entry), None
    return Check(name, PASS, f"the access token had expired; a refresh worked and the new one "
                             f"is valid for {_for(fresh.valid_for(service.clock.time()))}"), fresh


def check_contents(token: str, account: Account, *, imap: bool, smtp: bool,
                   now: float) -> tuple[Check, str]:
    """Decode the token (diagnostics only) and compare it with what the account asks for.

    Returns the check and the user the token names ("" if unknown).
    """
    from tui.core.validate import GRAPH_RESOURCE, scope_resources

    from . import jwtinfo

    name, label = "token contents", shlex.quote(account.label)
    info = jwtinfo.decode(token)
    if info is None:
        more = "; the login checks below show whether servers accept it" if imap or smtp else ""
        return Check(name, PASS, "the access token is opaque (not a JWT), so its audience and "
                                 f"scopes cannot be inspected here{more}"), ""
    aud = ", ".join(info.audience) or "none"
    kind = jwtinfo.KIND_NAMES.get(info.kind, "another resource")
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
    if (imap or smtp) and info.kind != jwtinfo.OUTLOOK:
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
    wanted_kind = (jwtinfo.OUTLOOK if "https://outlook.office.com" in wanted else
                   jwtinfo.GRAPH if GRAPH_RESOURCE in wanted else "")
    if wanted_kind and info.kind != jwtinfo.OTHER and wanted_kind != info.kind:
        return Check(name, WARN, f"the scope row asks for {jwtinfo.KIND_NAMES[wanted_kind]} "
                                 f"but the stored token is for {kind}; it predates the row "
                                 f"({detail})", f"Run `exo-oauth refresh {label}` for a token "
                                 "that matches the scope row.", "http.401"), info.user
    asked = {s.rsplit("/", 1)[-1].lower(): s.rsplit("/", 1)[-1] for s in rows.split()
             if s.lower() not in {"openid", "profile", "email", "offline_access"}
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


# -- the whole run ------------------------------------------------------------------------


async def diagnose(store: AccountStore, label: str, options: Options | None = None) -> Report:
    """Every check for one account, in order: config, secrets, files, network, token, mail."""
    from . import mail, network

    opts = options or Options()
    account, opened, secrets_check = open_account(store, label)
    others = list(store.labels())
    if label in others:
        others.remove(label)
    checks = [*check_config(account, others), secrets_check,
              check_permissions(store, account)]
    context = opts.context or network.trust_context(opts.cafile)
    service = opts.service
    own_service = service is None
    if service is None:
        from tui.core.oauth.service import OAuthService

        service = OAuthService(verify=context)
    secrets = [account.client_secret, account.access_token, account.refresh_token,
               os.environ.get(seal.PASSPHRASE_ENV, "")]
    mail_user = opts.user or ""
    try:
        net, token_host_ok = await network.check_hosts(account, opts, context)
        checks += net
        checks.append(await network.check_clock(service.client, account, opts,
                                                   reachable=token_host_ok))
        if not opened:
            checks.append(Check("token", WARN, "not checked: the secrets cannot be opened "
                                               "(see the secrets line)"))
        else:
            token_check, state = await check_token(store, account, service, opts.now())
            checks.append(token_check)
            if state is not None:
                secrets += [state.access_token, state.refresh_token]
                contents, user = check_contents(state.access_token, account,
                                                imap=bool(opts.imap), smtp=bool(opts.smtp),
                                                now=opts.now())
                checks.append(contents)
                mail_user = opts.user or user
                checks += await mail.check_logins(opts, user=mail_user,
                                                       token=state.access_token,
                                                       context=context, label=label)
            else:
                checks += mail.no_token(opts)
    finally:
        if own_service:
            await service.aclose()
    secrets += mail.xoauth2_forms(mail_user, secrets)
    cleaned = tuple(replace(c, detail=scrub(c.detail, secrets),
                            fix=scrub(c.fix, secrets, shapes=False))
                    for c in checks)
    return Report(label, str(store.path), cleaned)
