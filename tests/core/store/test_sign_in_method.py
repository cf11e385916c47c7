"""The sign-in method an account remembers: written only once set and only when it
changes, and kept when a form saves other changes from a copy loaded before the sign-in
(both the in-place save of one account and the whole-file save)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.helpers import make_account
from tui.core.store.account_store import AccountStore


@pytest.mark.parametrize("whole_file", [False, True])
def test_a_form_save_keeps_the_remembered_method(store: AccountStore,
                                                 whole_file: bool) -> None:
    if whole_file:
        store._view = lambda: None  # type: ignore[method-assign]
    store.add(make_account("other"))
    loaded = store.add(make_account("work"))
    assert "sign_in_method" not in store.path.read_text()  # no empty key for new accounts
    store.remember_sign_in(loaded, "loopback")
    assert "sign_in_method = 'loopback'" in store.path.read_text()
    # a form opened before the sign-in saves another change, with its older copy
    saved = store.update(replace(loaded, auto_refresh=True), expected=loaded)
    assert saved.sign_in_method == "loopback"
    again = store.get("work")
    assert again.auto_refresh and again.sign_in_method == "loopback"
    before = store.path.read_text()
    store.remember_sign_in(again, "loopback")  # unchanged: nothing written
    assert store.path.read_text() == before
    # a save that sets the method on purpose wins
    assert store.update(replace(again, sign_in_method="paste"),
                        expected=again).sign_in_method == "paste"
