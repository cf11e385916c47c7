"""Hooks in the account file: a global table, per-account overrides, and mistakes reported."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from tests.helpers import make_account
from tui.core.refresh.hook_config import hooks_in, load_hooks, parse_table
from tui.core.store.account_store import AccountStore


def write(store: AccountStore, text: str) -> None:
    store.path.write_text(store.path.read_text() + text)


def test_global_hooks_apply_and_accounts_override(store: AccountStore) -> None:
    a = store.add(make_account("a"))
    b = store.add(make_account("b"))
    c = store.add(make_account("c"))
    text = store.path.read_text()
    # a per-account table as an [account.hooks] sub-table (b) and as an inline table (c)
    b_header = text.index("[[account]]", text.index("label = 'b'") - 200)
    c_line = text.index("label = 'c'")
    c_end = text.index("\n", c_line) + 1
    text = (text[:c_end] + "hooks = { refresh_failure = [], refresh_success = 'echo c ok' }\n"
            + text[c_end:])
    b_end = text.index("[[account]]", b_header + 1)
    text = (text[:b_end] + "[account.hooks]\nrefresh_failure = ['/usr/bin/b-failed', '--loud']"
            "\n\n" + text[b_end:])
    text = ("[hooks]\nneeds_authorization = ['/usr/bin/page', 'admin']\n"
            "refresh_failure = \"/usr/bin/notify --who 'mail team'\"\n\n" + text)
    store.path.write_text(text)
    assert {x.label for x in store.load()} == {"a", "b", "c"}  # the store still reads it

    hooks, problems = load_hooks(store.path, a.id)
    assert problems == []
    assert hooks == {"needs_authorization": ("/usr/bin/page", "admin"),
                     "refresh_failure": ("/usr/bin/notify", "--who", "mail team")}
    hooks, _ = load_hooks(store.path, b.id)
    assert hooks["refresh_failure"] == ("/usr/bin/b-failed", "--loud")
    assert hooks["needs_authorization"] == ("/usr/bin/page", "admin")
    hooks, _ = load_hooks(store.path, c.id)
    assert "refresh_failure" not in hooks  # switched off for this account only
    assert hooks["refresh_success"] == ("echo", "c", "ok")


def test_hooks_survive_saves_of_the_account(store: AccountStore) -> None:
    account = store.add(make_account("mail"))
    write(store, "\n[account.hooks]\nrefresh_success = ['/bin/true']\n")
    store.path.write_text("# my hooks\n[hooks]\nrefresh_failure = ['/bin/false']\n\n"
                          + store.path.read_text())
    store.update(replace(store.get("mail"), auto_refresh=True))
    store.add(make_account("other"))
    hooks, problems = load_hooks(store.path, account.id)
    assert problems == [] and hooks == {"refresh_success": ("/bin/true",),
                                        "refresh_failure": ("/bin/false",)}
    assert "# my hooks" in store.path.read_text()
    store.update(replace(store.get("mail"), label="renamed"))  # the id stays: so do its hooks
    assert load_hooks(store.path, account.id)[0]["refresh_success"] == ("/bin/true",)


def test_mistakes_are_reported_not_fatal(tmp_path: Path) -> None:
    hooks, problems = parse_table({"refresh_failed": "x", "refresh_success": 3,
                                   "needs_authorization": "say 'unclosed",
                                   "refresh_failure": ["ok", "fine"]}, "[hooks]")
    assert hooks == {"refresh_failure": ("ok", "fine")}
    assert len(problems) == 3
    assert "unknown event 'refresh_failed'" in problems[0]
    assert "refresh_success must be a command" in problems[1]
    assert "cannot split" in problems[2]
    assert parse_table("echo", "[hooks]") == ({}, ["[hooks] must be a table of event = "
                                                   "command; ignored"])
    assert load_hooks(tmp_path / "missing.toml", "id") == ({}, [])
    broken = tmp_path / "broken.toml"
    broken.write_text("[hooks\n")
    hooks, problems = load_hooks(broken, "id")
    assert hooks == {} and "cannot read hooks" in problems[0]


def test_accounts_are_matched_by_id_even_without_an_id_line() -> None:
    from tui.core.store.account_file import derived_id

    data = {"hooks": {"refresh_success": "g"},
            "account": [{"label": "hand-written", "hooks": {"refresh_success": "own"}},
                        {"label": "x", "id": "id-x", "hooks": {"refresh_success": "x"}}]}
    assert hooks_in(data, derived_id("hand-written"))[0] == {"refresh_success": ("own",)}
    assert hooks_in(data, "id-x")[0] == {"refresh_success": ("x",)}
    assert hooks_in(data, "someone-else")[0] == {"refresh_success": ("g",)}


def test_edits_apply_without_a_restart(store: AccountStore) -> None:
    account = store.add(make_account("mail"))
    assert load_hooks(store.path, account.id) == ({}, [])
    write(store, f"\n[account.hooks]\nrefresh_success = [{sys.executable!r}]\n")
    assert load_hooks(store.path, account.id)[0] == {"refresh_success": (sys.executable,)}


def test_a_file_without_hooks_is_not_parsed_for_them(store: AccountStore,
                                                      monkeypatch) -> None:
    """`refresh --all` asks for every account's hooks: a file that cannot hold any
    (no "hooks" in it, no \\u escape that could spell it) is not parsed again."""
    import tomllib

    import tui.core.refresh.hook_config as hookconfig

    a = store.add(make_account("a"))
    parsed: list[int] = []
    real = tomllib.loads

    def counting(text: str) -> dict:
        parsed.append(1)
        return real(text)

    monkeypatch.setattr(hookconfig.tomllib, "loads", counting)
    assert load_hooks(store.path, a.id) == ({}, []) and parsed == []
    # a quoted key may spell "hooks" with an escape: then the file is parsed
    write(store, '\n["\\u0068ooks"]\nrefresh_success = "echo ok"\n')
    assert load_hooks(store.path, a.id) == ({"refresh_success": ("echo", "ok")}, [])
    assert parsed == [1]
