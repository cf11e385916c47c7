"""The server itself: latency, concurrency without queueing, loopback only, clean shutdown."""

from __future__ import annotations

import asyncio
import socket
import time

import httpx
import pytest

from tui.fakeidp import FakeIdP

from .helpers import CONF, SECRET, get_code, redeem


def test_binds_loopback_on_a_free_port() -> None:
    with FakeIdP() as a, FakeIdP() as b:
        assert a.base_url.startswith("http://127.0.0.1:") and a.port != b.port != 0
        assert a._server is not None and a._server.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeIdP(host=host)


def test_latency_is_added(http: httpx.Client) -> None:
    with FakeIdP(latency_ms=100) as idp:
        started = time.perf_counter()
        http.get(idp.discovery_url())
        assert time.perf_counter() - started >= 0.1
        idp.latency_ms = 250  # changeable while running
        started = time.perf_counter()
        http.get(idp.discovery_url())
        assert time.perf_counter() - started >= 0.25


async def test_concurrent_requests_do_not_queue() -> None:
    async with (FakeIdP(clients={CONF: SECRET}, auto_approve=0) as idp,
                httpx.AsyncClient(limits=httpx.Limits(max_connections=32)) as client):
        with httpx.Client() as sync:
            tokens = [redeem(sync, idp, get_code(sync, idp)).json()["refresh_token"]
                      for _ in range(16)]
        idp.latency_ms = 100

        async def one(rt: str) -> int:
            r = await client.post(idp.token_url(), data={
                "client_id": CONF, "client_secret": SECRET, "grant_type": "refresh_token",
                "refresh_token": rt, "scope": "User.Read"})
            return r.status_code

        started = time.perf_counter()
        codes = await asyncio.gather(*(one(rt) for rt in tokens))
        elapsed = time.perf_counter() - started
        assert codes == [200] * 16
        assert 0.1 <= elapsed < 1.2, elapsed  # one at a time would take at least 1.6 s
        assert idp.stats()["issued"]["refresh_token"] == 16


def test_clean_shutdown_with_a_keep_alive_connection_open() -> None:
    idp = FakeIdP().start()
    url = idp.discovery_url()
    with httpx.Client() as client:
        assert client.get(url).status_code == 200  # leaves a pooled connection open
        thread = idp._thread
        started = time.perf_counter()
        idp.close()
        assert time.perf_counter() - started < 2
        assert thread is not None and not thread.is_alive()
        with pytest.raises(httpx.TransportError):
            client.get(url)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", idp.port), timeout=1):
        pass
    idp.close()  # closing twice is harmless


def test_keep_alive_reuses_one_connection(idp: FakeIdP, http: httpx.Client) -> None:
    for _ in range(3):
        http.get(idp.discovery_url())
    assert idp._server is not None and len(idp._server.open_sockets) == 1


def test_clock_moves_over_http(idp: FakeIdP, http: httpx.Client) -> None:
    before = idp.now()
    r = http.post(f"{idp.base_url}/_fake/clock", json={"advance": 3600})
    assert r.json()["now"] >= before + 3600
    assert http.post(f"{idp.base_url}/_fake/clock", json={"advance": "soon"}).status_code == 400
    assert http.get(f"{idp.base_url}/_fake/revoke").status_code == 405
    assert http.post(f"{idp.base_url}/_fake/nothing").status_code == 404


def test_chunked_and_bad_bodies(idp: FakeIdP, http: httpx.Client) -> None:
    body = (f"client_id={CONF}&client_secret={SECRET}&grant_type=refresh_token&refresh_token=x"
            "&scope=User.Read")
    r = http.post(idp.token_url(), content=iter([body[:20].encode(), body[20:].encode()]),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.json()["error_codes"] == [9002313]  # the whole chunked body was read
    for length in (b"lots", b"-5", str((1 << 20) + 1).encode()):
        with socket.create_connection(("127.0.0.1", idp.port), timeout=5) as sock:
            sock.sendall(b"POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: " + length + b"\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 400"), length


def test_repr(idp: FakeIdP) -> None:
    assert repr(idp) == f"<FakeIdP {idp.base_url} running>"
