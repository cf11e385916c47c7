"""tui.global_options: what comes before a command, as argparse would read it."""

from __future__ import annotations

import pytest

from tui.global_options import split


@pytest.mark.parametrize(("argv", "command", "found"), [
    (["list"], "list", (None, [])),
    (["list", "--json"], "list", (None, ["--json"])),
    (["--config", "a.toml", "token", "work"], "token", ("a.toml", ["work"])),
    (["--config=b.toml", "token", "w", "--format", "json"], "token",
     ("b.toml", ["w", "--format", "json"])),
    (["--config", "c.toml", "--config", "d.toml", "list"], "list", ("d.toml", [])),  # last wins
    (["--config", "list", "list"], "list", ("list", [])),
])
def test_the_config_and_the_words_after_the_command(
        argv: list[str], command: str, found: tuple[str | None, list[str]]) -> None:
    assert split(argv, command) == found


@pytest.mark.parametrize("argv", [[], ["--config"], ["--config", "list"], ["--debug", "list"],
                                  ["-h", "list"], ["show", "list"]])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert split(argv, "list") is None
