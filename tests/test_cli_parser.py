"""The command table: a command's own parser is the whole parser cut down, never different."""

from __future__ import annotations

import argparse
import importlib
import sys

import pytest

from tui import cli


def registered(module: str) -> list[str]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    importlib.import_module(module).register(sub)
    return list(sub.choices)


@pytest.mark.parametrize("module", cli.COMMAND_MODULES)
def test_the_table_names_every_command_a_module_registers(module: str) -> None:
    assert registered(module) == [c for c, m in cli.COMMANDS.items() if m == module]


@pytest.mark.parametrize(("argv", "command"), [
    (["list"], "list"),
    (["--config", "list", "token", "a"], "token"),  # an account file named "list"
    (["--config=list", "--debug", "show", "x"], "show"),
    (["--debug", "--", "status"], "status"),
    (["--demo"], None),
    ([], None),
    (["--config"], None),
    (["lis"], "lis"),
])
def test_the_command_is_found_before_parsing(argv: list[str], command: str | None) -> None:
    assert cli.command_in(argv) == command


@pytest.mark.parametrize("argv", [
    ["list", "--json"],
    ["--config", "list", "show", "a"],
    ["--debug", "token", "a", "--format", "json"],
    ["edit", "a", "--proxy-user", "x@contoso.com", "--no-auto-refresh"],
    ["refresh", "--all", "--watch"],
    ["proxy", "a", "--no-pop"],
    ["proxy-password", "a", "--stdin"],
    ["doctor", "a"],
    ["fake-idp", "--port", "0"],
])
def test_a_commands_own_parser_reads_what_the_whole_one_reads(argv: list[str]) -> None:
    whole = vars(cli.build_parser().parse_args(argv))
    own = vars(cli.build_parser(cli.command_in(argv)).parse_args(argv))
    assert own == whole and own["command"] == cli.command_in(argv)


def test_global_options_are_not_abbreviated(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--conf", "x", "list"])
    assert "invalid choice: 'x'" in capsys.readouterr().err  # --conf is not --config


def test_an_unknown_command_is_refused_with_every_choice(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    with pytest.raises(SystemExit):
        cli.main(["lis"])
    err = capsys.readouterr().err
    assert "invalid choice: 'lis'" in err and "proxy-password" in err


def test_a_command_imports_no_other_command_module(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in cli.COMMAND_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    cli.build_parser("status")
    loaded = [name for name in cli.COMMAND_MODULES if name in sys.modules]
    assert loaded == ["tui.commands.status"]
