"""Account files no exo-oauth wrote: a byte-order mark (Notepad) and arrays nested
thousands deep end in exit 6 with what is wrong, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_account, run
from tui.core.store.account_store import AccountStore

COMMANDS = [("list",), ("show", "work"), ("status",), ("validate",), ("token", "work"),
            ("edit", "work", "--client-id", "x"), ("delete", "work", "--yes")]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_byte_order_mark_is_named(args: tuple[str, ...], store: AccountStore, config: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    store.add(make_account("work"))
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    before = config.read_bytes()
    assert run(config, *args) == 6
    err = capsys.readouterr().err
    assert "line 1, column 1: the file starts with a byte-order mark" in err
    assert "sed -i" in err and "invalid statement" not in err
    assert config.read_bytes() == before


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_arrays_nested_thousands_deep_exit_6(args: tuple[str, ...], store: AccountStore,
                                            config: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    store.add(make_account("work"))
    config.write_text(config.read_text() + "\n[extra]\ndeep = " + "[" * 3000 + "]" * 3000
                      + "\n")
    before = config.read_bytes()
    assert run(config, *args) == 6
    err = capsys.readouterr().err
    line = config.read_text().splitlines().index("deep = " + "[" * 3000 + "]" * 3000) + 1
    assert f"line {line}, column 8: arrays or inline tables are nested too deeply" in err
    assert "RecursionError" not in err and "Traceback" not in err
    assert config.read_bytes() == before
