"""The HTTP side: a threaded loopback server, routing, latency, transport faults, and FakeIdP.

One thread per connection (ThreadingHTTPServer, daemon threads), so added
latency overlaps across concurrent requests instead of queueing. Keep-alive is
on (HTTP/1.1) because the benchmarks refresh hundreds of accounts through one
client. Protocol decisions live in authorize.py and token.py; this file only
moves bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import authorize, pages
from .claims import DEMO_USER_UPN, HOME_TENANT
from .control import control
from .graph import me, user
from .replies import Reply, html_reply, json_reply, parse_form
from .state import (
    DEFAULT_LIFETIME,
    DEVICE_POLICIES,
    EXPIRED_DEVICE_CODES,
    MICROSOFT_DEVICE_PAGE,
    UNKNOWN_TENANTS,
    Lifetime,
    State,
    check_lifetime,
)
from .token import TokenService

_OAUTH = re.compile(r"^/([^/]+)/oauth2/v2\.0/(authorize|token|devicecode)/?$")
_DISCOVERY = re.compile(r"^/([^/]+)/v2\.0/\.well-known/openid-configuration$")
_KEYS = re.compile(r"^/([^/]+)/discovery/v2\.0/keys$")
_USER = re.compile(r"^/v1\.0/users/([^/]+)$")
MAX_BODY = 1 << 20


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: FakeIdP) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-answer is normal here; anything else deserves a trace."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Close keep-alive connections so their threads end with the server."""
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections give their thread back
    wbufsize = 1 << 16  # headers and body leave in one write (no Nagle/delayed-ACK stall)
    server_version = "exo-oauth-fakeidp"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header follows the fake's clock, so a moved clock shows on the wire."""
        return email.utils.formatdate(
            self.server.app.now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log = self.server.app.log
        if log is not None:
            log(f"{self.address_string()} {format % args}")

    def _body(self) -> bytes | None:
        """The request body (Content-Length or chunked); None if unreadable or too large."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                try:
                    size = int(self.rfile.readline(100).split(b";")[0], 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(1000).strip():  # trailers
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(10)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self, method: str) -> None:
        raw = self._body()
        if raw is None:
            self.close_connection = True
            self._send(json_reply(400, {"error": "invalid_request",
                                        "error_description": "Unreadable or oversized body."}))
            return
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            reply = self.server.app.route(method, parts.path, parts.query, raw, headers)
        except Exception as exc:  # a bug in the fake must not hang the client
            reply = json_reply(500, {"error": "fake_bug", "error_description": repr(exc)})
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.fault == "drop":  # close without a single byte of answer
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.fault == "truncated":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(reply.body)


class FakeIdP:
    """A local Microsoft identity platform v2.0 on 127.0.0.1, for tests, the demo and benchmarks.

    Use ``with FakeIdP(...) as idp:`` or ``async with``; ``idp.base_url`` is ready
    inside. Tenants: every well-formed tenant exists except those in
    ``unknown_tenants`` (AADSTS90002); pass ``tenants=[...]`` to accept only those.
    App-only tokens carry ``claims.DEFAULT_APP_ROLES`` for their resource unless
    ``app_roles`` names others (``()``: as if no admin had granted any).

    As at Microsoft: access tokens live a random 60-90 minutes unless
    ``access_token_lifetime`` pins them (seconds, or a (low, high) range); ``refresh_in``
    comes with tokens of 2 hours or more (True: always, False: never); a used refresh
    token stays valid after rotation unless ``strict_rotation``; the device code answer
    names https://microsoft.com/devicelogin unless ``verification_uri`` is None (this
    fake's page). ``device_code_policy`` "block" or "block_silently" plays a tenant whose
    Conditional Access refuses device-code sign-ins; an expired device code is
    ``expired_device_code`` (70019 or 70020).
    """

    def __init__(self, *, clients: dict[str, str | None] | None = None,
                 auto_approve: float | None = None,
                 access_token_lifetime: Lifetime = DEFAULT_LIFETIME,
                 refresh_in: bool | None = None, numbers_as_strings: bool = False,
                 strict_rotation: bool = False,
                 refresh_token_lifetime: int = 90 * 86400, latency_ms: float = 0.0,
                 device_code_lifetime: int = 900, interval: int = 5, code_lifetime: int = 600,
                 device_code_policy: str = "allow", expired_device_code: int = 70019,
                 verification_uri: str | None = MICROSOFT_DEVICE_PAGE,
                 redirect_uris: Iterable[str] = (), tenants: Iterable[str] | None = None,
                 unknown_tenants: Iterable[str] = UNKNOWN_TENANTS, retry_after: int = 1,
                 app_roles: Iterable[str] | None = None,
                 host: str = "127.0.0.1", port: int = 0,
                 log: Callable[[str], None] | None = None) -> None:
        from .state import NATIVE_CLIENT, Options

        if device_code_policy not in DEVICE_POLICIES:
            raise ValueError(f"device_code_policy must be one of {', '.join(DEVICE_POLICIES)}")
        if expired_device_code not in EXPIRED_DEVICE_CODES:
            raise ValueError("expired_device_code must be 70019 or 70020")
        options = Options(
            auto_approve=auto_approve,
            access_token_lifetime=check_lifetime(access_token_lifetime),
            refresh_in=refresh_in, numbers_as_strings=numbers_as_strings,
            strict_rotation=strict_rotation,
            refresh_token_lifetime=refresh_token_lifetime, latency_ms=latency_ms,
            device_code_lifetime=device_code_lifetime, interval=interval,
            code_lifetime=code_lifetime, device_code_policy=device_code_policy,
            expired_device_code=expired_device_code, verification_uri=verification_uri,
            redirect_uris=(NATIVE_CLIENT, *redirect_uris),
            tenants=frozenset(tenants) if tenants is not None else None,
            unknown_tenants=frozenset(unknown_tenants), retry_after=retry_after,
            app_roles=None if app_roles is None else tuple(app_roles))
        if clients is not None:
            options.clients = dict(clients)
        self.options = options
        self.state = State(options)
        self.tokens = TokenService(self.state)
        self.log = log
        self.host = _loopback(host)
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def __repr__(self) -> str:
        running = "running" if self._server is not None else "stopped"
        return f"<FakeIdP {self.base_url} {running}>"

    # ---- life cycle ----------------------------------------------------------------
    def start(self) -> FakeIdP:
        if self._server is not None:
            return self
        cls = _Server6 if ":" in self.host else _Server
        self._server = cls((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self.tokens.base_url = self.base_url
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, args=(self._server,),
                                        name=f"fakeidp:{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve(self, server: _Server) -> None:
        """Accept until close(); close() wakes a blocked accept with a throwaway connection."""
        server.timeout = 1.0
        while not self._stopping.is_set():
            server.handle_request()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        host, port = server.server_address[:2]  # a str host: the server binds by name
        with contextlib.suppress(OSError), socket.create_connection(
                (str(host), port), timeout=1):
            pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        server.server_close()
        server.drop_connections()

    def __enter__(self) -> FakeIdP:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> FakeIdP:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)

    # ---- URLs --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def authorize_url(self, tenant: str = HOME_TENANT) -> str:
        return f"{self.base_url}/{quote(tenant, safe='')}/oauth2/v2.0/authorize"

    def token_url(self, tenant: str = HOME_TENANT) -> str:
        return f"{self.base_url}/{quote(tenant, safe='')}/oauth2/v2.0/token"

    def devicecode_url(self, tenant: str = HOME_TENANT) -> str:
        return f"{self.base_url}/{quote(tenant, safe='')}/oauth2/v2.0/devicecode"

    def discovery_url(self, tenant: str = HOME_TENANT) -> str:
        return f"{self.base_url}/{quote(tenant, safe='')}/v2.0/.well-known/openid-configuration"

    def jwks_url(self, tenant: str = HOME_TENANT) -> str:
        """Where the signing keys are published (the discovery document's jwks_uri)."""
        return f"{self.base_url}/{quote(tenant, safe='')}/discovery/v2.0/keys"

    @property
    def me_url(self) -> str:
        return f"{self.base_url}/v1.0/me"

    def user_url(self, who: str = DEMO_USER_UPN) -> str:
        """Graph-like /v1.0/users/{who}: what an app-only token may call instead of /me."""
        return f"{self.base_url}/v1.0/users/{quote(who, safe='@')}"

    @property
    def device_page_url(self) -> str:
        return f"{self.base_url}/devicelogin"

    # ---- controls ------------------------------------------------------------------------
    def stats(self) -> dict[str, dict[str, int]]:
        """Counts per group: endpoints, grant_types, issued, errors, faults.

        Requests count when they arrive (faulted or not); ``issued`` counts successes.
        """
        return self.state.stats.snapshot()

    def reset_stats(self) -> None:
        self.state.stats.reset()

    def inject(self, fault: str, count: int = 1, *, fraction: float | None = None,
               status: int | None = None) -> None:
        """Serve ``fault`` to the next ``count`` token requests, or to a ``fraction`` of them."""
        self.state.faults.add(fault, count, fraction=fraction, status=status)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def revoke_all(self) -> None:
        """Every refresh token issued so far now fails with AADSTS50173 (password reset)."""
        self.state.revoke_all()

    def approve_device(self, user_code: str) -> bool:
        """The person signs in for ``user_code``; False if the code is unknown, used or
        expired. Under a blocking device-code policy the sign-in is then refused."""
        return self.tokens.decide_device(user_code, True) is not None

    def decline_device(self, user_code: str) -> bool:
        return self.tokens.decide_device(user_code, False) is not None

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: codes, tokens and device codes age without sleeping."""
        self.state.clock.advance(seconds)

    def now(self) -> float:
        return self.state.clock.now()

    @property
    def latency_ms(self) -> float:
        return self.options.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self.options.latency_ms = value

    def check_token(self, token: str) -> dict[str, object] | None:
        """The claims of an access token this fake issued (expired or not), else None."""
        return self.tokens.minter.check(token)

    # ---- routing -------------------------------------------------------------------------
    def route(self, method: str, path: str, query: str, raw: bytes,
              headers: dict[str, str]) -> Reply:
        """One request in, one Reply out; counted per endpoint, delayed by the latency."""
        if path.startswith("/_fake/"):
            return control(self, method, path, raw)
        oauth, disco, who = _OAUTH.match(path), _DISCOVERY.match(path), _USER.match(path)
        keys = _KEYS.match(path)
        if oauth:
            name = oauth[2]
        elif disco:
            name = "openid-configuration"
        elif keys:
            name = "keys"
        elif who:
            name = "users"
        elif path in ("/devicelogin", "/v1.0/me"):
            name = path.rsplit("/", 1)[-1]
        else:
            return html_reply(404, pages.not_found(path))
        self.state.stats.count("endpoints", name)
        if self.options.latency_ms > 0:
            time.sleep(self.options.latency_ms / 1000.0)
        form = parse_form(raw if method == "POST" else query.encode())
        if oauth:
            tenant = unquote(oauth[1])
            if name == "authorize":
                if method == "POST":  # the consent page answering
                    return authorize.decide(self.state, form)
                return authorize.authorize(self.state, tenant, form, path)
            if method != "POST":
                return json_reply(405, {"error": "invalid_request",
                                        "error_description": "Use POST."})
            if name == "token":
                return self.tokens.token(tenant, form, headers)
            return self.tokens.devicecode(tenant, form, headers)
        if disco:
            return authorize.discovery(self.state, self.base_url, unquote(disco[1]))
        if keys:
            return authorize.keys(self.state, self.tokens.minter, unquote(keys[1]))
        if name == "devicelogin":
            return self._device_page(method, form)
        if who:
            return user(self.tokens.minter, self.now(), headers,
                        self.authorize_url("common"), unquote(who[1]))
        return me(self.tokens.minter, self.now(), headers, self.authorize_url("common"))

    def _device_page(self, method: str, form: dict[str, str]) -> Reply:
        code = form.get("user_code", "")
        if method == "GET":
            return html_reply(200, pages.device_entry("/devicelogin", code))
        approve = form.get("decision", "approve") == "approve"
        outcome = self.tokens.decide_device(code, approve)
        if outcome is not None:
            return html_reply(200, pages.device_done(outcome))
        return html_reply(400, pages.device_entry(
            "/devicelogin", code, "That code is unknown, expired or already used."))


def _loopback(host: str) -> str:
    """Only loopback addresses: the fake accepts any secret it was given and guards nothing."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the fake identity provider only listens on loopback, not {host!r}")
