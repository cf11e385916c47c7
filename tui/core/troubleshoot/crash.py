"""What an unexpected failure shows (the UI's crash report, the command line's message and
``--debug`` traceback): where it happened and what it says, with no local variable, no
secret and nothing a terminal would act on.

Tracebacks that list local variables (Textual's own crash report does) put the client
secret and both tokens on the screen, since the code that fails is usually holding
them. Here a traceback names files, lines and functions only, each exception's own
message is redacted (tui.core.troubleshoot.redact), and the whole text is made
terminal-safe.
"""

from __future__ import annotations

import traceback

from tui.core.errors import ExoError
from tui.core.terminal_text import terminal_safe

from .redact import redact


def shown_error(exc: BaseException) -> str:
    """A failure in one terminal-safe line, for a log line or a toast: the first line of an
    ExoError's own message (built from our words and already-scrubbed fields), or of
    anything else's type and redacted message."""
    message = str(exc).strip()
    if not isinstance(exc, ExoError):
        message = f"{type(exc).__name__}: {redact(message)}" if message else ""
    return terminal_safe(message.splitlines()[0] if message else type(exc).__name__)


def failure_line(exc: BaseException) -> str:
    """``TypeName: message`` with secrets redacted, on one terminal-safe line."""
    message = redact(str(exc))
    return terminal_safe(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def traceback_text(exc: BaseException) -> str:
    """The chain of exceptions as Python prints it, without locals (``capture_locals`` is
    never set) and with each exception's message redacted; source lines are kept as
    they are, since they come from our own files."""
    lines: list[str] = []
    _walk(traceback.TracebackException.from_exception(exc), lines, set())
    return terminal_safe("".join(lines), lines=True)


def _walk(te: traceback.TracebackException, out: list[str], seen: set[int]) -> None:
    seen.add(id(te))
    if te.__cause__ is not None and id(te.__cause__) not in seen:
        _walk(te.__cause__, out, seen)
        out.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif (te.__context__ is not None and not te.__suppress_context__
          and id(te.__context__) not in seen):
        _walk(te.__context__, out, seen)
        out.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if te.stack:
        out.append("Traceback (most recent call last):\n")
        out.extend(te.stack.format())
    out.extend(redact(line) for line in te.format_exception_only())
    for member in getattr(te, "exceptions", None) or ():  # an ExceptionGroup's members
        out.append("\nIn the group above:\n")
        _walk(member, out, seen)
