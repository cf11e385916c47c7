"""The loopback receiver: state checks, errors, timeouts, freeing its port, form posts."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tui.core.errors import OAuthError, UsageError
from tui.core.oauth.loopback import LoopbackReceiver
from tui.core.oauth.redirect import SignInTimeout

STATE = "st-" + "x" * 40


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(url)


async def test_loopback_ignores_wrong_state_and_other_paths_then_accepts() -> None:
    async with LoopbackReceiver(state=STATE, path="/cb") as rx:
        assert rx.host == "127.0.0.1"
        waiter = asyncio.create_task(rx.wait(timeout=5))
        base = f"http://127.0.0.1:{rx.port}"
        bad = await get(f"{base}/cb?code=C&state=nope")
        assert bad.status_code == 400 and "another sign-in" in bad.text
        assert (await get(f"{base}/favicon.ico")).status_code == 404
        assert (await get(f"{base}/other?code=C&state={STATE}")).status_code == 404
        assert not waiter.done()
        good = await get(f"{base}/cb?code=THECODE&state={STATE}&session_state=s")
        assert good.status_code == 200 and "close this tab" in good.text
        answer = await waiter
    assert answer.code == "THECODE" and rx.rejected == 1
    _assert_port_free(rx.port)


async def test_loopback_error_redirect() -> None:
    async with LoopbackReceiver(state=STATE) as rx:
        waiter = asyncio.create_task(rx.wait(timeout=5))
        page = await get(f"http://127.0.0.1:{rx.port}/?error=access_denied&state={STATE}")
        assert page.status_code == 200 and "access_denied" in page.text
        with pytest.raises(OAuthError):
            await waiter


async def test_loopback_timeout_and_port_release() -> None:
    rx = LoopbackReceiver(state=STATE)
    port = await rx.start()
    with pytest.raises(SignInTimeout) as info:
        await rx.wait(timeout=0.05)
    assert info.value.exit_code == 4
    _assert_port_free(port)


async def test_loopback_cancel_releases_port_even_with_an_idle_connection() -> None:
    rx = LoopbackReceiver(state=STATE)
    port = await rx.start()
    idle = socket.create_connection(("127.0.0.1", port))  # a browser's pre-connect
    waiter = asyncio.create_task(rx.wait(timeout=60))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    idle.close()
    _assert_port_free(port)


async def test_loopback_port_in_use() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        with pytest.raises(OAuthError) as info:
            await LoopbackReceiver(state=STATE, port=holder.getsockname()[1]).start()
        assert "--port" in str(info.value)
    finally:
        holder.close()


def _assert_port_free(port: int) -> None:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    finally:
        s.close()


def test_loopback_redirect_helpers() -> None:
    from tui.core.oauth.loopback import check_loopback_redirect, loopback_redirect, ssh_forward_line

    assert check_loopback_redirect("http://localhost:8400/cb") == 8400
    assert check_loopback_redirect("http://127.0.0.1/") is None
    for bad in ("https://localhost:8400", "http://example.com:8400",
                "https://login.microsoftonline.com/common/oauth2/nativeclient"):
        with pytest.raises(UsageError):
            check_loopback_redirect(bad)
    assert loopback_redirect("http://localhost:8400/cb", 9123) == "http://localhost:9123/cb"
    assert loopback_redirect("http://localhost", 9123) == "http://localhost:9123"
    line = ssh_forward_line(9123)
    assert line.startswith("ssh -L 9123:127.0.0.1:9123 ") and "@" in line


async def test_loopback_accepts_form_post() -> None:
    async with LoopbackReceiver(state=STATE) as rx:
        waiter = asyncio.create_task(rx.wait(timeout=5))
        async with httpx.AsyncClient() as client:
            page = await client.post(f"http://127.0.0.1:{rx.port}/",
                                     data={"code": "POSTED", "state": STATE})
        assert page.status_code == 200
        assert (await waiter).code == "POSTED"
