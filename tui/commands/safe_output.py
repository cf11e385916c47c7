"""Terminal-safe output: while a command runs, stdout and stderr escape what a terminal
would act on. A module of its own, so the cached list (list_fast) has it without the
store and service that the other shared helpers reach."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from tui.core.terminal_text import terminal_safe


class _TerminalSafeStream:
    """A text stream that writes through ``terminal_safe`` (lines and tabs kept)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text, lines=True))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, buffer ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def terminal_safe_output() -> Iterator[None]:
    """While a command runs, what it prints to stdout and stderr reaches the terminal
    shown, never executed: labels, error texts and replies from servers go into many
    lines, and one forgotten call must not let an escape sequence through. The escapes
    are JSON's too, so --json output stays valid and means the same."""
    out, errors = sys.stdout, sys.stderr
    sys.stdout = _TerminalSafeStream(out)
    sys.stderr = _TerminalSafeStream(errors)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, errors
