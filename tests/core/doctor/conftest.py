"""Fixtures for the doctor tests: a certificate, the fake identity provider, a store, tokens."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from tui.core.model import Account, ParamRow
from tui.core.store.account_store import AccountStore
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, FakeIdP

GUID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789"
TENANT = "contoso.onmicrosoft.com"
SECRET = "Zq8~xVb3.Q0aHt5Lr-9WmYk2Pc7NsD4Fg6Je1Uo"
REFRESH = "0.AAAA-refresh-token-that-must-never-be-printed-" + "r" * 40
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


def account(label: str = "work", **kw: Any) -> Account:
    base: dict[str, Any] = dict(
        label=label, client_id=GUID, client_secret=SECRET,
        authorize_url=f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize",
        token_url=f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token")
    base.update(kw)
    return Account(**base)


def outlook_rows() -> dict[str, tuple[ParamRow, ...]]:
    rows = (ParamRow("scope", OUTLOOK_SCOPES),)
    return {"token_params": rows, "auth_params": rows}


def fake_account(idp: FakeIdP, label: str = "work", **kw: Any) -> Account:
    base: dict[str, Any] = dict(
        label=label, client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET,
        authorize_url=idp.authorize_url(), token_url=idp.token_url(),
        redirect_uri="http://localhost:8400")
    base.update(kw)
    return Account(**base)


async def sign_in(store: AccountStore, acct: Account, *, expired: bool = False) -> Account:
    """Add the account and authorize it through the fake (which approves at once)."""
    import httpx

    from tui.core.oauth.redirect import parse_answer
    from tui.core.oauth.service import OAuthService

    store.add(acct)
    async with OAuthService() as service:
        request = service.authorize_request(acct)
        async with httpx.AsyncClient() as browser:
            page = await browser.get(request.url)
        answer = parse_answer(page.headers["location"], request.state)
        result = await service.exchange_code(acct, answer.code, request)
    state = result.apply_to(store.token_state(acct), keep_refresh_token=False)
    if expired:
        from dataclasses import replace

        state = replace(state, expires_at=time.time() - 10)
    store.save_token_state(state)
    return store.get(acct.label)
