"""tui.core.terminal_text: what a terminal would act on is escaped, everything else kept."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import raw_controls
from tui.core.terminal_text import is_terminal_safe, terminal_safe

# What may never reach a terminal raw.
HOSTILE = [
    "\x1b]0;pwned\x07",  # OSC: retitles the window
    "\x1b]52;c;cHduZWQ=\x07",  # OSC 52: writes the clipboard
    "\x1b[2J\x1b[H",  # CSI: clears the screen
    "\x9b2J",  # C1 CSI, one byte
    "\x1bP+q\x1b\\",  # DCS
    "abc\u202etxt.exe",  # right-to-left override
    "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f\u061c",
    "one\rtwo\x08\x7f",
    "line\u2028break\u2029",
    "\ud800",  # a lone surrogate (an undecodable file name)
]


def test_escape_and_bidi_sequences_are_shown_as_text() -> None:
    assert terminal_safe("a2\x1b]0;pwned\x07") == "a2\\x1b]0;pwned\\x07"
    assert terminal_safe("abc\u202etxt.exe") == "abc\\u202etxt.exe"
    assert terminal_safe("\x9b2J") == "\\u009b2J"
    for text in HOSTILE:
        assert raw_controls(terminal_safe(text)) == []
        assert not is_terminal_safe(text)


def test_ordinary_unicode_is_kept() -> None:
    for text in ("Zürich", "東京 office", "family 👨\u200d👩\u200d👧", "naïve—café", "עברית",
                 "tab-free plain ASCII ~!@#$%^&*()"):
        assert terminal_safe(text) == text
        assert is_terminal_safe(text)


def test_lines_mode_keeps_line_feeds_and_tabs_only() -> None:
    assert terminal_safe("a\nb\tc") == "a\\nb\\tc"
    assert raw_controls(terminal_safe("a\nb\tc")) == []
    assert terminal_safe("a\nb\tc\r\x1b[2J", lines=True) == "a\nb\tc\\r\\x1b[2J"


def test_limit_counts_what_is_shown() -> None:
    assert terminal_safe("a" * 300, limit=20) == "a" * 17 + "..."
    assert terminal_safe("short", limit=20) == "short"
    assert len(terminal_safe("\x1b" * 50, limit=20)) == 20


@settings(max_examples=500, derandomize=True, database=None)
@given(st.text())
def test_nothing_unsafe_survives_and_json_means_the_same(text: str) -> None:
    shown = terminal_safe(text)
    assert raw_controls(shown) == []
    assert is_terminal_safe(shown)
    assert terminal_safe(shown) == shown  # escaping is done once
    if "\\" not in text and is_terminal_safe(text):
        assert shown == text
    # JSON with raw characters beyond ASCII, escaped, reads back as the same value
    encoded = json.dumps({"v": text}, ensure_ascii=False)
    assert json.loads(terminal_safe(encoded, lines=True)) == {"v": text}


def test_every_character_it_escapes_is_unprintable() -> None:
    """terminal_safe returns printable text untouched without a search; that shortcut is
    right only while nothing it escapes counts as printable (checked over all of Unicode)."""
    everything = "".join(map(chr, range(0x110000)))
    escaped = {c for c in everything if not is_terminal_safe(c)}
    assert len(escaped) > 2000  # controls, bidi marks and all 2,048 surrogates
    assert not any(c.isprintable() for c in escaped)
    assert terminal_safe("plain ascii é 漢字 🙂", limit=5) == "pl..."
