"""Tenants and national clouds: from "contoso.com on usgov" to the two endpoint URLs.

Kept apart from the model because the CLI (`--tenant/--cloud`), the form's
helper and the validator all need the same answers. The error class is imported
only to raise it: a list answered from its cache names tenants without the
dataclasses the errors are made of.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .errors import UsageError

TENANT_PLACEHOLDER = "<tenant-id>"

# cloud name -> (login host, Graph base URL)
CLOUDS: dict[str, tuple[str, str]] = {
    "global": ("login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": ("login.microsoftonline.us", "https://graph.microsoft.us"),
    "china": ("login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
# Other host names that mean one of the clouds above.
HOST_ALIASES: dict[str, str] = {
    "login.windows.net": "global",
    "login.microsoft.com": "global",
    "login.partner.microsoftonline.cn": "china",
}
SPECIAL_TENANTS = ("common", "organizations", "consumers")
CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_DOMAIN_RE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I
)


def is_guid(value: str) -> bool:
    return bool(GUID_RE.match(value.strip()))


def check_tenant(tenant: str) -> str:
    """Return the tenant cleaned up, or raise UsageError saying what a tenant looks like."""
    t = tenant.strip()
    if t.lower() in SPECIAL_TENANTS:
        return t.lower()
    if is_guid(t):
        return t.lower()
    if _DOMAIN_RE.match(t):
        return t.lower()
    raise _usage_error(
        f"{tenant!r} is not a tenant: use the directory (tenant) ID GUID, a verified "
        "domain such as contoso.onmicrosoft.com, or common / organizations / consumers."
    )


def _usage_error(message: str) -> UsageError:
    from .errors import UsageError

    return UsageError(message)


def check_cloud(cloud: str) -> str:
    c = cloud.strip().lower()
    if c not in CLOUDS:
        raise _usage_error(f"Unknown cloud {cloud!r}; choose one of: {', '.join(CLOUDS)}.")
    return c


def endpoint_urls(tenant: str, cloud: str = "global") -> tuple[str, str]:
    """(authorize URL, token URL) for a tenant in a cloud."""
    t = check_tenant(tenant)
    host = CLOUDS[check_cloud(cloud)][0]
    base = f"https://{host}/{t}/oauth2/v2.0"
    return f"{base}/authorize", f"{base}/token"


def default_urls() -> tuple[str, str]:
    base = f"https://login.microsoftonline.com/{TENANT_PLACEHOLDER}/oauth2/v2.0"
    return f"{base}/authorize", f"{base}/token"


def tenant_from_url(url: str) -> str | None:
    """The tenant segment of a Microsoft endpoint URL (first path segment), if any."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    segs = [s for s in parts.path.split("/") if s]
    if not segs or segs[0] in ("oauth2",):
        return None
    return segs[0]


def cloud_of_url(url: str) -> str | None:
    """Which national cloud a URL's host belongs to, or None for another provider."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    for name, (login_host, _graph) in CLOUDS.items():
        if host == login_host:
            return name
    return HOST_ALIASES.get(host)


def graph_base_for(token_url: str) -> str:
    """Graph base URL matching the account's cloud (global when unknown)."""
    return CLOUDS[cloud_of_url(token_url) or "global"][1]


def is_microsoft_host(url: str) -> bool:
    return cloud_of_url(url) is not None
