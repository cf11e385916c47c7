"""What every doctor check shares: the ``Check`` finding, its statuses, the run's options.

The check modules (local, token, network, mail) and the runner (diagnose) all
import from here and from nowhere else in the doctor, so none of them imports
another's module just for these words.
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.troubleshoot.redact import MARKER, redact

if TYPE_CHECKING:
    from tui.core.oauth.service import OAuthService

PASS = "pass"
WARN = "warn"
FAIL = "fail"
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Check:
    """One finding: ``fix`` says what to do (empty on a pass); ``entry`` is a catalog id."""

    name: str
    status: str
    detail: str
    fix: str = ""
    entry: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail,
                "fix": self.fix, "entry": self.entry}


@dataclass(frozen=True)
class MailServer:
    """Where to try a real mail login: ``--imap``/``--smtp`` HOST[:PORT]."""

    host: str
    port: int
    implicit_tls: bool = False  # SMTP on 465: TLS from the first byte instead of STARTTLS

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Options:
    """What to check beyond the account itself, and the seams tests use."""

    imap: MailServer | None = None
    smtp: MailServer | None = None
    user: str | None = None
    cafile: str | None = None
    context: ssl.SSLContext | None = None  # trust for TLS; default: cafile, else httpx's
    timeout: float = DEFAULT_TIMEOUT_S
    resolver: Callable[..., Any] = socket.getaddrinfo
    now: Callable[[], float] = time.time
    service: OAuthService | None = field(default=None, repr=False)


# -- helpers every check module uses ----------------------------------------------------


def scrub(text: str, secrets: Iterable[str], *, shapes: bool = True) -> str:
    """``text`` without any of ``secrets`` (exact values) and, with ``shapes``, without
    anything shaped like a token (for text that came from outside)."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MARKER)
    return redact(text) if shapes else text


def advice(thing: object, label: str) -> tuple[str, str]:
    """(catalog entry id, its steps on one line with LABEL filled in) for an error or message."""
    from tui.core.troubleshoot.catalog import match, resolution_for

    found = match(thing)
    if not found:
        return "", ""
    entry = found[0].entry
    steps = resolution_for(entry, label) if label else entry.resolution
    if len(steps) <= 1:
        return entry.id, steps[0] if steps else entry.title
    return entry.id, " ".join(f"({n}) {step}" for n, step in enumerate(steps, 1))


def exc_text(exc: BaseException, timeout: float | None = None) -> str:
    """A short, secret-free reason for a low-level failure."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message or exc.reason}"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, socket.gaierror):
        return exc.strerror or str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError):
        if isinstance(exc.errno, int) and exc.errno > 0:  # asyncio words these its own way
            return os.strerror(exc.errno)
        if exc.strerror:
            return exc.strerror
    return redact(str(exc).strip()) or type(exc).__name__


def failure(name: str, what: str, exc: BaseException, *, label: str,
            timeout: float | None = None, status: str = FAIL, note: str = "") -> Check:
    """A Check for a network or protocol failure, matched to the troubleshooting catalog."""
    reason = exc_text(exc, timeout)
    entry, fix = advice(exc, label)
    if not entry:
        entry, fix = advice(reason, label)
    return Check(name, status, f"{what}: {reason}{note}", fix, entry)
