"""`exo-oauth list` answered from its cache: the same output as the full list, and only
while nothing it shows has changed; anything else goes to the full command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import ROOT, child_env, make_account
from tui.cli import main
from tui.commands import list_fast
from tui.core.model import Account, TokenState, TokenSummary
from tui.core.store import label_index, list_cache, list_cache_file, token_format
from tui.core.store.account_store import AccountStore

SETTLE_S = 2 * label_index.SETTLE_NS / 1e9


@pytest.fixture
def seeded(store: AccountStore) -> AccountStore:
    """Accounts in every state a list tells apart, with text a terminal would act on."""
    now = time.time()
    states = {
        "valid": dict(access_token="a" * 40, refresh_token="r" * 40, expires_at=now + 3000),
        "expired": dict(access_token="a" * 40, refresh_token="r" * 40, expires_at=now - 60),
        "refused": dict(refresh_token="r" * 40, needs_authorization=True,
                        last_error="AADSTS70008: the grant expired\x1b[2J",
                        last_error_at=now - 30),
        "failing": dict(access_token="a" * 40, refresh_token="r" * 40, expires_at=now + 600,
                        last_error="timed out", last_error_at=now - 10,
                        last_refresh_at=now - 4000),
    }
    labels = [*states, "no-tokens", "evil", "übung ✓"]
    for n, label in enumerate(labels):
        account = store.add(make_account(label, auto_refresh=n % 2 == 0,
                                         client_type="public" if n == 5 else "confidential",
                                         client_secret="" if n == 5 else "s3cret-value"))
        if label in states:
            store.save_token_state(TokenState(account.id, label, **states[label]))
    # A label only a hand edit can give (the store refuses control characters).
    text = store.path.read_text(encoding="utf-8")
    store.path.write_text(text.replace("label = 'evil'", 'label = "evil\\u001b]0;owned\\u0007"'),
                          encoding="utf-8")
    time.sleep(SETTLE_S)  # files older than a timestamp tick: their stats vouch
    store.get("valid")  # a full read settles the label index
    return store


def full_list(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              *args: str) -> str:
    with monkeypatch.context() as m:
        m.setattr(list_fast, "try_list", lambda argv: None)
        assert main(["list", *args]) == 0
    return capsys.readouterr().out


def fast_list(capsys: pytest.CaptureFixture[str], *args: str) -> str | None:
    code = list_fast.try_list(["list", *args])
    out = capsys.readouterr().out
    assert code in (0, None)
    return out if code == 0 else None


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One 'now' for both lists, so 'valid 50 min' cannot tick between them."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)


def test_same_table_and_json_as_the_full_list(seeded: AccountStore, frozen_clock: None,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast_list(capsys) is None  # no cache yet: the full list makes it
    table = full_list(capsys, monkeypatch)
    as_json = full_list(capsys, monkeypatch, "--json")
    assert fast_list(capsys) == table
    assert fast_list(capsys, "--json") == as_json
    assert "\x1b" not in table and "\\x1b]0;owned\\x07" in table and "übung ✓" in table
    assert "needs sign-in" in table and "last refresh failed" in table
    assert "s3cret" not in table + as_json and "a" * 40 not in table + as_json
    assert len(json.loads(as_json)) == 7
    # through main, as a user runs it, with the account file named on the command line
    assert main(["--config", str(seeded.path), "list"]) == 0
    assert capsys.readouterr().out == table


def test_it_loads_neither_argparse_nor_the_store(store: AccountStore) -> None:
    account = store.add(make_account("work"))
    store.save_token_state(TokenState(account.id, "work", "a" * 40, "", time.time() + 3000))
    time.sleep(SETTLE_S)
    AccountStore(store.path).load_summaries()  # (writes the cache)
    probe = ("import sys\nfrom tui.cli import main\ncode = main(['list'])\n"
             "print(code, *sorted(m for m in ('argparse', 'dataclasses', 'cryptography', "
             "'tui.core.store.account_store', 'tui.core.model') if m in sys.modules), "
             "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=child_env(), cwd=ROOT, timeout=60, check=False)
    assert done.stderr.split() == ["0"]
    assert "valid 50 min" in done.stdout


def test_options_it_does_not_answer_go_to_the_full_parser() -> None:
    assert list_fast.parse(["list"]) == (None, False)
    assert list_fast.parse(["--config", "a.toml", "list", "--json"]) == ("a.toml", True)
    assert list_fast.parse(["--config=b.toml", "list"]) == ("b.toml", False)
    assert list_fast.parse(["--config=", "list"]) == ("", False)  # (argparse: the default)
    for argv in (["list", "--help"], ["--debug", "list"], ["list", "x"], ["list", "--jso"],
                 ["--config"], ["--config", "list"], [], ["show", "list"],
                 ["list", "--json", "--json"]):
        assert list_fast.parse(argv) is None, argv


def test_a_changed_token_file_is_left_to_the_full_list(
        seeded: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    AccountStore(seeded.path).load_summaries()
    assert fast_list(capsys) is not None
    account = seeded.get("no-tokens")
    seeded.save_token_state(TokenState(account.id, account.label, "b" * 40, "",
                                       time.time() + 1800))
    assert fast_list(capsys) is None
    summary = dict((a.label, s) for a, s in AccountStore(seeded.path).load_summaries())
    assert summary["no-tokens"].has_access_token  # the full list saw it
    time.sleep(SETTLE_S)
    AccountStore(seeded.path).load_summaries()  # the new file has settled: kept this time
    out = fast_list(capsys)
    assert out is not None and out.count("valid 30 min") == 1


def test_a_removed_token_file_or_a_hand_edit_is_left_to_the_full_list(
        seeded: AccountStore, capsys: pytest.CaptureFixture[str]) -> None:
    AccountStore(seeded.path).load_summaries()
    valid = seeded.get("valid")
    token_format.token_path(seeded.state_dir, seeded.path, valid.id).unlink()
    assert fast_list(capsys) is None
    AccountStore(seeded.path).load_summaries()
    assert fast_list(capsys) is not None
    st = seeded.path.stat()  # same size, same mtime: only the ctime moves
    text = seeded.path.read_text(encoding="utf-8")
    seeded.path.write_text(text.replace("'expired'", "'exqired'"), encoding="utf-8")
    os.utime(seeded.path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fast_list(capsys) is None


def test_no_accounts_or_no_file_is_the_full_lists_to_say(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fast_list(capsys) is None
    assert main(["list"]) == 0
    assert "No accounts" in capsys.readouterr().out


def cache_lines(store: AccountStore) -> list[bytes]:
    path = list_cache.cache_path(store.state_dir, token_format.resolved(store.path))
    return path.read_bytes().splitlines(keepends=True)


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3), max_leaves=6)
# Where a value sits in an account line: [shape, id, label, [summary], file name, [stamp]].
_PLACES = [(0,), (1,), (2,), (3,), *[(3, i) for i in range(12)], (4,), (5,),
           *[(5, i) for i in range(5)]]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=st.integers(1, 7), place=st.sampled_from(_PLACES), value=_JSON)
def test_a_cache_damaged_by_hand_never_crashes_a_list(
        seeded: AccountStore, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, line: int, place: tuple[int, ...],
        value: object) -> None:
    """Any one value of a line replaced by any JSON value: the list answers or steps aside,
    and the full list then answers with every account."""
    AccountStore(seeded.path).load_summaries()
    lines = cache_lines(seeded)
    path = list_cache.cache_path(seeded.state_dir, token_format.resolved(seeded.path))
    row = json.loads(lines[line])
    target = row
    for step in place[:-1]:
        target = target[step]
    if not isinstance(target, list):  # (no stamp: the account has no token file)
        return
    target[place[-1]] = value
    damaged = [*lines[:line], json.dumps(row).encode() + b"\n", *lines[line + 1:]]
    path.write_bytes(b"".join(damaged))
    try:
        fast_list(capsys)  # answers or returns None; raises nothing
        fast_list(capsys, "--json")
        full_list(capsys, monkeypatch)  # the store's reading of the same cache
        full_list(capsys, monkeypatch, "--json")
        rows = AccountStore(seeded.path).load_summaries()
        assert len(rows) == 7 and all(isinstance(s, TokenSummary) for _, s in rows)
    finally:
        path.write_bytes(b"".join(lines))


@pytest.mark.parametrize("value", [1e30, float("nan"), float("inf"), -5.0, 2**63])
def test_a_time_no_clock_can_show_is_never_taken_from_the_cache(
        seeded: AccountStore, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, value: float) -> None:
    AccountStore(seeded.path).load_summaries()
    lines = cache_lines(seeded)
    times = [n for n, name in enumerate(list_cache_file.SUMMARY_FIELDS)
             if name.endswith("_at")]
    damaged = [lines[0]]
    for line in lines[1:]:
        row = json.loads(line)
        for n in times:
            row[3][n] = value
        damaged.append(json.dumps(row).encode() + b"\n")
    list_cache.cache_path(seeded.state_dir, token_format.resolved(seeded.path)).write_bytes(
        b"".join(damaged))
    assert fast_list(capsys) is None
    assert "last refresh failed" in full_list(capsys, monkeypatch)  # from the token files


def test_the_cache_names_the_fields_of_the_model() -> None:
    import dataclasses

    assert tuple(
        f.name for f in dataclasses.fields(Account) if f.name not in (
            "client_secret", "access_token", "refresh_token", "access_token_expires_at",
            "id", "label")) == list_cache_file.ACCOUNT_FIELDS
    assert TokenSummary._fields[2:] == list_cache_file.SUMMARY_FIELDS
