"""The `exo-oauth` command: argument parsing, dispatch, and the one place errors become exit codes.

Each subcommand lives in a module under ``tui.commands`` exposing
``register(subparsers)``; those modules import their heavy dependencies inside
the handlers, so building the parser stays cheap. ``exo-oauth token`` tries the
fast path (``tui.fastpath``) before any of this is built, or even imported: argparse
and the error classes (dataclasses) would cost it a third of its time. ``exo-oauth
list`` likewise tries its cache alone first (``tui.commands.list_fast``).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

# Each command and the module that registers it, in the order `--help` lists them.
COMMANDS = {
    "list": "tui.commands.accounts", "show": "tui.commands.accounts",
    "add": "tui.commands.accounts", "edit": "tui.commands.accounts",
    "delete": "tui.commands.accounts", "validate": "tui.commands.accounts",
    "authorize": "tui.commands.authorize",
    "token": "tui.commands.token",
    "refresh": "tui.commands.refresh",
    "test": "tui.commands.test",
    "troubleshoot": "tui.commands.troubleshoot",
    "status": "tui.commands.status",
    "service": "tui.commands.service",
    "proxy": "tui.commands.proxy", "proxy-password": "tui.commands.proxy",
    "doctor": "tui.commands.doctor",
    "fake-idp": "tui.commands.fakeidp",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))
_VALUED_OPTIONS = ("--config",)  # the global options that take a value


def command_in(argv: Sequence[str]) -> str | None:
    """The command an argument list names (the first word that is no global option or its
    value), or None."""
    words = iter(argv)
    for word in words:
        if word in _VALUED_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
        elif word == "--":
            return next(words, None)
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with a known ``command``, one holding only its module's commands
    (most of a command's start-up would otherwise go to building and importing the
    others). Global options are never abbreviated, so a command is found before parsing."""
    import argparse
    import importlib

    from tui import __version__

    parser = argparse.ArgumentParser(
        prog="exo-oauth", allow_abbrev=False,
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
    only = COMMANDS.get(command or "")
    for name in COMMAND_MODULES if only is None else (only,):
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

    debug = os.environ.get("EXO_OAUTH_DEBUG") == "1"
    try:
        command = command_in(argv)
        if command == "list":  # a list its cache can answer needs no parser either
            from tui.commands.list_fast import try_list

            done = try_list(argv)
            if done is not None:
                return done
        args = build_parser(command).parse_args(argv)
        debug = debug or args.debug
        if args.command is None:
            return run_ui(args)
        from tui.commands.safe_output import terminal_safe_output

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
