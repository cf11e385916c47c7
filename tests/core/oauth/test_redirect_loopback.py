"""Pasted answers and the loopback receiver, without an identity provider."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from tui.core.errors import OAuthError, UsageError
from tui.core.oauth.loopback import LoopbackReceiver
from tui.core.oauth.pkce import Pkce, new_state, new_verifier, s256
from tui.core.oauth.redirect import SignInTimeout, StateMismatch, parse_answer

STATE = "st-" + "x" * 40


def test_pkce_and_state_shapes() -> None:
    verifier = new_verifier()
    assert 43 <= len(verifier) <= 128
    assert Pkce.new().method == "S256"
    assert len(new_state()) >= 43 and new_state() != new_state()


def test_rfc7636_example_challenge() -> None:
    # RFC 7636 appendix B
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    "text",
    [
        f"http://localhost:8400/?code=THECODE&state={STATE}&session_state=abc",
        f"  http://localhost:8400/cb?code=THECODE&state={STATE}&iss=https%3A%2F%2Flogin \n",
        f"?code=THECODE&state={STATE}",
        f"code=THECODE&state={STATE}&client_info=e30",
        f"<http://localhost/#code=THECODE&state={STATE}>",
    ],
)
def test_pasted_forms(text: str) -> None:
    answer = parse_answer(text, STATE)
    assert answer.code == "THECODE" and answer.state == STATE


def test_extra_parameters_are_kept() -> None:
    answer = parse_answer(f"http://x/?code=C&state={STATE}&session_state=s&iss=i", STATE)
    assert answer.extra == {"session_state": "s", "iss": "i"}


def test_bare_code() -> None:
    answer = parse_answer("1.AXoA-bc_12~x.y", STATE)
    assert answer.code == "1.AXoA-bc_12~x.y" and answer.state is None


@pytest.mark.parametrize("text", [f"http://x/?code=C&state=other{STATE}", "http://x/?code=C"])
def test_wrong_or_missing_state(text: str) -> None:
    with pytest.raises(StateMismatch):
        parse_answer(text, STATE)


@pytest.mark.parametrize("text", ["", "http://localhost:8400/", "two words", "http://x/?state=s"])
def test_unusable_pastes(text: str) -> None:
    with pytest.raises(UsageError):
        parse_answer(text, STATE)


def test_error_redirect_becomes_oauth_error() -> None:
    text = ("http://localhost:8400/?error=invalid_request&error_description=AADSTS900144%3a+The+"
            "request+body+must+contain+the+following+parameter%3a+%27response_type%27.%0d%0a"
            "Trace+ID%3a+t-1%0d%0aCorrelation+ID%3a+c-1%0d%0aTimestamp%3a+2021-07-19+23%3a21%3a09Z"
            f"&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d900144&state={STATE}")
    with pytest.raises(OAuthError) as info:
        parse_answer(text, STATE)
    err = info.value
    assert err.error == "invalid_request" and err.codes == (900144,)
    assert err.trace_id == "t-1" and err.correlation_id == "c-1"
    assert err.timestamp == "2021-07-19 23:21:09Z"


def test_user_cancel_redirect() -> None:
    with pytest.raises(OAuthError) as info:
        parse_answer(f"http://localhost/?error=access_denied&error_subcode=cancel&state={STATE}",
                     STATE)
    assert info.value.error == "access_denied" and info.value.suberror == "cancel"


# -- loopback receiver ----------------------------------------------------------------


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


def test_pasting_the_sign_in_address_itself() -> None:
    with pytest.raises(UsageError) as info:
        parse_answer("https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c"
                     f"&response_type=code&state={STATE}", STATE)
    assert "sign-in address itself" in str(info.value)


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
