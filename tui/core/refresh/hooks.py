"""Hooks: a person's own command run when an account needs attention or was refreshed.

Run without a shell (argv list), with a hard timeout, and with only a label,
an event name and a redacted error summary in the environment: a hook must
never be handed a secret, and a broken hook must never stop refreshing. What goes
into the environment is terminal-safe: hooks echo it into mails and terminals (and a
NUL, which TOML allows in a label, could not go into an environment at all).
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger("exo_oauth.hooks")

EVENTS = ("needs_authorization", "refresh_failure", "refresh_success")
HOOK_TIMEOUT_S = 10.0
# Variables a hook may inherit from our own environment; everything else is dropped
# (EXO_OAUTH_PASSPHRASE and EXO_OAUTH_CLIENT_SECRET above all).
_PASS_THROUGH = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SHELL")


@dataclass(frozen=True)
class HookResult:
    event: str
    argv: tuple[str, ...]
    returncode: int | None  # None: timed out or could not start
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def parse_command(spec: str | Sequence[str]) -> tuple[str, ...]:
    """A hook is an argv list, or a string split like a shell would (but never run by one)."""
    if isinstance(spec, str):
        return tuple(shlex.split(spec))
    return tuple(str(part) for part in spec)


def hook_env(label: str, event: str, summary: str = "", extra: Mapping[str, str] | None = None
             ) -> dict[str, str]:
    from tui.core.terminal_text import terminal_safe
    from tui.core.troubleshoot.redact import redact

    env = {k: v for k, v in os.environ.items() if k in _PASS_THROUGH}
    env.update({
        "EXO_OAUTH_LABEL": terminal_safe(label),
        "EXO_OAUTH_EVENT": event,
        "EXO_OAUTH_ERROR": terminal_safe(redact(summary), limit=2000) if summary else "",
    })
    if extra:
        env.update({k: terminal_safe(redact(v)) for k, v in extra.items()})
    return env


def run_hook(
    spec: str | Sequence[str], *, label: str, event: str, summary: str = "",
    timeout: float = HOOK_TIMEOUT_S, extra: Mapping[str, str] | None = None,
) -> HookResult:
    """Run one hook to completion (or its timeout); never raises."""
    from tui.core.terminal_text import terminal_safe

    argv = parse_command(spec)
    if not argv:
        return HookResult(event, argv, None, "empty hook command")
    label = terminal_safe(label)  # for the log lines below
    try:
        proc = subprocess.run(  # no shell: argv comes from the person's own config
            argv, env=hook_env(label, event, summary, extra), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("hook %s for %s timed out after %.0f s", argv[0], label, timeout)
        return HookResult(event, argv, None, f"timed out after {timeout:.0f} s")
    except OSError as exc:
        log.warning("hook %s for %s could not start: %s", argv[0], label, exc.strerror or exc)
        return HookResult(event, argv, None, f"could not start: {exc.strerror or exc}")
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        log.warning("hook %s for %s exited %d %s", argv[0], label, proc.returncode,
                    terminal_safe(tail[0], limit=300))
        return HookResult(event, argv, proc.returncode, f"exited {proc.returncode}")
    return HookResult(event, argv, 0)

