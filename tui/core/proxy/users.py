"""Which mailbox addresses may log in through the proxy, and with which account.

An account lists exact addresses (``scanner@contoso.com``) and whole domains
(``*@contoso.com``); tui.core.validate checks their form. Matching ignores case. An
exact entry beats a domain entry; among equals the account file's order decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")


def rank(pattern: str, address: str) -> int:
    """2: exact match, 1: the address's domain, 0: no match."""
    pattern, address = pattern.strip().lower(), address.strip().lower()
    if pattern == address:
        return 2
    if pattern.startswith("*@") and "@" in address and address.rsplit("@", 1)[1] == pattern[2:]:
        return 1
    return 0


def candidates(entries: Iterable[tuple[T, Iterable[str]]], address: str) -> list[T]:
    """The items whose patterns match ``address``, exact matches first, in order."""
    ranked: list[tuple[int, int, T]] = []
    for order, (item, patterns) in enumerate(entries):
        best = max((rank(p, address) for p in patterns), default=0)
        if best:
            ranked.append((-best, order, item))
    return [item for _, _, item in sorted(ranked, key=lambda r: (r[0], r[1]))]
