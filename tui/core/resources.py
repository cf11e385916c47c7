"""Which Microsoft API a scope or a token audience belongs to: Graph, Exchange Online, other.

The validator (one resource per token request), the app-only scope rewrite
(``RESOURCE/.default``) and the doctor's look at a token's audience all ask the
same question; this is the one table they answer it from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

GRAPH = "graph"
OUTLOOK = "outlook"
OTHER = "other"
KIND_NAMES = {GRAPH: "Microsoft Graph", OUTLOOK: "Outlook (IMAP, POP, SMTP, EWS)"}

GRAPH_RESOURCE = "https://graph.microsoft.com"
# Exchange Online answers to two host names. Delegated scopes are compared under the
# first; its app-only scope (RESOURCE/.default) is documented under the second.
OUTLOOK_RESOURCE = "https://outlook.office.com"
EXCHANGE_RESOURCE = "https://outlook.office365.com"
EXCHANGE_HOSTS = ("outlook.office.com", "outlook.office365.com")

# Sign-in scopes of OpenID Connect (and offline_access): they name no resource.
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})

# Audience values by resource: URLs (any cloud) and the first-party application IDs.
_GRAPH_AUDIENCES = {
    "https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000",
    "https://graph.microsoft.us", "https://dod-graph.microsoft.us",
    "https://microsoftgraph.chinacloudapi.cn", "https://canary.graph.microsoft.com",
}
_OUTLOOK_AUDIENCES = {
    "https://outlook.office.com", "https://outlook.office365.com",
    "00000002-0000-0ff1-ce00-000000000000", "https://outlook.office365.us",
    "https://outlook-dod.office365.us", "https://partner.outlook.cn",
}


def audience_kind(aud: str) -> str:
    """GRAPH, OUTLOOK or OTHER for a token audience or a resource URL."""
    value = aud.strip().rstrip("/").lower()
    if value in _GRAPH_AUDIENCES:
        return GRAPH
    if value in _OUTLOOK_AUDIENCES:
        return OUTLOOK
    return OTHER


def scope_resources(scopes: str) -> set[str]:
    """Resources named by a scope string; bare names (User.Read) mean Graph."""
    found: set[str] = set()
    for scope in scopes.split():
        if scope.lower() in OIDC_SCOPES:
            continue
        if "://" in scope:
            host = (urlsplit(scope).hostname or "").lower()
            found.add(OUTLOOK_RESOURCE if host in EXCHANGE_HOSTS else f"https://{host}")
        elif scope.startswith("api://"):
            found.add(scope.rsplit("/", 1)[0])
        else:
            found.add(GRAPH_RESOURCE)
    return found
