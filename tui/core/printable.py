"""Text from files and the network made safe for a terminal: control characters (escape
codes, line breaks, bidi overrides) shown as escapes, so a label cannot disturb it."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with every character Python calls unprintable written as its escape."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)
