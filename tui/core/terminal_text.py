"""Text from outside (the account file, token files, the identity provider, mail servers,
clients of the proxy) made safe to put on a terminal: shown, never executed.

A terminal acts on some characters instead of drawing them: C0 and C1 controls start
escape sequences (ESC [ ... moves the cursor or clears the screen, ESC ] ... retitles
the window or writes the clipboard, 0x9b is CSI on its own), and Unicode's bidi
overrides and isolates reorder what follows them, so ``abc\\u202etxt.exe`` reads as
something else. Each such character is written as an escape (``\\x1b``, ``\\u202e``), so
the sequence shows as text a person can read; every other character (accents, CJK,
emoji and the joiners emoji need) is kept as it is.

Stdlib ``re`` only: any layer may use it, the token fast path included.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; the Arabic letter mark, left-to-right and right-to-left
# marks; line and paragraph separators, bidi embeddings and overrides (U+2028-U+202E);
# bidi isolates (U+2066-U+2069); lone surrogates (from undecodable file names), which
# cannot be written to a UTF-8 terminal at all.
_CONTROLS = "\x00-\x1f"
_CONTROLS_BUT_LINES = "\x00-\x08\x0b-\x1f"  # line feed and tab allowed
_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_RE = re.compile(f"[{_CONTROLS}{_OTHERS}]")
_UNSAFE_LINES_RE = re.compile(f"[{_CONTROLS_BUT_LINES}{_OTHERS}]")


def _escape(match: re.Match[str]) -> str:
    """C0 controls as Python writes them (``\\n``, ``\\x1b``); the rest as ``\\uXXXX``, which
    JSON reads back as the same character, so escaped JSON output stays valid and exact."""
    char = match.group()
    if char < " ":
        return char.encode("unicode_escape").decode("ascii")
    return f"\\u{ord(char):04x}"


def terminal_safe(text: str, *, lines: bool = False, limit: int | None = None) -> str:
    """``text`` with every control, escape and bidi character written as an escape.

    ``lines``: keep line feeds and tabs (text shown on several lines); otherwise they
    are escaped too, so one value stays on one line. ``limit``: cut to at most this
    many characters (after escaping), ending in "...".
    """
    if text.isprintable() and (limit is None or len(text) <= limit):
        return text  # every character escaped below is unprintable: nothing to do
    pattern = _UNSAFE_LINES_RE if lines else _UNSAFE_RE
    if limit is not None:
        text = text[: limit + 1]  # an escape only makes text longer
    safe = pattern.sub(_escape, text)
    if limit is not None and len(safe) > limit:
        safe = safe[: max(0, limit - 3)] + "..."
    return safe


def is_terminal_safe(text: str) -> bool:
    """Whether ``text`` shows on one line exactly as it is (no character would be escaped)."""
    return _UNSAFE_RE.search(text) is None
