"""Fuzzing the parsers that take what people type or edit by hand: each gives a result or
its own error (an ExoError: a clear message and an exit code), never a crash. 5,000
derandomized examples each, no example database, so every run tries the same inputs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.commands.accounts import _rows
from tui.core.errors import ExoError, UsageError
from tui.core.model import Account
from tui.core.store import account_file
from tui.core.troubleshoot import catalog
from tui.core.validate import validate

FUZZ = settings(max_examples=5000, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])


def joined(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=4)),
                    max_size=24).map("".join)


ERROR_PIECES = ["AADSTS", "70008", "700082", "50076", "invalid_grant", "error", "=",
                '{"error": "', '"error_codes": [', "]", "}", '"', ": ", "\n", "%22", "%7B",
                "Trace ID: ", "Correlation ID: ", "Timestamp: ", "2026-01-01 00:00:00Z",
                "HTTP 429", "\\u0022", "eyJ", "\x1b[2J", "\u202e", "\ud800", " "]


@FUZZ
@given(text=st.one_of(st.text(max_size=200), joined(ERROR_PIECES)))
def test_the_error_text_matcher_takes_any_text(text: str) -> None:
    """What a person pastes into the troubleshooting panel or `troubleshoot --text`."""
    catalog.parse(text)
    for found in catalog.match(text):
        assert found.entry.id


TOML_PIECES = ["[[account]]\n", "[exo-oauth]\n", "schema = 1\n", "label = ", "id = ",
               "client_id = ", "client_secret = ", "auth_params = ", "token_params = ",
               "auto_refresh = ", "flow = ", "'", '"', "[", "]", "{", "}", ",", "=", "\n",
               "true", "1", "-1", "1e400", "nan", "inf", "1979-05-27T07:32:00Z", "name",
               "value", "{name = 'scope', value = 'x'}", "sealed:", "\\u0000", "\ufeff",
               "#", " ", "[account]\n", "[[account.x]]\n"]


@FUZZ
@given(text=st.one_of(st.text(max_size=200), joined(TOML_PIECES)))
def test_the_account_file_loader_takes_any_text(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        parsed = account_file.parse(data, "accounts.toml")
        for number, raw in enumerate(parsed.accounts, 1):
            account_file.account_from_raw(raw, number, "accounts.toml",
                                          lambda _id, _label, sealed: sealed)
    except ExoError as exc:
        assert str(exc).startswith("accounts.toml")


ROW_PIECES = ["=", "scope", "offline_access", " ", "prompt", "login_hint", "", "\n", "\t",
              "\x00", "\x1b", "\u202e", "client_secret", "code", "redirect_uri", "http://",
              "%", "&", "#", "?", "'", '"']


@FUZZ
@given(items=st.lists(st.one_of(st.text(max_size=12), joined(ROW_PIECES)), max_size=4))
def test_name_value_rows_take_any_text(items: list[str]) -> None:
    """--auth-param / --token-param NAME=VALUE, then the checks a save runs."""
    try:
        rows = _rows(items, "--auth-param")
    except UsageError as exc:
        assert "NAME=VALUE" in str(exc)
        return
    assert rows is None or len(rows) == len(items)
    account = Account(label="work", auth_params=rows or (), token_params=rows or ())
    for issue in validate(account):
        assert issue.message
