"""tui.core.troubleshoot.crash: tracebacks without locals, messages redacted, terminal-safe."""

from __future__ import annotations

from tests.helpers import raw_controls
from tui.core.troubleshoot.crash import failure_line, traceback_text

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbkBjb250b3NvLmNvbSJ9.c2lnbmF0dXJlLXBhcnQ"
REFRESH = "0.AAABsecretvalue"


def _fail(token: str) -> None:
    client_secret = "abc1Q~" + "x" * 34  # a local the report must never show
    raise ValueError(f"cannot use {token}\x1b]0;pwned\x07 with {len(client_secret)}")


def test_traceback_names_frames_but_no_locals_and_redacts_messages() -> None:
    try:
        try:
            _fail(JWT)
        except ValueError as inner:
            raise RuntimeError(f"refresh failed: refresh_token={REFRESH}") from inner
    except RuntimeError as exc:
        text = traceback_text(exc)
        line = failure_line(exc)
    assert "in _fail" in text and "The above exception was the direct cause" in text
    assert "ValueError: cannot use [redacted]\\x1b]0;pwned\\x07 with 40" in text
    assert "RuntimeError: refresh failed: refresh_token=[redacted]" in text
    assert JWT[:20] not in text and REFRESH not in text
    assert "x" * 34 not in text  # the local's value: no locals at all
    assert raw_controls(text) == []
    assert line == "RuntimeError: refresh failed: refresh_token=[redacted]"


def test_exception_groups_show_their_members() -> None:
    try:
        raise ExceptionGroup("two", [KeyError(JWT), OSError("disk full")])
    except ExceptionGroup as exc:
        text = traceback_text(exc)
    assert "KeyError" in text and "disk full" in text and JWT[:20] not in text


def test_shown_error_is_one_safe_line() -> None:
    from tui.core.errors import UsageError
    from tui.core.troubleshoot.crash import shown_error

    assert shown_error(UsageError("Label\x1b[2J is taken.\nMore detail.")) == \
        "Label\\x1b[2J is taken."
    assert shown_error(KeyError(JWT)) == "KeyError: '[redacted]'"
    assert shown_error(RuntimeError()) == "RuntimeError"
