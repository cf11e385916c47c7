"""Endpoints derived from an account's URLs: device code, discovery documents, Graph /me.

Microsoft's endpoints follow one pattern, so they are derived; any other identity
provider publishes its device authorization endpoint in its discovery document.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from tui.core.errors import UsageError
from tui.core.tenant import cloud_of_url, graph_base_for

_V2_TOKEN_RE = re.compile(r"^(.*)/oauth2/v2\.0/token/?$")
_V1_TOKEN_RE = re.compile(r"^(.*)/oauth2(?:/v1\.0)?/token/?$")


def discovery_candidates(token_url: str) -> list[str]:
    """Where an identity provider's discovery document may live, most likely first."""
    parts = urlsplit(token_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    found: list[str] = []
    m = _V2_TOKEN_RE.match(path)
    if m:
        found.append(f"{origin}{m.group(1)}/v2.0/.well-known/openid-configuration")
    m = _V1_TOKEN_RE.match(path)
    if m:
        found.append(f"{origin}{m.group(1)}/.well-known/openid-configuration")
    segs = [s for s in path.split("/") if s][:-1]
    for n in range(len(segs), -1, -1):
        prefix = "/".join(segs[:n])
        found.append(f"{origin}/{prefix + '/' if prefix else ''}.well-known/openid-configuration")
    found.append(f"{origin}/.well-known/oauth-authorization-server")
    return list(dict.fromkeys(found))


def devicecode_url(token_url: str) -> str:
    """Microsoft: the device code endpoint sits beside the token endpoint."""
    parts = urlsplit(token_url.strip())
    if not parts.path.endswith("/token"):
        raise UsageError(f"The token URL {token_url} does not end in /token, so the device "
                         "code endpoint cannot be derived from it.")
    return urlunsplit(parts._replace(path=parts.path[: -len("token")] + "devicecode"))


def graph_me_url(token_url: str) -> str:
    """Graph /me for the account's national cloud; a loopback provider (the local fake
    behind the demo) serves its own /v1.0/me."""
    parts = urlsplit(token_url.strip())
    host = (parts.hostname or "").lower()
    if cloud_of_url(token_url) is None and host in ("127.0.0.1", "localhost", "::1"):
        return f"{parts.scheme}://{parts.netloc}/v1.0/me"
    return f"{graph_base_for(token_url)}/v1.0/me"
