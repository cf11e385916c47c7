"""Loopback servers for the doctor tests: a self-signed certificate, a TLS endpoint with a
chosen Date header, a small IMAP responder over TLS, an aiosmtpd SMTP server with STARTTLS
and XOAUTH2, and a port that accepts but never answers."""

from __future__ import annotations

import asyncio
import base64
import collections
import datetime
import ipaddress
import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.smtp import SMTP, AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Cert:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """Trusts exactly this self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_cert(folder: Path, name: str = "localhost") -> Cert:
    """A self-signed certificate for localhost and 127.0.0.1 (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "exo-oauth tests")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Cert(cert_path, key_path)


# -- an HTTP(S) endpoint whose Date header the test chooses ---------------------------------


class _DateHandler(BaseHTTPRequestHandler):
    server: DateServer
    protocol_version = "HTTP/1.1"

    def date_time_string(self, timestamp: float | None = None) -> str:
        return self.server.date()

    def do_GET(self) -> None:
        body = json.dumps({"error": "invalid_request",
                           "error_description": "GET is not supported here."}).encode()
        self.send_response(405)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class DateServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, date: Callable[[], str], context: ssl.SSLContext | None) -> None:
        super().__init__((HOST, 0), _DateHandler)
        self.date = date
        if context is not None:
            self.socket = context.wrap_socket(self.socket, server_side=True)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that refuse our certificate hang up mid-handshake


@contextmanager
def date_server(date: Callable[[], str], context: ssl.SSLContext | None = None
                ) -> Iterator[str]:
    """Yield the base URL of a server answering every GET with 405 and the given Date."""
    server = DateServer(date, context)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    scheme = "https" if context else "http"
    try:
        yield f"{scheme}://{HOST}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- TLS handshakes only ----------------------------------------------------------------------


