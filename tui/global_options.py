"""The words before a command, read without argparse: the fast paths' share of the parser.

`exo-oauth token` and `exo-oauth list` answer before argparse is imported when they
can; both accept the one global option that changes what they read, ``--config``,
spelled as the full parser takes it. Anything else before the command hands the
call to the full parser, which handles and explains it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

CONFIG = "--config"


def split(argv: Sequence[str], command: str) -> tuple[str | None, list[str]] | None:
    """(the --config value or None, the words after ``command``) when nothing but
    ``--config PATH`` / ``--config=PATH`` comes before ``command``; else None."""
    args = list(argv)
    config: str | None = None
    while args and args[0] != command:
        head = args.pop(0)
        if head == CONFIG and args:
            config = args.pop(0)
        elif head.startswith(CONFIG + "="):
            config = head.split("=", 1)[1]
        else:
            return None
    if not args:
        return None
    return config, args[1:]
