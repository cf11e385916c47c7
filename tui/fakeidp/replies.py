"""One answer type, so the protocol code never touches sockets and the server never decides."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    fault: str | None = None  # a transport fault the server must act out (truncated, drop)


def json_reply(status: int, obj: object, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(obj, separators=(",", ":")).encode("utf-8"),
                 "application/json; charset=utf-8",
                 (("Cache-Control", "no-store"), ("Pragma", "no-cache"), *headers))


def html_reply(status: int, html: str) -> Reply:
    return Reply(status, html.encode("utf-8"), "text/html; charset=utf-8")


def redirect(location: str) -> Reply:
    return Reply(302, b"", "text/html; charset=utf-8", (("Location", location),))


def parse_form(raw: bytes) -> dict[str, str]:
    """Form fields (or a query string); the first of repeated names wins."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        out.setdefault(key, value)
    return out
