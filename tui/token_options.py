"""The options of `exo-oauth token`, in one table read by both of its parsers.

The fast path (tui/fastpath.py) must not import argparse, so it walks argv itself;
the full command (tui/commands/token.py) builds its argparse parser from the same
table. Both therefore accept the same spellings, choices and defaults.
Imports nothing but the shared default and the reading of the words before the
command (global_options): this is on the fast path.
"""

from __future__ import annotations

from tui import global_options
from tui.core.validity import DEFAULT_MARGIN_S

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

FORMATS = ("raw", "header", "json", "xoauth2")
DEFAULT_FORMAT = "raw"
DEFAULT_MIN_VALID = float(DEFAULT_MARGIN_S)


class Option:
    """One `token` option: its flag, where argparse keeps it, and how it is read."""

    __slots__ = ("choices", "default", "dest", "flag", "help", "metavar", "number")

    def __init__(self, flag: str, dest: str, help: str, *, default: str | float | None,
                 metavar: str | None = None, choices: tuple[str, ...] | None = None,
                 number: bool = False) -> None:
        self.flag, self.dest, self.help, self.default = flag, dest, help, default
        self.metavar, self.choices, self.number = metavar, choices, number


OPTIONS = (
    Option("--format", "format", "raw token, 'Authorization: Bearer' header, JSON, or SASL "
           "XOAUTH2", default=DEFAULT_FORMAT, choices=FORMATS),
    Option("--user", "user", "mailbox address (needed for xoauth2)", default=None,
           metavar="EMAIL"),
    Option("--min-valid", "min_valid", "refresh unless the token stays valid this long "
           f"(default {DEFAULT_MARGIN_S})", default=DEFAULT_MIN_VALID, metavar="S",
           number=True),
)


class Request:
    """A `token` call the fast path can answer: what argparse would have produced."""

    __slots__ = ("config", "format", "label", "min_valid", "user")

    def __init__(self, config: str | None, label: str, values: dict[str, str | float | None]
                 ) -> None:
        self.config, self.label = config, label
        self.format = str(values["format"])
        self.user = values["user"] if isinstance(values["user"], str) else None
        min_valid = values["min_valid"]
        self.min_valid = float(min_valid) if isinstance(min_valid, (int, float)) else 0.0


def problem(fmt: str, user: str | None, min_valid: float) -> str | None:
    """What is wrong with a combination argparse cannot check on its own, if anything."""
    if fmt == "xoauth2" and not user:
        return "--format xoauth2 needs --user EMAIL (the mailbox to sign in to)."
    if not min_valid >= 0 or min_valid == float("inf"):
        return "--min-valid must be 0 or more seconds."
    return None


def parse(argv: Sequence[str]) -> Request | None:
    """The request, if ``argv`` is a plain, valid `token` call; None for anything else
    (help, unknown options, mistakes), which the full parser then handles and explains."""
    found = global_options.split(argv, "token")
    if found is None:
        return None
    config, args = found
    by_flag = {o.flag: o for o in OPTIONS}
    values: dict[str, str | float | None] = {o.dest: o.default for o in OPTIONS}
    labels: list[str] = []
    while args:
        item = args.pop(0)
        if item == "--":
            labels += args
            break
        name, eq, value = item.partition("=")
        option = by_flag.get(name) if item.startswith("--") else None
        if option is not None:
            if not eq:
                if not args:
                    return None
                value = args.pop(0)
            if option.choices is not None and value not in option.choices:
                return None
            if option.number:
                try:
                    values[option.dest] = float(value)
                except ValueError:
                    return None
            else:
                values[option.dest] = value
        elif item.startswith("-") or not item:
            return None
        else:
            labels.append(item)
    if len(labels) != 1:
        return None
    request = Request(config, labels[0], values)
    if problem(request.format, request.user, request.min_valid):
        return None
    return request
