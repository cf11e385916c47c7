"""A one-shot HTTP receiver on 127.0.0.1 for the authorize redirect.

It listens on loopback only (reach it from a laptop with ``ssh -L``), accepts a GET
on the redirect path whose ``state`` is ours, answers the browser with a short
page, and hands back the code. A wrong or missing state gets a 400 and the
receiver keeps waiting; anything else gets a 404. Both the query form and
``response_mode=form_post`` (a POST of the same fields) are understood. Closing (or cancelling the
wait) closes the listening socket and every open connection, so the port is free
again at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from tui.core.errors import OAuthError, UsageError

from .redirect import RedirectAnswer, SignInTimeout, StateMismatch, check_params

HOST = "127.0.0.1"
DEFAULT_TIMEOUT_S = 600.0
READ_TIMEOUT_S = 10.0
MAX_HEAD = 16 * 1024

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>exo-oauth</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:4em auto;line-height:1.5}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""
PAGE_OK = ("Signed in", "exo-oauth received the answer from your identity provider. "
           "You can close this tab and go back to the terminal.")
PAGE_ERROR = ("Sign-in did not work", "Your identity provider sent back an error: {error}. "
              "The terminal shows what it means and what to try next.")
PAGE_STATE = ("Not the sign-in we are waiting for", "This answer belongs to another sign-in "
              "attempt (its state value differs), so exo-oauth ignored it. Use the link that "
              "exo-oauth printed for this run.")
PAGE_NOT_FOUND = ("Nothing here", "exo-oauth only listens for the sign-in answer.")


def _page(title: str, text: str) -> bytes:
    return _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()


class LoopbackReceiver:
    """Waits for one redirect carrying our state. Use ``async with`` and ``await wait()``."""

    def __init__(self, *, state: str, path: str = "/", port: int = 0, host: str = HOST) -> None:
        self.state = state
        self.path = path or "/"
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[RedirectAnswer] | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.rejected = 0  # wrong-state answers seen (for the caller's log)

    async def start(self) -> int:
        """Bind and listen; returns the port (useful when 0 asked for a free one)."""
        loop = asyncio.get_running_loop()
        self._result = loop.create_future()
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port,
                                                      reuse_address=True)
        except OSError as exc:
            raise OAuthError(f"Cannot listen on {self.host}:{self.port} for the sign-in answer "
                             f"({exc.strerror or exc}); choose another port with --port.",
                             kind="network") from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def wait(self, timeout: float | None = DEFAULT_TIMEOUT_S) -> RedirectAnswer:
        """The answer, or SignInTimeout / OAuthError (error redirect). Cancel to give up."""
        if self._result is None:
            await self.start()
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            minutes = f"{timeout / 60:g} minutes" if timeout and timeout >= 60 else f"{timeout} s"
            raise SignInTimeout(f"No sign-in answer arrived within {minutes}; run authorize "
                                "again when you are ready to sign in.") from None
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop listening and drop open connections (idempotent)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def __aenter__(self) -> LoopbackReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            if len(head) > MAX_HEAD:
                return
            form = b""
            length = _content_length(head)
            if head.startswith(b"POST ") and 0 < length <= MAX_HEAD:  # response_mode=form_post
                form = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT_S)
            status, body = self._answer(head, form)
            await self._send(writer, status, body)
        except (ConnectionError, OSError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _answer(self, head: bytes, form: bytes = b"") -> tuple[int, bytes]:
        try:
            method, target, _version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        except ValueError:
            return 400, _page(*PAGE_NOT_FOUND)
        parts = urlsplit(target)
        if method not in ("GET", "POST") or (parts.path or "/") != self.path:
            return 404, _page(*PAGE_NOT_FOUND)
        query = form.decode("utf-8", "replace") if method == "POST" else parts.query
        params = dict(parse_qsl(query, keep_blank_values=True))
        if "code" not in params and "error" not in params:
            return 404, _page(*PAGE_NOT_FOUND)
        # the future still waiting for an answer; None once one came (or before start)
        waiting = self._result if self._result is not None and not self._result.done() else None
        try:
            answer = check_params(params, self.state)
        except StateMismatch:
            self.rejected += 1
            return 400, _page(*PAGE_STATE)
        except OAuthError as exc:
            if waiting is not None:
                waiting.set_exception(exc)
            title, text = PAGE_ERROR
            return 200, _page(title, text.format(error=exc.error or "unknown"))
        except Exception as exc:  # an empty code and the like
            if waiting is not None:
                waiting.set_exception(exc)
            return 400, _page(PAGE_ERROR[0], str(exc))
        if waiting is not None:
            waiting.set_result(answer)
        return 200, _page(*PAGE_OK)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
                "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n")
        writer.write(head.encode("latin-1") + body)
        await writer.drain()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return -1
    return 0


def redirect_path(redirect_uri: str) -> str:
    return urlsplit(redirect_uri).path or "/"


def check_loopback_redirect(redirect_uri: str, label: str = "this account") -> int | None:
    """The port of an http loopback redirect URI (None when it names none); else UsageError."""
    parts = urlsplit(redirect_uri.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host not in ("localhost", "127.0.0.1", "::1"):
        raise UsageError(
            f"Loopback sign-in needs an http://localhost redirect URI, and {label} has "
            f"{redirect_uri!r}. Use the device code or paste method, or register and set "
            "http://localhost:8400 as the redirect URI.")
    return parts.port


def loopback_redirect(redirect_uri: str, port: int) -> str:
    """The redirect URI with the port the receiver really listens on (Microsoft ignores
    the port of http://localhost redirect URIs, so any port matches the registration)."""
    parts = urlsplit(redirect_uri.strip())
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return urlunsplit(("http", f"{host}:{port}", parts.path, "", ""))


def ssh_forward_line(port: int) -> str:
    """The exact command that forwards the port from a person's computer to this machine."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    return f"ssh -L {port}:127.0.0.1:{port} {user}@{socket.gethostname()}"
