"""Which mailbox addresses may log in through the proxy, and with which account.

An account lists exact addresses (``scanner@contoso.com``) and whole domains
(``*@contoso.com``). Matching ignores case. An exact entry beats a domain entry;
among equals the account file's order decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}"
_ADDRESS = re.compile(rf"{_LOCAL}@{_DOMAIN}")
_PATTERN = re.compile(rf"(?:{_LOCAL}|\*)@{_DOMAIN}")

T = TypeVar("T")


def is_address(text: str) -> bool:
    """A plain mailbox address (what a client logs in with)."""
    return len(text) <= 254 and _ADDRESS.fullmatch(text) is not None and "*" not in text


def is_pattern(text: str) -> bool:
    """An address or ``*@domain``; anything else is refused by validation."""
    if text.startswith("*@"):
        return len(text) <= 254 and _PATTERN.fullmatch(text) is not None
    return is_address(text)


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
