"""The IMAP side before login (RFC 9051 / 3501): CAPABILITY, NOOP, ID, STARTTLS, LOGIN,
AUTHENTICATE PLAIN (with or without SASL-IR), LOGOUT. Literals, synchronizing and
LITERAL+, are read in full before a command is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .front import Closed, Front
from .sasl import BadInput, decode_plain, text
from .upstream import LoggedIn

LITERAL_AT_END = re.compile(rb"\{(\d{1,9})(\+?)\}\r?\n\Z")
MAX_COMMAND = 64 * 1024
_ATOM_END = b" ()\r\n"
_TAG_BAD = re.compile(rb'[\x00-\x20\x7f(){%*"\\+]')
_LITERAL = re.compile(rb"\{(\d{1,9})\+?\}\r?\n")


@dataclass(frozen=True)
class Command:
    tag: str
    name: str  # upper case
    args: tuple[bytes, ...]  # atoms, quoted strings (unescaped) and literals; ( and ) as is


def parse_command(data: bytes) -> Command:
    """One complete command (literals inline, CRLF at the end); BadInput if malformed."""
    if not data.endswith(b"\n"):
        raise BadInput("a command ends with CRLF")
    body = data[:-2] if data.endswith(b"\r\n") else data[:-1]
    pos = 0
    tokens: list[bytes] = []
    spaced = True  # a token may start here (line start, after a space or a parenthesis)
    while pos < len(body):
        char = body[pos:pos + 1]
        if char == b" ":
            if spaced:
                raise BadInput("two spaces in a row, or a space at the start")
            pos += 1
            spaced = True
            if pos == len(body):
                raise BadInput("a space at the end")
            continue
        if not spaced and char != b")":
            raise BadInput("tokens must be separated by a space")
        if char in (b"(", b")"):
            tokens.append(char)
            pos += 1
            spaced = char == b"("
            continue
        if char == b'"':
            value, pos = _quoted(body, pos + 1)
        elif char == b"{":
            value, pos = _literal(body, pos)
        else:
            end = pos
            while end < len(body) and body[end:end + 1] not in (b" ", b"(", b")"):
                if body[end] < 0x20 or body[end] == 0x7F or body[end:end + 1] in b'"{':
                    raise BadInput("a control character or quote inside an atom")
                end += 1
            value, pos = body[pos:end], end
        tokens.append(value)
        spaced = False
    if len(tokens) < 2 or _TAG_BAD.search(tokens[0]) or not tokens[1].isalpha():
        raise BadInput("a command is a tag and a command name")
    if body[:len(tokens[0])] != tokens[0]:
        raise BadInput("the tag must be an atom")
    return Command(tokens[0].decode("ascii", "replace"), tokens[1].decode("ascii").upper(),
                   tuple(tokens[2:]))


def _quoted(body: bytes, pos: int) -> tuple[bytes, int]:
    out = bytearray()
    while pos < len(body):
        char = body[pos]
        if char == 0x22:  # closing quote
            return bytes(out), pos + 1
        if char == 0x5C:  # backslash: only \\ and \" are allowed
            nxt = body[pos + 1:pos + 2]
            if nxt not in (b"\\", b'"'):
                raise BadInput("a bad escape in a quoted string")
            out += nxt
            pos += 2
            continue
        if char in (0x0D, 0x0A, 0x00):
            raise BadInput("a line break inside a quoted string")
        out.append(char)
        pos += 1
    raise BadInput("a quoted string without its closing quote")


def _literal(body: bytes, pos: int) -> tuple[bytes, int]:
    m = _LITERAL.match(body, pos)
    if not m:
        raise BadInput("a malformed literal")
    start = m.end()
    end = start + int(m.group(1))
    if end > len(body):
        raise BadInput("a literal longer than the data")
    return body[start:end], end


def quote(value: str) -> bytes:
    """A string as an IMAP quoted string (for replies)."""
    return b'"' + value.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class ImapFront(Front):
    kind = "imap"

    def capabilities(self) -> bytes:
        caps = [b"IMAP4rev1", b"SASL-IR", b"LITERAL+", b"ID"]
        if self.tls_offered:
            caps.append(b"STARTTLS")
        caps += [b"AUTH=PLAIN"] if self.login_allowed else [b"LOGINDISABLED"]
        return b" ".join(caps)

    async def greet(self) -> None:
        await self.send(b"* OK [CAPABILITY " + self.capabilities()
                        + b"] exo-oauth mail proxy ready\r\n")

    async def read_command(self) -> bytes:
        data = await self.line()
        while m := LITERAL_AT_END.search(data):
            count = int(m.group(1))
            if len(data) + count > MAX_COMMAND:
                await self.send(b"* BYE Command too long\r\n")
                self.slog("closed: a command was too long")
                raise Closed
            if not m.group(2):
                await self.send(b"+ Ready for literal data\r\n")
            data += await self.exact(count)
            data += await self.line()
        return data

    async def command(self) -> LoggedIn | None:
        data = await self.read_command()
        try:
            cmd = parse_command(data)
        except BadInput as exc:
            tag = data.split(b" ", 1)[0] if b" " in data else b"*"
            if _TAG_BAD.search(tag):
                tag = b"*"
            await self.send(tag + b" BAD " + str(exc).encode() + b"\r\n")
            return None
        tag = cmd.tag.encode()
        if cmd.name == "CAPABILITY":
            await self.send(b"* CAPABILITY " + self.capabilities() + b"\r\n" + tag
                            + b" OK CAPABILITY completed\r\n")
        elif cmd.name == "NOOP":
            await self.send(tag + b" OK NOOP completed\r\n")
        elif cmd.name == "ID":
            await self.send(b"* ID NIL\r\n" + tag + b" OK ID completed\r\n")
        elif cmd.name == "LOGOUT":
            await self.send(b"* BYE Logging out\r\n" + tag + b" OK LOGOUT completed\r\n")
            raise Closed
        elif cmd.name == "STARTTLS":
            if not self.tls_offered:
                await self.send(tag + b" BAD STARTTLS is not available here\r\n")
            else:
                await self.send(tag + b" OK Begin TLS negotiation now\r\n")
                await self.start_tls()
        elif cmd.name == "LOGIN":
            if len(cmd.args) != 2:
                await self.send(tag + b" BAD LOGIN takes a user name and a password\r\n")
                return None
            return await self._login(tag, cmd.args[0], cmd.args[1])
        elif cmd.name == "AUTHENTICATE":
            return await self._authenticate(tag, cmd.args)
        else:
            await self.send(tag + b" BAD Log in first\r\n")
        return None

    async def _authenticate(self, tag: bytes, args: tuple[bytes, ...]) -> LoggedIn | None:
        if not args or args[0].upper() != b"PLAIN" or len(args) > 2:
            await self.send(tag + b" NO [CANNOT] Only AUTHENTICATE PLAIN is supported\r\n")
            return None
        if not self.login_allowed:
            await self.send(tag + b" NO [PRIVACYREQUIRED] Use STARTTLS first\r\n")
            return None
        if len(args) == 2:
            response = args[1]
        else:
            await self.send(b"+ \r\n")
            response = await self.line()
        if response.strip() == b"*":
            await self.send(tag + b" BAD Authentication cancelled\r\n")
            return None
        try:
            address, password = decode_plain(response)
        except BadInput as exc:
            await self.send(tag + b" BAD " + str(exc).encode() + b"\r\n")
            return None
        return await self._finish(tag, address, password)

    async def _login(self, tag: bytes, user: bytes, password: bytes) -> LoggedIn | None:
        if not self.login_allowed:
            await self.send(tag + b" NO [PRIVACYREQUIRED] Use STARTTLS first\r\n")
            return None
        try:
            return await self._finish(tag, text(user), text(password))
        except BadInput:
            await self.send(tag + b" NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
            return None

    async def _finish(self, tag: bytes, address: str, password: str) -> LoggedIn | None:
        result = await self.login(address, password)
        if result is None:
            await self.send(tag + b" NO [AUTHENTICATIONFAILED] Authentication failed\r\n")
            return None
        if isinstance(result, str):
            await self.send(tag + b" NO [UNAVAILABLE] " + result.encode() + b"\r\n")
            return None
        await self.send(b"".join(result.untagged) + tag + b" " + result.reply)
        return result
