"""The POP3 side before login (RFC 1939, 2449, 5034): CAPA, USER/PASS, AUTH PLAIN, STLS, QUIT."""

from __future__ import annotations

import re

from .front import Closed, Front
from .sasl import BadInput, decode_plain, text
from .upstream import LoggedIn

_VERB = re.compile(rb"([A-Za-z]{1,12})(?: (.*?))?\r?\n\Z", re.S)


def parse_command(line: bytes) -> tuple[str, bytes]:
    """(VERB, argument) of one command line; the argument keeps inner spaces (PASS)."""
    m = _VERB.match(line)
    if not m:
        raise BadInput("a command is a keyword and an optional argument")
    arg = m.group(2) or b""
    if b"\r" in arg or b"\n" in arg or b"\0" in arg:
        raise BadInput("a control character in the argument")
    return m.group(1).decode("ascii").upper(), arg


class PopFront(Front):
    kind = "pop"
    user = ""

    async def greet(self) -> None:
        await self.send(b"+OK exo-oauth mail proxy ready\r\n")

    def capa(self) -> bytes:
        lines = [b"+OK Capability list follows"]
        if self.login_allowed:
            lines += [b"USER", b"SASL PLAIN"]
        if self.tls_offered:
            lines.append(b"STLS")
        lines += [b"RESP-CODES", b"AUTH-RESP-CODE", b"."]
        return b"\r\n".join(lines) + b"\r\n"

    async def command(self) -> LoggedIn | None:
        try:
            verb, arg = parse_command(await self.line())
        except BadInput as exc:
            await self.send(b"-ERR " + str(exc).encode() + b"\r\n")
            return None
        if verb == "CAPA":
            await self.send(self.capa())
        elif verb == "QUIT":
            await self.send(b"+OK Bye\r\n")
            raise Closed
        elif verb == "NOOP":
            await self.send(b"+OK\r\n")
        elif verb == "STLS":
            if not self.tls_offered:
                await self.send(b"-ERR STLS is not available here\r\n")
            else:
                await self.send(b"+OK Begin TLS negotiation now\r\n")
                await self.start_tls()
        elif not self.login_allowed and verb in ("USER", "PASS", "AUTH"):
            await self.send(b"-ERR [AUTH] Use STLS first\r\n")
        elif verb == "USER":
            try:
                self.user = text(arg).strip()
            except BadInput:
                self.user = ""
            await self.send(b"+OK\r\n" if self.user else b"-ERR USER takes an address\r\n")
        elif verb == "PASS":
            if not self.user:
                await self.send(b"-ERR USER first\r\n")
                return None
            user, self.user = self.user, ""
            try:
                password = text(arg)
            except BadInput:
                password = ""
            return await self._finish(user, password)
        elif verb == "AUTH":
            return await self._auth(arg)
        else:
            await self.send(b"-ERR Log in first\r\n")
        return None

    async def _auth(self, arg: bytes) -> LoggedIn | None:
        parts = arg.split(b" ")
        if not arg:  # the list of mechanisms (RFC 1734 clients ask this way)
            await self.send(b"+OK\r\nPLAIN\r\n.\r\n")
            return None
        if parts[0].upper() != b"PLAIN" or len(parts) > 2:
            await self.send(b"-ERR Only AUTH PLAIN is supported\r\n")
            return None
        if len(parts) == 2:
            response = parts[1]
        else:
            await self.send(b"+ \r\n")
            response = await self.line()
        if response.strip() == b"*":
            await self.send(b"-ERR Authentication cancelled\r\n")
            return None
        try:
            address, password = decode_plain(response)
        except BadInput as exc:
            await self.send(b"-ERR " + str(exc).encode() + b"\r\n")
            return None
        return await self._finish(address, password)

    async def _finish(self, address: str, password: str) -> LoggedIn | None:
        result = await self.login(address, password) if password else None
        if result is None:
            await self.send(b"-ERR [AUTH] Authentication failed\r\n")
            return None
        if isinstance(result, str):
            await self.send(b"-ERR [SYS/TEMP] " + result.encode() + b"\r\n")
            return None
        await self.send(result.reply)
        return result
