"""Account validation: errors stop a sign-in, warnings only inform.

One judgement for everybody: the form, `exo-oauth validate`, `authorize` and the store
see the same severity for the same finding. Most errors also stop a save; the few that
only matter once somebody signs in (``stops == AUTHORIZE``: a `<tenant-id>` left in a
URL, plain http, an app-only account without its own tenant or /.default scope) let an
unfinished account be saved, and still count as errors.

Each issue names its field (an Account attribute, or ``token_params[2].name``
for a row) and a rule id that the troubleshooting catalog matches on.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .model import CLIENT_AUTHS, CLIENT_TYPES, FLOWS, Account, ParamRow
from .resources import OIDC_SCOPES, scope_resources
from .tenant import (
    CONSUMERS_TENANT_ID,
    SPECIAL_TENANTS,
    TENANT_PLACEHOLDER,
    cloud_of_url,
    is_guid,
    tenant_from_url,
)

ERROR = "error"
WARNING = "warning"
SAVE = "save"
AUTHORIZE = "authorize"

LABEL_MAX = 64
# Characters that scripts can pass without quoting (shlex.quote leaves them alone).
_PLAIN_LABEL = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
# Invisible characters that reorder how the text around them is displayed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Issue:
    field: str
    severity: str  # ERROR or WARNING
    message: str
    rule: str  # e.g. "config.tenant_placeholder"; the catalog matches on it
    stops: str = SAVE  # an error's reach: SAVE (nor sign in) or AUTHORIZE (saved, no sign-in)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def stops_save(self) -> bool:
        """An error the account cannot be saved with (the others only stop a sign-in)."""
        return self.is_error and self.stops == SAVE


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "must start with https://"
    if not parts.hostname:
        return "has no host name"
    return None


def _scopes(rows: Iterable[ParamRow]) -> list[str]:
    return [r.value for r in rows if r.name.strip() == "scope"]


def _rows(account: Account, which: str, rows: tuple[ParamRow, ...]) -> list[Issue]:
    issues: list[Issue] = []
    seen: set[str] = set()
    title = "Token endpoint" if which == "token_params" else "Auth endpoint"
    for i, row in enumerate(rows):
        name = row.name.strip()
        if not name:
            issues.append(Issue(f"{which}[{i}].name", ERROR,
                                f"{title} row {i + 1} has no name; name it or remove it.",
                                "config.row_empty_name"))
            continue
        if name in seen:
            issues.append(Issue(f"{which}[{i}].name", WARNING,
                                f"{title} row {i + 1} repeats {name!r}; the last one wins.",
                                "config.row_duplicate"))
        seen.add(name)
    return issues


def _endpoint(account: Account, fieldname: str, title: str) -> list[Issue]:
    url = getattr(account, fieldname).strip()
    if not url:
        return [Issue(fieldname, ERROR, f"{title} is required.", "config.required")]
    problem = _url_problem(url)
    if problem:
        return [Issue(fieldname, ERROR, f"{title} {problem}.", "config.bad_url")]
    issues: list[Issue] = []
    if TENANT_PLACEHOLDER in url:
        issues.append(Issue(
            fieldname, ERROR,
            f"{title} still holds {TENANT_PLACEHOLDER}: put your directory (tenant) ID "
            "or domain there, or use the tenant helper.",
            "config.tenant_placeholder", stops=AUTHORIZE))
    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        issues.append(Issue(
            fieldname, ERROR,
            f"{title} uses plain http:// to {parts.hostname}; secrets would travel "
            "unencrypted. Use https://.", "config.insecure_http", stops=AUTHORIZE))
    return issues


def _swapped(account: Account) -> list[Issue]:
    auth_path = urlsplit(account.authorize_url.strip()).path.rstrip("/").lower()
    token_path = urlsplit(account.token_url.strip()).path.rstrip("/").lower()
    issues = []
    if auth_path.endswith("/token"):
        issues.append(Issue(
            "authorize_url", ERROR,
            "The OAuth2 Endpoint (authorize URL) ends in /token: that is the token URL. "
            "It should end in /authorize.", "config.swapped_urls"))
    if token_path.endswith("/authorize"):
        issues.append(Issue(
            "token_url", ERROR,
            "The OAuth2 Token URL ends in /authorize: that is the authorize URL. "
            "It should end in /token.", "config.swapped_urls"))
    return issues


def _same_tenant(account: Account) -> list[Issue]:
    a, t = urlsplit(account.authorize_url.strip()), urlsplit(account.token_url.strip())
    if a.hostname and t.hostname and a.hostname.lower() != t.hostname.lower():
        return [Issue("token_url", WARNING,
                      f"The authorize URL goes to {a.hostname} but the token URL to "
                      f"{t.hostname}; both should name the same identity provider.",
                      "config.url_mismatch")]
    if cloud_of_url(account.token_url):
        ta, tt = tenant_from_url(account.authorize_url), tenant_from_url(account.token_url)
        if ta and tt and ta.lower() != tt.lower():
            return [Issue("token_url", WARNING,
                          f"The authorize URL names tenant {ta!r} but the token URL names "
                          f"{tt!r}; use the same tenant in both.", "config.url_mismatch")]
    return []


def _scope_rules(account: Account) -> list[Issue]:
    issues: list[Issue] = []
    token_scopes = _scopes(account.token_params)
    auth_scopes = _scopes(account.auth_params)
    if account.auto_refresh and not account.is_app_only and not any(
        "offline_access" in s.split() for s in token_scopes + auth_scopes
    ):
        issues.append(Issue(
            "auto_refresh", WARNING,
            "Auto-refresh is on but no scope row asks for offline_access, so no refresh "
            "token will be issued. Add offline_access to the scope rows.",
            "config.no_offline_access"))
    for i, row in enumerate(account.token_params):
        if row.name.strip() != "scope":
            continue
        resources = scope_resources(row.value)
        if len(resources) > 1:
            issues.append(Issue(
                f"token_params[{i}].value", WARNING,
                "The token scope row names more than one resource ("
                + ", ".join(sorted(resources))
                + "); a token request may name only one. Keep one resource in this row.",
                "config.scope_mixed_resources"))
        names = row.value.split()
        if any(s.endswith("/.default") for s in names) and any(
            not s.endswith("/.default") and s.lower() not in OIDC_SCOPES for s in names
        ):
            issues.append(Issue(
                f"token_params[{i}].value", WARNING,
                "A /.default scope cannot be mixed with named scopes in one request.",
                "config.scope_mixed_resources"))
    if not account.is_app_only:
        issues += _scopes_agree(account)
    issues += _ews_rows(account)
    return issues


def _ews_rows(account: Account) -> list[Issue]:
    """EWS closes in Exchange Online (blocked from October 2026, off in April 2027)."""
    issues = []
    for which in ("token_params", "auth_params"):
        for i, row in enumerate(getattr(account, which)):
            if row.name.strip() == "scope" and any(
                    s.rsplit("/", 1)[-1].lower() == "ews.accessasuser.all"
                    for s in row.value.split()):
                issues.append(Issue(
                    f"{which}[{i}].value", WARNING,
                    "This row asks for EWS, which Exchange Online blocks from October 2026 "
                    "(unless the app is allow-listed) and switches off in April 2027; move "
                    "to Microsoft Graph, or to IMAP and SMTP for a mail client.",
                    "config.ews_scope"))
    return issues


def _scopes_agree(account: Account) -> list[Issue]:
    """A sign-in consents to what the authorize scope asks for, and the token request then
    asks for its own: the token row's resource must be among the authorize row's."""
    token_rows = [i for i, r in enumerate(account.token_params) if r.name.strip() == "scope"]
    auth_scopes = _scopes(account.auth_params)
    if not token_rows or not auth_scopes:
        return []
    wanted = scope_resources(account.token_params[token_rows[-1]].value)
    consented = scope_resources(auth_scopes[-1])
    missing = sorted(wanted - consented)
    if not missing:
        return []
    asked = ", ".join(sorted(consented)) or "no resource at all"
    return [Issue(f"token_params[{token_rows[-1]}].value", WARNING,
                  f"The token scope asks for {', '.join(missing)} but the sign-in (Auth "
                  f"endpoint scope) asks for {asked}; a sign-in needs both tables to name "
                  "the same resource. Scope presets can set both.",
                  "config.scope_resources_differ")]


def _app_only(account: Account) -> list[Issue]:
    """Client credentials need a confidential client, a real tenant and one /.default scope."""
    issues: list[Issue] = []
    if account.client_type == "public":
        issues.append(Issue(
            "client_type", ERROR, "An app-only account signs in as the application itself, "
            "with its client secret: set the client type to confidential.",
            "config.bad_choice"))
    tenant = (tenant_from_url(account.token_url) or "").lower()
    if tenant in SPECIAL_TENANTS or tenant == CONSUMERS_TENANT_ID:
        issues.append(Issue(
            "token_url", ERROR, f"An app-only account needs its own tenant in the token "
            f"URL; {tenant!r} does not work for client credentials. Use the directory "
            "(tenant) ID or a verified domain.", "config.app_needs_tenant", stops=AUTHORIZE))
    scopes = _scopes(account.token_params)
    names = scopes[-1].split() if scopes else []
    if len(names) != 1 or not names[0].endswith("/.default"):
        # on the scope row that is sent, so the form shows it there; no row: the whole list
        sent = [i for i, r in enumerate(account.token_params) if r.name.strip() == "scope"]
        where = f"token_params[{sent[-1]}].value" if sent else "token_params"
        issues.append(Issue(
            where, ERROR, "An app-only account needs one Token endpoint scope "
            "row holding exactly one RESOURCE/.default value, such as "
            "https://outlook.office365.com/.default.", "config.app_needs_default_scope",
            stops=AUTHORIZE))
    return issues


_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}"
_ADDRESS = re.compile(rf"{_LOCAL_PART}@{_DOMAIN}")
_DOMAIN_PATTERN = re.compile(rf"\*@{_DOMAIN}")
# The stored proxy password: scrypt$N$r$p$SALT$HASH (tui.core.proxy.passwords writes it)
PROXY_HASH = re.compile(r"scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]{16,})"
                        r"\$([A-Za-z0-9+/]{32,})")


def is_address(text: str) -> bool:
    """A plain mailbox address (what a mail client logs in with)."""
    return len(text) <= 254 and _ADDRESS.fullmatch(text) is not None and "*" not in text


def is_address_pattern(text: str) -> bool:
    """A mailbox address, or ``*@domain`` for every mailbox of a domain."""
    if text.startswith("*@"):
        return len(text) <= 254 and _DOMAIN_PATTERN.fullmatch(text) is not None
    return is_address(text)


def _proxy(account: Account) -> list[Issue]:
    """Proxy users must be addresses or *@domain; a stored password must be our hash."""
    issues: list[Issue] = []
    seen: set[str] = set()
    for i, user in enumerate(account.proxy_users):
        if not is_address_pattern(user.strip()):
            issues.append(Issue(f"proxy_users[{i}]", ERROR,
                                f"Proxy user {user!r} is not a mailbox address: give one like "
                                "scanner@contoso.com, or *@contoso.com for a whole domain.",
                                "config.proxy_user"))
        elif user.strip().lower() in seen:
            issues.append(Issue(f"proxy_users[{i}]", WARNING,
                                f"Proxy user {user!r} is listed twice.", "config.row_duplicate"))
        seen.add(user.strip().lower())
    if account.proxy_password_hash and not PROXY_HASH.fullmatch(account.proxy_password_hash):
        issues.append(Issue("proxy_password_hash", ERROR,
                            "The proxy password hash is damaged; set a new password with "
                            f"`exo-oauth proxy-password {account.label}`.",
                            "config.proxy_password"))
    elif account.proxy_users and not account.proxy_password_hash:
        issues.append(Issue("proxy_users", WARNING,
                            "Proxy users are listed but there is no proxy password yet, so "
                            f"nobody can log in; make one with `exo-oauth proxy-password "
                            f"{account.label}`.", "config.proxy_no_password"))
    return issues


def label_issues(label: str, taken_labels: Iterable[str] = ()) -> list[Issue]:
    """The label's own rules: required, unique, at most 64 characters, no control
    characters (each refused with its reason); not a plain word: a warning."""
    if not label.strip():
        return [Issue("label", ERROR, "Label is required: scripts use it to ask for a "
                                      "token.", "config.required")]
    issues: list[Issue] = []
    if label.strip() in {t.strip() for t in taken_labels}:
        issues.append(Issue("label", ERROR, f"Another account is already labelled "
                                            f"{label!r}; pick another label.",
                            "config.label_taken"))
    bad = [c for c in label if unicodedata.category(c) in ("Cc", "Zl", "Zp")
           or c in _BIDI_CONTROLS]
    if bad:
        issues.append(Issue("label", ERROR, f"The label holds a control character "
                                            f"({ascii(bad[0])[1:-1]}); labels are typed in "
                                            "scripts and shown in lists, so use visible "
                                            "characters only.", "config.label_invalid"))
    if len(label) > LABEL_MAX:
        issues.append(Issue("label", ERROR, f"The label is {len(label)} characters long; "
                                            f"keep it to {LABEL_MAX} or fewer.",
                            "config.label_invalid"))
    if bad:
        return issues
    if label.startswith("-"):
        issues.append(Issue("label", WARNING, f"{label!r} starts with '-', which commands "
                                              "take for an option; start it with a letter "
                                              "or a digit.", "config.label_odd"))
    elif not label_is_plain(label):
        quoted = "'" + label.replace("'", "'\"'\"'") + "'"
        issues.append(Issue("label", WARNING, f"{label!r} is not a plain word (letters, "
                                              "digits and . _ - @ + = : , / %), so scripts "
                                              f"must quote it: exo-oauth token {quoted}",
                            "config.label_odd"))
    return issues


def label_is_plain(label: str) -> bool:
    """A label a shell passes as it is: no quoting, and not taken for an option."""
    return _PLAIN_LABEL.fullmatch(label) is not None and not label.startswith("-")


def validate(account: Account, *, taken_labels: Iterable[str] = ()) -> list[Issue]:
    """All problems with an account. ``taken_labels``: labels of the *other* accounts.
    Errors stop a sign-in; those with ``stops_save`` also stop a save."""
    issues = label_issues(account.label, taken_labels)
    cid = account.client_id.strip()
    if not cid:
        issues.append(Issue("client_id", ERROR, "Client ID is required: copy the "
                                                "Application (client) ID from the app's "
                                                "Overview page.", "config.required"))
    elif not is_guid(cid):
        issues.append(Issue("client_id", WARNING, "Client ID does not look like a GUID; "
                                                  "Microsoft client IDs do.",
                            "config.client_id_not_guid"))
    if account.client_type not in CLIENT_TYPES:
        issues.append(Issue("client_type", ERROR, "Client type must be confidential or "
                                                  "public.", "config.bad_choice"))
    if account.flow not in FLOWS:
        issues.append(Issue("flow", ERROR, "Flow must be delegated (a person signs in) or "
                                           "app (client credentials).", "config.bad_choice"))
    elif account.is_app_only:
        issues += _app_only(account)
    if account.client_auth not in CLIENT_AUTHS:
        issues.append(Issue("client_auth", ERROR, "Client authentication must be post or "
                                                  "basic.", "config.bad_choice"))
    if account.client_type == "confidential" and not account.client_secret:
        issues.append(Issue("client_secret", ERROR,
                            "Client secret is empty: paste the secret's Value (not its ID), "
                            "or set the client type to public.", "config.secret_missing"))
    if account.client_type == "public" and account.client_secret:
        issues.append(Issue("client_secret", WARNING,
                            "A public client must not send a secret; it will not be sent. "
                            "Clear it, or set the client type to confidential.",
                            "config.public_with_secret"))
    issues += _endpoint(account, "authorize_url", "OAuth2 Endpoint (authorize URL)")
    issues += _endpoint(account, "token_url", "OAuth2 Token URL")
    issues += _swapped(account)
    if not any(i.is_error and i.field in ("authorize_url", "token_url") for i in issues):
        issues += _same_tenant(account)
    redirect = account.redirect_uri.strip()
    problem = _url_problem(redirect) if redirect else "is required"
    if problem:
        issues.append(Issue("redirect_uri", ERROR, f"Redirect URI {problem}.",
                            "config.bad_url"))
    else:
        rparts = urlsplit(redirect)
        if rparts.scheme == "http" and not is_loopback_host(rparts.hostname):
            issues.append(Issue("redirect_uri", WARNING,
                                "Redirect URI uses http:// to a host other than this "
                                "machine; Microsoft accepts http only for localhost.",
                                "config.insecure_http"))
    issues += _rows(account, "token_params", account.token_params)
    issues += _rows(account, "auth_params", account.auth_params)
    issues += _scope_rules(account)
    if account.proxy_users or account.proxy_password_hash:
        issues += _proxy(account)
    return issues


def errors(issues: Iterable[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]
