"""The `exo-oauth` command: argument parsing, dispatch, and the one place errors become exit codes.

Each subcommand lives in a module under ``tui.commands`` exposing
``register(subparsers)``; those modules import their heavy dependencies inside
the handlers, so building the parser stays cheap. ``exo-oauth token`` tries the
fast path (``tui.fastpath``) before any of this is built, or even imported: argparse
and the error classes (dataclasses) would cost it a third of its time.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

# Subcommand modules, in the order `--help` lists them.
COMMAND_MODULES = (
    "tui.commands.accounts",
    "tui.commands.authorize",
    "tui.commands.token",
    "tui.commands.refresh",
    "tui.commands.test",
    "tui.commands.troubleshoot",
    "tui.commands.status",
    "tui.commands.service",
    "tui.commands.proxy",
    "tui.commands.doctor",
    "tui.commands.fakeidp",
)


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    from tui import __version__

    parser = argparse.ArgumentParser(
        prog="exo-oauth",
        description="Authorize and keep alive OAuth2 accounts for Exchange Online / "
        "Microsoft 365. With no command, opens the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"exo-oauth {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="account file (default: $EXO_OAUTH_CONFIG or "
                             "$XDG_CONFIG_HOME/exo-oauth/accounts.toml)")
    parser.add_argument("--debug", action="store_true",
                        help="show Python tracebacks for failures")
    parser.add_argument("--demo", action="store_true",
                        help="open the UI on a demo account file served by the local "
                             "identity provider (no Azure tenant needed)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def report(exc: BaseException, *, debug: bool) -> int:
    """Print one plain sentence plus the best troubleshooting advice; return the exit code.

    Nothing printed holds a local variable or a recognisable secret, and all of it is
    terminal-safe (tui.core.troubleshoot.crash), ``--debug``'s traceback included.
    """
    from tui.core.errors import ExitCode, ExoError
    from tui.core.terminal_text import terminal_safe
    from tui.core.troubleshoot.crash import failure_line, traceback_text

    if debug:
        print(traceback_text(exc), file=sys.stderr, end="")
    if isinstance(exc, ExoError):
        code = int(exc.exit_code)
        print(f"exo-oauth: {terminal_safe(str(exc), lines=True)}", file=sys.stderr)
    else:
        code = int(ExitCode.UNEXPECTED)
        print(f"exo-oauth: unexpected failure: {failure_line(exc)}"
              + ("" if debug else " (run with --debug for details)"), file=sys.stderr)
    from tui.core.troubleshoot.catalog import advice_for

    advice = advice_for(exc)
    if advice:
        print(terminal_safe(advice, lines=True), file=sys.stderr)
    return code


def run_ui(args: argparse.Namespace) -> int:
    if args.demo:
        from tui.demo import run_demo

        return run_demo()
    from tui.app import make_app
    from tui.core.paths import config_path

    make_app(config_path=config_path(args.config)).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "token" in argv:  # the fast path's own parser decides whether it is a `token` call
        from tui.fastpath import try_token

        done = try_token(argv)
        if done is not None:
            return done
    import os

    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get("EXO_OAUTH_DEBUG") == "1"
    try:
        if args.command is None:
            return run_ui(args)
        from tui.commands.common import terminal_safe_output

        with terminal_safe_output():
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("exo-oauth: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except BaseException as exc:  # the single place failures become exit codes
        if isinstance(exc, SystemExit):
            raise
        return report(exc, debug=debug)


if __name__ == "__main__":
    raise SystemExit(main())
