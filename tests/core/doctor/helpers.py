"""Helpers for the doctor tests: access tokens with chosen claims, Outlook scope rows."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from tui.core.model import ParamRow

OUTLOOK_SCOPES = ("offline_access https://outlook.office.com/IMAP.AccessAsUser.All "
                  "https://outlook.office.com/SMTP.Send")
GRAPH_AUD = "https://graph.microsoft.com"
OUTLOOK_AUD = "https://outlook.office.com"
USER = "demo.user@contoso.example"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_jwt(*, now: float | None = None, **claims: Any) -> str:
    """An unsigned JWT-shaped token with these claims (plus sensible defaults).

    ``now`` pins iat/nbf/exp, so a test that compares against a fixed time stays exact.
    """
    now = int(time.time() if now is None else now)
    body = {"aud": GRAPH_AUD, "scp": "User.Read", "exp": now + 3600, "nbf": now, "iat": now,
            "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "upn": USER, "name": "Demo User"}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return f"{b64({'typ': 'JWT', 'alg': 'RS256'})}.{b64(body)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def outlook_rows() -> dict[str, tuple[ParamRow, ...]]:
    rows = (ParamRow("scope", OUTLOOK_SCOPES),)
    return {"token_params": rows, "auth_params": rows}
