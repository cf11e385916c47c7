"""Pasted answers: redirect URLs in their forms, bare codes, state checks, error redirects."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.errors import OAuthError, UsageError
from tui.core.oauth.redirect import StateMismatch, parse_answer

STATE = "st-" + "x" * 40


@pytest.mark.parametrize(
    "text",
    [
        f"http://localhost:8400/?code=THECODE&state={STATE}&session_state=abc",
        f"  http://localhost:8400/cb?code=THECODE&state={STATE}&iss=https%3A%2F%2Flogin \n",
        f"?code=THECODE&state={STATE}",
        f"code=THECODE&state={STATE}&client_info=e30",
        f"<http://localhost/#code=THECODE&state={STATE}>",
    ],
)
def test_pasted_forms(text: str) -> None:
    answer = parse_answer(text, STATE)
    assert answer.code == "THECODE" and answer.state == STATE


def test_extra_parameters_are_kept() -> None:
    answer = parse_answer(f"http://x/?code=C&state={STATE}&session_state=s&iss=i", STATE)
    assert answer.extra == {"session_state": "s", "iss": "i"}


def test_bare_code() -> None:
    answer = parse_answer("1.AXoA-bc_12~x.y", STATE)
    assert answer.code == "1.AXoA-bc_12~x.y" and answer.state is None


@pytest.mark.parametrize("text", [f"http://x/?code=C&state=other{STATE}", "http://x/?code=C"])
def test_wrong_or_missing_state(text: str) -> None:
    with pytest.raises(StateMismatch):
        parse_answer(text, STATE)


@pytest.mark.parametrize("text", ["", "http://localhost:8400/", "two words", "http://x/?state=s"])
def test_unusable_pastes(text: str) -> None:
    with pytest.raises(UsageError):
        parse_answer(text, STATE)


def test_error_redirect_becomes_oauth_error() -> None:
    text = ("http://localhost:8400/?error=invalid_request&error_description=AADSTS900144%3a+The+"
            "request+body+must+contain+the+following+parameter%3a+%27response_type%27.%0d%0a"
            "Trace+ID%3a+t-1%0d%0aCorrelation+ID%3a+c-1%0d%0aTimestamp%3a+2021-07-19+23%3a21%3a09Z"
            f"&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d900144&state={STATE}")
    with pytest.raises(OAuthError) as info:
        parse_answer(text, STATE)
    err = info.value
    assert err.error == "invalid_request" and err.codes == (900144,)
    assert err.trace_id == "t-1" and err.correlation_id == "c-1"
    assert err.timestamp == "2021-07-19 23:21:09Z"


def test_user_cancel_redirect() -> None:
    with pytest.raises(OAuthError) as info:
        parse_answer(f"http://localhost/?error=access_denied&error_subcode=cancel&state={STATE}",
                     STATE)
    assert info.value.error == "access_denied" and info.value.suberror == "cancel"


def test_pasting_the_sign_in_address_itself() -> None:
    with pytest.raises(UsageError) as info:
        parse_answer("https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c"
                     f"&response_type=code&state={STATE}", STATE)
    assert "sign-in address itself" in str(info.value)


@pytest.mark.parametrize(("text", "error"), [
    ("http://x/?code=C&state=\u00e9t\u00e9", StateMismatch),  # non-ASCII state
    ("http://x/?code=C&state=%FF%FE", StateMismatch),
    ("http://[::1/?code=abc&state=x", UsageError),  # unclosed IPv6 bracket
    ("http://[zz]/?code=abc&state=x", UsageError),
])
def test_odd_answers_raise_only_their_own_error(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_answer(text, STATE)
    with pytest.raises((UsageError, OAuthError)):
        parse_answer(text, "\u00e9" + STATE)  # a non-ASCII state of ours, too


# Pieces an answer is made of, so the fuzzer reaches the state check and the error path.
PIECES = st.sampled_from(["http://", "https://", "localhost", "[", "]", "::1", ":8400", "/",
                          "?", "#", "&", "=", "code", "state", "error", "error_description",
                          "error_codes", "error_subcode", "response_type", "client_id", "%",
                          "%FF", "%00", "\u00e9", "\u202e", "\x1b", "\ud800", " ", "<", ">",
                          '"', "'", STATE, "AADSTS50011", "invalid_grant"])
ANSWERS = st.one_of(st.text(), st.lists(st.one_of(PIECES, st.text(max_size=3)),
                                        max_size=16).map("".join))


@settings(max_examples=5000, deadline=None, derandomize=True, database=None)
@given(text=ANSWERS, ours=st.one_of(st.none(), st.just(STATE), st.text(max_size=8)))
def test_any_pasted_text_gives_an_answer_or_our_error(text: str, ours: str | None) -> None:
    try:
        answer = parse_answer(text, ours)
    except (UsageError, OAuthError):  # StateMismatch is a UsageError
        return
    assert answer.code
