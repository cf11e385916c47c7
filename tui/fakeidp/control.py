"""/_fake/*: stats, revoke, faults, clock and reset over HTTP, for other processes and the demo.

Bodies may be JSON objects or form fields; answers are JSON.
"""

from __future__ import annotations

import json
from typing import Protocol

from . import errors
from .replies import Reply, json_reply, parse_form
from .state import State


class Controlled(Protocol):
    """What the control routes drive: the running identity provider (server.FakeIdP),
    named here so the server can route to this module without the two importing each other."""

    state: State

    def stats(self) -> dict[str, dict[str, int]]: ...
    def reset_stats(self) -> None: ...
    def revoke_all(self) -> None: ...
    def now(self) -> float: ...
    def advance(self, seconds: float) -> None: ...
    def clear_faults(self) -> None: ...
    def inject(self, fault: str, count: int = 1, *, fraction: float | None = None,
               status: int | None = None) -> None: ...


def control(idp: Controlled, method: str, path: str, raw: bytes) -> Reply:
    try:
        body = json.loads(raw) if raw.strip().startswith(b"{") else parse_form(raw)
    except ValueError:
        return json_reply(400, {"error": "the body is not valid JSON"})
    if path == "/_fake/stats" and method == "GET":
        return json_reply(200, idp.stats())
    if path == "/_fake/faults" and method == "GET":
        return json_reply(200, {"faults": idp.state.faults.pending()})
    if method != "POST":
        return json_reply(405, {"error": "use POST"})
    if path == "/_fake/revoke":
        idp.revoke_all()
        return json_reply(200, {"revoked": True,
                                "tokens_valid_from": errors.utc_stamp(idp.now())})
    if path == "/_fake/reset":
        idp.reset_stats()
        idp.clear_faults()
        return json_reply(200, {"reset": True})
    if path == "/_fake/clock":
        try:
            idp.advance(float(body.get("advance", 0)))
        except (TypeError, ValueError):
            return json_reply(400, {"error": "advance must be a number of seconds"})
        return json_reply(200, {"now": idp.now()})
    if path == "/_fake/faults":
        if body.get("clear"):
            idp.clear_faults()
            return json_reply(200, {"faults": []})
        try:
            fraction = body.get("fraction")
            status = body.get("status")
            idp.inject(str(body.get("fault", "")), int(body.get("count", 1)),
                       fraction=float(fraction) if fraction is not None else None,
                       status=int(status) if status is not None else None)
        except (TypeError, ValueError) as exc:
            return json_reply(400, {"error": str(exc)})
        return json_reply(200, {"faults": idp.state.faults.pending()})
    return json_reply(404, {"error": f"nothing at {path}"})
