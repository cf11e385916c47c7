"""The parse cache: the account file is parsed again only when its bytes change."""

from __future__ import annotations

import stat
from dataclasses import replace

import pytest

from tests.helpers import (
    make_account,
)
from tui.core.errors import (
    ParseError,
)
from tui.core.store import token_format
from tui.core.store.account_store import AccountStore


def test_parse_cache_is_used_only_for_the_same_bytes(store: AccountStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.core.store import account_file, parse_cache

    store.add(make_account("a"))
    calls: list[int] = []
    real = account_file.parse
    monkeypatch.setattr(account_file, "parse", lambda data, path: calls.append(1) or real(
        data, path))
    assert [a.label for a in AccountStore(store.path).load()] == ["a"]
    assert calls == []  # a fresh process-like store found the cache of our own save
    store.path.write_text(store.path.read_text().replace("label = 'a'", "label = 'b'"))
    assert AccountStore(store.path).labels() == ["b"]  # edited by hand: parsed again
    assert calls == [1]
    assert AccountStore(store.path).labels() == ["b"] and calls == [1]
    cache = parse_cache.cache_path(store.state_dir, token_format.resolved(store.path))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    for junk in (b"{not json", b"[]", b'{"version": 1, "sha256": "00"}'):
        cache.write_bytes(junk)
        assert AccountStore(store.path).labels() == ["b"]
    broken = store.path.read_text().replace("label = 'b'", "label = 'b")
    store.path.write_text(broken)
    with pytest.raises(ParseError):
        AccountStore(store.path).labels()


def test_values_json_cannot_hold_skip_the_cache(store: AccountStore) -> None:
    from tui.core.store import parse_cache

    store.add(make_account("a"))
    text = store.path.read_text().replace("label = 'a'", "label = 'a'\ncreated = 2024-05-01")
    store.path.write_text(text)
    cache = parse_cache.cache_path(store.state_dir, token_format.resolved(store.path))
    cache.unlink()
    assert AccountStore(store.path).labels() == ["a"]
    assert not cache.exists()
    store.update(replace(store.get("a"), client_id="new"))
    assert "created = 2024-05-01" in store.path.read_text()
