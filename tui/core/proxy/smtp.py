"""The SMTP submission side before login (RFC 6409, 4954, 3207): EHLO/HELO, STARTTLS,
AUTH PLAIN and AUTH LOGIN, NOOP, RSET, QUIT. Mail commands wait for a login.

EHLO offers only extensions every submission server it fronts is expected to
have (8BITMIME, ENHANCEDSTATUSCODES, PIPELINING), because after login the
client talks to the upstream server directly.
"""

from __future__ import annotations

import re

from .front import Closed, Front
from .sasl import BadInput, decode_line, decode_plain
from .upstream import LoggedIn

_VERB = re.compile(rb"([A-Za-z]{1,12})(?: +(.*?))? *\r?\n\Z", re.S)
USERNAME = b"334 VXNlcm5hbWU6\r\n"  # "Username:"
PASSWORD = b"334 UGFzc3dvcmQ6\r\n"  # "Password:"
REFUSED = b"535 5.7.8 Authentication credentials invalid\r\n"


def parse_command(line: bytes) -> tuple[str, bytes]:
    """(VERB, argument) of one command line."""
    m = _VERB.match(line)
    if not m:
        raise BadInput("a command is a keyword and an optional argument")
    arg = m.group(2) or b""
    if b"\r" in arg or b"\n" in arg or b"\0" in arg:
        raise BadInput("a control character in the argument")
    return m.group(1).decode("ascii").upper(), arg


class SmtpFront(Front):
    kind = "smtp"

    async def greet(self) -> None:
        await self.send(b"220 localhost ESMTP exo-oauth mail proxy ready\r\n")

    def extensions(self) -> list[bytes]:
        ext = [b"8BITMIME", b"ENHANCEDSTATUSCODES", b"PIPELINING"]
        if self.tls_offered:
            ext.append(b"STARTTLS")
        if self.login_allowed:
            ext.append(b"AUTH PLAIN LOGIN")
        return ext

    async def command(self) -> LoggedIn | None:
        try:
            verb, arg = parse_command(await self.line())
        except BadInput:
            await self.send(b"500 5.5.2 Syntax error\r\n")
            return None
        if verb == "EHLO":
            lines = [b"localhost", *self.extensions()]
            await self.send(b"".join(b"250-" + x + b"\r\n" for x in lines[:-1])
                            + b"250 " + lines[-1] + b"\r\n")
        elif verb == "HELO":
            await self.send(b"250 localhost\r\n")
        elif verb in ("NOOP", "RSET"):
            await self.send(b"250 2.0.0 OK\r\n")
        elif verb == "QUIT":
            await self.send(b"221 2.0.0 Bye\r\n")
            raise Closed
        elif verb == "STARTTLS":
            if not self.tls_offered:
                await self.send(b"502 5.5.1 STARTTLS is not available here\r\n")
            else:
                await self.send(b"220 2.0.0 Ready to start TLS\r\n")
                await self.start_tls()
        elif verb == "AUTH":
            if not self.login_allowed:
                await self.send(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
                return None
            return await self._auth(arg)
        elif verb in ("MAIL", "RCPT", "DATA", "BDAT", "VRFY", "EXPN"):
            await self.send(b"530 5.7.0 Authentication required\r\n")
        else:
            await self.send(b"502 5.5.2 Command not recognized\r\n")
        return None

    async def _auth(self, arg: bytes) -> LoggedIn | None:
        parts = arg.split()
        mechanism = parts[0].upper() if parts else b""
        if mechanism not in (b"PLAIN", b"LOGIN") or len(parts) > 2:
            await self.send(b"504 5.5.4 Only AUTH PLAIN and AUTH LOGIN are supported\r\n")
            return None
        try:
            if mechanism == b"PLAIN":
                if len(parts) == 2:
                    response = parts[1]
                else:
                    await self.send(b"334 \r\n")
                    response = await self._response()
                address, password = decode_plain(response)
            else:
                if len(parts) == 2:
                    address = decode_line(parts[1])
                else:
                    await self.send(USERNAME)
                    address = decode_line(await self._response())
                await self.send(PASSWORD)
                password = decode_line(await self._response())
        except _Cancelled:
            await self.send(b"501 5.7.0 Authentication cancelled\r\n")
            return None
        except BadInput:
            await self.send(b"501 5.5.2 Cannot decode the response\r\n")
            return None
        result = await self.login(address, password) if address and password else None
        if result is None:
            await self.send(REFUSED)
            return None
        if isinstance(result, str):
            await self.send(b"454 4.7.0 Temporary authentication failure: "
                            + result.encode() + b"\r\n")
            return None
        await self.send(result.reply)
        return result

    async def _response(self) -> bytes:
        data = await self.line()
        if data.strip() == b"*":
            raise _Cancelled
        return data


class _Cancelled(Exception):
    pass

