"""The token scope row when an account switches between delegated and app-only.

Delegated scopes (``User.Read``, ``https://outlook.office.com/IMAP.AccessAsUser.All``,
``offline_access``) cannot be used with client credentials: Microsoft wants exactly
one ``RESOURCE/.default`` there (AADSTS1002012 otherwise). When the resource is
plain from the scopes (Graph or Exchange Online), the row can be rewritten for the
person instead of leaving them a validation error; anything else (another API, a
row mixing resources) is left alone for the validator to explain. The swap
remembers the rows it replaced so switching back can undo it, as long as nobody
edited the row in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .model import ParamRow
from .resources import (
    EXCHANGE_HOSTS,
    EXCHANGE_RESOURCE,
    GRAPH,
    GRAPH_RESOURCE,
    OIDC_SCOPES,
    OUTLOOK,
    audience_kind,
)


def _resource(scope: str, graph: str) -> str | None:
    """The resource a delegated scope belongs to, if it is Graph or Outlook; else None."""
    if "://" not in scope:
        return None if "/" in scope else graph  # a bare name (User.Read) is a Graph scope
    parts = urlsplit(scope)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or not host:
        return None
    kind = audience_kind(f"https://{host}")
    if kind == OUTLOOK and host in EXCHANGE_HOSTS:
        return EXCHANGE_RESOURCE
    return f"https://{host}" if kind in (GRAPH, OUTLOOK) else None


def app_only_scope(value: str, graph: str = GRAPH_RESOURCE) -> str | None:
    """The ``RESOURCE/.default`` scope to use instead of ``value``; None to leave it be
    (already right, empty, another API's scopes, or several resources).

    ``graph``: the Graph resource bare scope names mean (the account's national cloud).
    """
    words = value.split()
    # never part of a client-credentials request (offline_access least of all: no refresh token)
    names = [w for w in words if w.lower() not in OIDC_SCOPES]
    found = {_resource(name, graph) for name in names}
    if len(found) != 1 or None in found:
        return None
    new = f"{found.pop()}/.default"
    return None if words == [new] else new


@dataclass(frozen=True)
class ScopeSwap:
    """Token rows before and after the switch to app-only, and the scope values swapped."""

    before: tuple[ParamRow, ...]
    after: tuple[ParamRow, ...]
    old: str
    new: str

    def undo(self, current: tuple[ParamRow, ...]) -> tuple[ParamRow, ...] | None:
        """The rows to restore when switching back; None once the person changed them."""
        return self.before if current == self.after else None


def swap_to_app_only(rows: tuple[ParamRow, ...],
                     graph: str = GRAPH_RESOURCE) -> ScopeSwap | None:
    """Rewrite the scope row that is sent (the last one named scope) for client
    credentials; None when there is nothing to rewrite (see app_only_scope)."""
    index = next((i for i in reversed(range(len(rows))) if rows[i].name.strip() == "scope"),
                 None)
    if index is None:
        return None
    old = rows[index]
    new = app_only_scope(old.value, graph)
    if new is None:
        return None
    after = (*rows[:index], ParamRow(old.name, new), *rows[index + 1:])
    return ScopeSwap(rows, after, old.value, new)
