"""Why a proxied login could not go upstream; each maps to a troubleshooting entry.

Both are temporary failures for the client (IMAP ``NO [UNAVAILABLE]``, POP3
``-ERR [SYS/TEMP]``, SMTP ``454 4.7.0``): the local password was right, so
trying again later, after the fix, can work.
"""

from __future__ import annotations

from tui.core.errors import ExitCode, ExoError


class UpstreamUnavailable(ExoError):
    """The mail server could not be reached, or its TLS certificate was not trusted."""

    exit_code = ExitCode.PROVIDER

    def __init__(self, message: str, *, entry: str = "proxy.upstream_unreachable") -> None:
        super().__init__(message)
        self.entry = entry


class UpstreamRefused(ExoError):
    """The mail server refused the XOAUTH2 login with the account's token."""

    exit_code = ExitCode.PROVIDER

    def __init__(self, message: str, reply: str = "") -> None:
        super().__init__(message)
        self.reply = reply
        self.entry = "proxy.upstream_refused"
