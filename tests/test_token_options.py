"""`exo-oauth token`'s two parsers (the fast path's and argparse) read one table and agree."""

from __future__ import annotations

import pytest

from tui import cli, token_options
from tui.core.model import DEFAULT_MARGIN_S

SHAPES = [
    ["token", "a"],
    ["--config", "x.toml", "token", "a"],
    ["--config=x.toml", "token", "a"],  # used to miss the fast path
    ["token", "a", "--format", "header"],
    ["token", "--format=json", "a", "--min-valid=10"],
    ["token", "a", "--format", "xoauth2", "--user", "u@example.com"],
    ["token", "a", "--min-valid", "0"],
    ["token", "a", "--user=u@example.com"],
]


@pytest.mark.parametrize("argv", SHAPES)
def test_both_parsers_read_the_same(argv: list[str]) -> None:
    fast = token_options.parse(argv)
    args = cli.build_parser().parse_args(argv)
    assert fast is not None
    assert (fast.config, fast.label, fast.format, fast.user, fast.min_valid) == \
        (args.config, args.label, args.format, args.user, args.min_valid)


@pytest.mark.parametrize("argv", [
    ["token"], ["token", "a", "b"], ["token", "a", "--format", "yaml"], ["token", "-h"],
    ["--debug", "token", "a"], ["token", "a", "--user"], ["token", "a", "--min-valid", "x"],
    ["token", "a", "--min-valid", "-1"], ["token", "a", "--format", "xoauth2"],
    ["token", "a", "--form", "raw"],  # an abbreviation: argparse's to judge
])
def test_the_fast_parser_leaves_anything_else_to_argparse(argv: list[str]) -> None:
    assert token_options.parse(argv) is None


def test_defaults_are_defined_once() -> None:
    args = cli.build_parser().parse_args(["token", "a"])
    assert args.min_valid == token_options.DEFAULT_MIN_VALID == float(DEFAULT_MARGIN_S)
    assert args.format == token_options.DEFAULT_FORMAT
    formats = next(o for o in token_options.OPTIONS if o.flag == "--format").choices
    assert formats == token_options.FORMATS


def test_mistakes_the_table_knows_get_one_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["token", "a", "--format", "xoauth2"]) == 2
    assert "--user EMAIL" in capsys.readouterr().err
    assert cli.main(["token", "a", "--min-valid", "-5"]) == 2
    assert "--min-valid" in capsys.readouterr().err