class _TLSHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            with self.server.context.wrap_socket(self.request, server_side=True) as tls:  # type: ignore[attr-defined]
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[int]:
    """Run ``server`` in a thread for the block; yield its port; stop it cleanly."""
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def tls_server(context: ssl.SSLContext) -> Iterator[int]:
    """Yield the port of a server that completes TLS handshakes and waits for the client."""
    server = socketserver.ThreadingTCPServer((HOST, 0), _TLSHandler)
    server.daemon_threads = True
    server.context = context  # type: ignore[attr-defined]
    with serving(server) as port:
        yield port


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never says a word."""
    sock = socket.socket()
    sock.bind((HOST, 0))
    sock.listen(8)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# -- IMAP over TLS ------------------------------------------------------------------------------


def parse_xoauth2(blob: bytes) -> tuple[str, str]:
    parts = blob.decode().split("\x01")
    user = parts[0].removeprefix("user=")
    token = parts[1].removeprefix("auth=Bearer ")
    return user, token


@dataclass
class MailLog:
    """What a test server saw and decides: the token it accepts and the logins tried."""

    accept: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    xoauth2: bool = True
    error_challenge: bool = False  # answer a bad token Gmail-style: "+ <json>" first
    refusal: str = "NO AUTHENTICATE failed."
    smtp_refusal: str = "535 5.7.3 Authentication unsuccessful [test]"
    # the longest AUTH command line the SMTP server takes (Dovecot's submission: ~1 KB);
    # a SASL continuation line may still be long
    smtp_auth_line: int = 16384


class _IMAPHandler(socketserver.StreamRequestHandler):
    server: _IMAPServer

    def setup(self) -> None:
        self.request = self.server.context.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.request.close()  # the TLS socket that setup() put in place

    def say(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        log = self.server.log
        self.say("* OK test IMAP4rev1 server ready")
        while True:
            line = self.rfile.readline(65536).decode().rstrip("\r\n")
            if not line:
                return
            tag, _, rest = line.partition(" ")
            command = rest.split(" ")
            verb = command[0].upper()
            if verb == "CAPABILITY":
                auth = " AUTH=XOAUTH2 SASL-IR" if log.xoauth2 else " AUTH=PLAIN"
                self.say(f"* CAPABILITY IMAP4rev1{auth}")
                self.say(f"{tag} OK CAPABILITY completed.")
            elif verb == "AUTHENTICATE" and command[1:2] == ["XOAUTH2"] and log.xoauth2:
                self.say("+ ")
                user, token = parse_xoauth2(base64.b64decode(self.rfile.readline().strip()))
                log.logins.append((user, token))
                if token in log.accept:
                    self.say(f"{tag} OK AUTHENTICATE completed.")
                    continue
                if log.error_challenge:
                    detail = json.dumps({"status": "401", "schemes": "Bearer"}).encode()
                    self.say("+ " + base64.b64encode(detail).decode())
                    self.rfile.readline()
                self.say(f"{tag} {log.refusal.replace('TOKEN', token)}")
            elif verb == "LOGOUT":
                self.say("* BYE see you")
                self.say(f"{tag} OK LOGOUT completed.")
                return
            else:
                self.say(f"{tag} BAD command unknown or arguments invalid")


class _IMAPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, log: MailLog) -> None:
        super().__init__((HOST, 0), _IMAPHandler)
        self.context = context
        self.log = log

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@contextmanager
def imap_server(context: ssl.SSLContext, log: MailLog) -> Iterator[int]:
    server = _IMAPServer(context, log)
    with serving(server) as port:
        yield port


# -- SMTP with STARTTLS (aiosmtpd) ----------------------------------------------------------------


class XOAuth2Handler:
    """aiosmtpd handler adding AUTH XOAUTH2: accepts the tokens in ``log.accept``."""

    def __init__(self, log: MailLog) -> None:
        self.log = log

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 2:
            blob = base64.b64decode(args[1])
        else:
            answer = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            blob = answer
        user, token = parse_xoauth2(blob)
        self.log.logins.append((user, token))
        if token in self.log.accept:
            return AuthResult(success=True)
        if self.log.error_challenge:
            detail = json.dumps({"status": "401", "schemes": "Bearer"})
            await server.challenge_auth(detail)  # the client answers with an empty line
        return AuthResult(success=False, handled=False, message=self.log.smtp_refusal)


class _XOAuthSMTP(SMTP):
    """aiosmtpd with room for an AUTH line carrying a JWT (RFC 4954 allows 12,288 octets)."""

    line_length_limit = 16384

    def __init__(self, *args: object, auth_line: int = 16384, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.command_size_limits = collections.defaultdict(  # this instance's own table
            lambda: SMTP.command_size_limit, {"AUTH": auth_line})


class _PlainOnly:
    """A handler with no AUTH methods of its own: the server offers only PLAIN."""


@contextmanager
def smtp_server(context: ssl.SSLContext, log: MailLog, *, implicit_tls: bool = False
                ) -> Iterator[int]:
    """aiosmtpd on its own loop thread: STARTTLS required before AUTH (or TLS from the
    start with ``implicit_tls``); only XOAUTH2 is offered."""
    loop = asyncio.new_event_loop()
    handler: object = XOAuth2Handler(log) if log.xoauth2 else _PlainOnly()

    def factory() -> SMTP:
        return _XOAuthSMTP(handler, hostname="mail.test", loop=loop,
                           auth_line=log.smtp_auth_line,
                           tls_context=None if implicit_tls else context,
                           require_starttls=not implicit_tls,
                           auth_require_tls=not implicit_tls,
                           auth_exclude_mechanism=["LOGIN", "PLAIN"] if log.xoauth2
                           else ["LOGIN"])

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def serve() -> asyncio.Server:
        return await loop.create_server(factory, HOST, 0,
                                        ssl=context if implicit_tls else None)

    async def close(server: asyncio.Server) -> None:
        server.close()
        await server.wait_closed()

    server = asyncio.run_coroutine_threadsafe(serve(), loop).result(5)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        asyncio.run_coroutine_threadsafe(close(server), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
