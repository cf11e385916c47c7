"""Helpers shared by the oauth tests: accounts on the fake, a browser stand-in, linked clocks."""

from __future__ import annotations

import re
from html import unescape

import httpx

from tui.core.clock import ManualClock
from tui.core.model import Account, ParamRow
from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID, FakeIdP

REDIRECT = "http://localhost:8400"


def fake_account(idp: FakeIdP, *, public: bool = False, tenant: str = "contoso.example",
                 label: str = "work", **kw: object) -> Account:
    base: dict[str, object] = dict(
        label=label,
        client_id=DEMO_PUBLIC_CLIENT_ID if public else DEMO_CLIENT_ID,
        client_secret="" if public else DEMO_CLIENT_SECRET,
        client_type="public" if public else "confidential",
        authorize_url=idp.authorize_url(tenant), token_url=idp.token_url(tenant),
        redirect_uri=REDIRECT,
    )
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


def with_scope(account: Account, scope: str) -> Account:
    from dataclasses import replace

    return replace(account, token_params=(ParamRow("scope", scope),),
                   auth_params=(ParamRow("scope", scope),))


class LinkedClock(ManualClock):
    """A manual clock whose sleeps also move the fake's clock, so both agree on time."""

    def __init__(self, idp: FakeIdP) -> None:
        super().__init__(start=idp.now())
        self.idp = idp
        self.short_sleeps = 0  # make the next N sleeps end early (to provoke slow_down)

    async def sleep(self, seconds: float) -> None:
        if self.short_sleeps:
            self.short_sleeps -= 1
            self.sleeps.append(seconds)
            self.advance(1.0)
            self.idp.advance(1.0)
            return
        self.idp.advance(max(0.0, seconds))
        await super().sleep(seconds)


async def browse(url: str, *, approve: bool = True) -> httpx.Response:
    """Play the person in the browser: open the authorize URL, approve (or cancel) consent,
    and stop at the redirect back to the application (never following it)."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        page = await browser.get(url)
        if page.status_code == 200 and "request_id" in page.text:
            action = unescape(re.search(r'action="([^"]+)"', page.text)[1])  # type: ignore[index]
            request_id = unescape(
                re.search(r'name="request_id" value="([^"]+)"', page.text)[1])  # type: ignore[index]
            page = await browser.post(httpx.URL(url).join(action), data={
                "request_id": request_id, "decision": "approve" if approve else "decline"})
        return page


async def final_location(url: str, *, approve: bool = True) -> str:
    page = await browse(url, approve=approve)
    assert page.status_code == 302, page.text[:300]
    return page.headers["location"]
