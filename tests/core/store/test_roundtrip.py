"""Property: any savable account comes back from the file exactly as it went in."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.model import Account, ParamRow
from tui.core.store.account_store import AccountStore
from tui.core.validate import validate

# Text with the awkward bits on purpose: quotes, backslashes, '=', '#', newlines,
# brackets, control characters and non-ASCII (hypothesis excludes lone surrogates).
PIECES = [*"\"'\\=#[]{}\n\r\t\x00\x7f ,.:", "[[account]]", '"""', "enc:v1:", "\n[x]\n"]
awkward = st.lists(st.one_of(st.sampled_from(PIECES), st.characters(codec="utf-8")),
                   max_size=12).map("".join)
nonblank = awkward.filter(lambda s: s.strip() != "")
rows = st.lists(st.builds(ParamRow, nonblank, awkward), max_size=4).map(tuple)
hosts = st.sampled_from(["login.microsoftonline.com/contoso.com", "login.microsoftonline.us/"
                         "organizations", "127.0.0.1:8123/tenant", "idp.example.org/x"])
query = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "P"]),
                max_size=12)


@st.composite
def accounts(draw: st.DrawFn) -> Account:
    host = draw(hosts)
    scheme = "http" if host.startswith("127.") else "https"
    client_type = draw(st.sampled_from(["confidential", "public"]))
    secret = draw(nonblank if client_type == "confidential" else st.just(""))
    has_tokens = draw(st.booleans())
    return Account(
        id=str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        label=draw(nonblank),
        client_id=draw(nonblank),
        client_secret=secret,
        client_type=client_type,
        client_auth=draw(st.sampled_from(["post", "basic"])),
        authorize_url=f"{scheme}://{host}/oauth2/v2.0/authorize?q={draw(query)}",
        token_url=f"{scheme}://{host}/oauth2/v2.0/token",
        redirect_uri=draw(st.sampled_from(["http://localhost:8400", "https://example.org/cb",
                                           "http://127.0.0.1:1/x?y=z"])),
        auth_params=draw(rows),
        token_params=draw(rows),
        auto_refresh=draw(st.booleans()),
        access_token=draw(awkward) if has_tokens else "",
        refresh_token=draw(awkward) if has_tokens else "",
        # times any clock can show (others read back as no expiry: test_token_format)
        access_token_expires_at=draw(st.one_of(st.none(), st.floats(
            0, 253402300799.0))) if has_tokens else None,
    )


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=accounts(), second=accounts())
def test_save_then_load_is_equal(first: Account, second: Account) -> None:
    assert not [i for i in validate(first) if i.is_error]
    with tempfile.TemporaryDirectory() as tmp:
        store = AccountStore(Path(tmp) / "accounts.toml", state_dir=Path(tmp) / "state")
        store.add(first)
        assert AccountStore(store.path, state_dir=store.state_dir).load() == [first]
        # an edit to every field (keeping the id) round-trips too
        changed = replace(second, id=first.id)
        store.update(changed, expected=first)
        (got,) = AccountStore(store.path, state_dir=store.state_dir).load()
        assert got.config_equal(changed)
        assert store.load() == [got]  # the writer's cached view equals a fresh parse
        if first.label == changed.label or not (first.access_token or first.refresh_token):
            assert got.access_token == first.access_token  # tokens kept (and moved on rename)
        assert got.refresh_token == first.refresh_token
