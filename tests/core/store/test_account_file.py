"""What a person wrote survives saves: comments, order, unknown keys, odd layouts."""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import replace

import pytest
import tomlkit

from tests.helpers import make_account
from tui.core.model import ParamRow
from tui.core.store import account_file
from tui.core.store.account_store import AccountStore

TOP = "# Accounts for the mail relay; ask Dana before changing anything.\n"
INSIDE = "# this app registration expires in March\n"
ABOVE = "# the shared mailbox:\n"


def seeded(store: AccountStore) -> str:
    """Three accounts, then a person's comments at the top, inside and above 'b'."""
    for label in ("a", "b", "c"):
        store.add(make_account(label))
    text = store.path.read_text()
    lines = text.splitlines(keepends=True)
    b_head = [i for i, line in enumerate(lines) if line.startswith("[[account]]")][1]
    lines.insert(b_head + 3, INSIDE)
    lines.insert(b_head + 2, 'owner = "dana"  # an unknown key\n')
    lines[b_head + 1] = lines[b_head + 1].rstrip("\n") + "  # trailing comment\n"
    lines.insert(b_head, ABOVE)
    lines.insert(0, TOP)
    text = "".join(lines)
    text = text.replace("schema = 1\n", "schema = 1\nnote = 'kept'  # header comment\n", 1)
    store.path.write_text(text + "\n[extra]\nfuture = true\n")
    return store.path.read_text()


def kept(store: AccountStore) -> None:
    text = store.path.read_text()
    assert text.startswith(TOP)
    for piece in (INSIDE, ABOVE, 'owner = "dana"  # an unknown key', "# trailing comment",
                  "note = 'kept'  # header comment", "[extra]\nfuture = true"):
        assert piece in text
    assert text.index(ABOVE) < text.index("label = 'b'") < text.index(INSIDE)
    raw = tomllib.loads(text)
    assert raw["extra"] == {"future": True}


def test_comments_survive_edit_add_delete_of_other_accounts(store: AccountStore) -> None:
    seeded(store)
    a = store.get("a")
    store.update(replace(a, client_id="new-client", auto_refresh=True))
    kept(store)
    store.add(make_account("d"))
    kept(store)
    store.delete(store.get("c").id)
    kept(store)
    store.delete(a.id)  # the account right above 'b': b's own comment stays
    kept(store)
    assert store.labels() == ["b", "d"]
    assert "client_id" in tomllib.loads(store.path.read_text())["account"][0]


def test_editing_an_account_keeps_its_own_comments_and_unknown_keys(
        store: AccountStore) -> None:
    seeded(store)
    b = store.get("b")
    store.update(replace(b, token_params=(ParamRow("scope", "Mail.Read"),), label="b2"))
    text = store.path.read_text()
    assert INSIDE in text and 'owner = "dana"' in text and ABOVE in text
    assert "# trailing comment" in text  # the id line did not change
    raw = tomllib.loads(text)["account"][1]
    assert raw["owner"] == "dana" and raw["label"] == "b2"
    assert list(raw)[:3] == ["id", "owner", "label"]  # key order kept


def test_unchanged_save_leaves_the_bytes_alone(store: AccountStore) -> None:
    before = seeded(store)
    b = store.get("b")
    store.update(b, expected=b)
    assert store.path.read_text() == before


def test_multiline_strings_use_the_whole_document_path(store: AccountStore) -> None:
    store.add(make_account("a"))
    store.add(make_account("b"))
    text = store.path.read_text()
    text = text.replace("label = 'a'\n", "label = 'a'\nnotes = \"\"\"\n[[account]]\nfake\n\"\"\"\n")
    store.path.write_text("# top\n" + text)
    assert account_file.parse(store.path.read_bytes(), "f").segments() is None
    store.update(replace(store.get("b"), client_id="changed"))
    store.add(make_account("c"))
    store.delete(store.get("a").id)
    text = store.path.read_text()
    assert text.startswith("# top\n")
    assert [a.label for a in store.load()] == ["b", "c"]
    assert store.get("b").client_id == "changed"


def test_odd_layouts_fall_back_but_still_work(store: AccountStore,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks: list[int] = []
    real = account_file.Editor._to_document
    monkeypatch.setattr(account_file.Editor, "_to_document",
                        lambda self: fallbacks.append(1) or real(self))
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        '[exo-oauth]\nschema = 1\n\n[[ "account" ]]  # quoted header\nlabel = "x"\n'
        'client_type = "public"\nclient_id = "abc"\n[account.extra]\nk = [\n  [1],\n'
        '[[2]]\n]\n')
    x = store.get("x")
    store.update(replace(x, client_id="def"))
    store.add(make_account("y"))
    raw = tomllib.loads(store.path.read_text())
    assert raw["account"][0]["extra"] == {"k": [[1], [[2]]]}
    assert [a.label for a in store.load()] == ["x", "y"]
    assert fallbacks  # the array line "[[2]]" looked like a table header: cut refused


def test_crlf_files(store: AccountStore) -> None:
    store.add(make_account("a"))
    store.path.write_bytes(store.path.read_bytes().replace(b"\n", b"\r\n"))
    store.add(make_account("b"))
    store.update(replace(store.get("a"), client_id="z"))
    assert next(a.client_id for a in store.load()) == "z"


def test_a_1000_account_save_parses_tomlkit_only_locally(store: AccountStore,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Saving one account re-parses only its own chunk with tomlkit (tomlkit is slow)."""
    first = make_account("acct-0")
    store.add(first)
    text = store.path.read_text()
    chunk = text.split("[[account]]", 1)[1]
    sealed = tomllib.loads(text)["account"][0]["client_secret"]
    pieces = [text]
    for i in range(1, 1000):
        new_id = str(uuid.uuid4())
        pieces.append("\n[[account]]" + chunk.replace(first.id, new_id).replace(
            "'acct-0'", f"'acct-{i}'").replace(
            sealed, store.sealer.seal(new_id, "client_secret", f"secret-{i}")))
    store.path.write_text("".join(pieces))
    sizes: list[int] = []
    real = tomlkit.parse
    monkeypatch.setattr(tomlkit, "parse", lambda s: sizes.append(len(s)) or real(s))
    target = store.get("acct-500")
    store.update(replace(target, client_id="edited"), expected=target)
    store.add(make_account("acct-new"))
    store.delete(store.get("acct-7").id)
    assert sizes and max(sizes) < 5_000
    labels = store.labels()
    assert len(labels) == 1000 and "acct-7" not in labels and labels[-1] == "acct-new"
    assert store.get("acct-500").client_id == "edited"


def test_header_goes_first_even_in_whole_document_mode(store: AccountStore,
                                                       passphrase: str) -> None:
    """The fast path finds the salt in the file's prefix, whatever layout the file had."""
    from tui.core.store import seal

    store.path.parent.mkdir(parents=True)
    store.path.write_text('# mine\nowner = "ops"\n\n[[account]]\nlabel = "hand"\n'
                          'client_id = "abc"\nclient_type = "public"\nnotes = """\nmulti\n"""\n')
    hand = store.get("hand")
    store.update(replace(hand, auto_refresh=True))
    text = store.path.read_text()
    assert text.index("[exo-oauth]") < text.index("[[account]]")
    assert text.startswith('# mine\nowner = "ops"\n')
    assert tomllib.loads(text)["owner"] == "ops"
    assert seal.read_header(store.path)["sealing"] == "passphrase"
    assert AccountStore(store.path).get("hand").auto_refresh
