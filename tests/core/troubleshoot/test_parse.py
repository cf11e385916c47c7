"""Free-text parsing and ranking: redirect URLs, JSON bodies, log lines, bare and unknown codes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.errors import NETWORK, NoSuchAccount, OAuthError
from tui.core.troubleshoot import catalog

from .samples import CORR, STAMP, TRACE, body, redirect

REFERENCE_REDIRECT = (
    "http://localhost/myapp/?error=invalid_request&error_description=AADSTS900144%3a+The+"
    "request+body+must+contain+the+following+parameter%3a+%27response_type%27.%0d%0aTrace+ID"
    "%3a+" + TRACE + "%0d%0aCorrelation+ID%3a+" + CORR + "%0d%0aTimestamp%3a+2021-07-19+23%3a21"
    "%3a09Z&error_uri=https%3a%2f%2flogin.microsoftonline.com%2ferror%3fcode%3d900144&state=12"
)


def test_url_encoded_redirect_is_decoded() -> None:
    parsed = catalog.parse(REFERENCE_REDIRECT)
    assert parsed.codes == (900144,)
    assert parsed.errors == ("invalid_request",)
    assert parsed.trace_id == TRACE
    assert parsed.correlation_id == CORR
    assert parsed.timestamp == "2021-07-19 23:21:09Z"
    assert parsed.description is not None
    assert parsed.description.startswith("AADSTS900144: The request body must contain")
    assert "'response_type'" in parsed.description


def test_redirect_with_fragment_and_lowercase_escapes() -> None:
    url = redirect("invalid_grant", 70008).replace("?", "#").replace("%3A", "%3a")
    parsed = catalog.parse(url)
    assert parsed.codes == (70008,)
    assert parsed.errors == ("invalid_grant",)
    assert catalog.match(url)[0].id == "aadsts.70008"


def test_whole_json_body() -> None:
    parsed = catalog.parse(body(70011, "invalid_scope"))
    assert parsed.codes == (70011,)
    assert parsed.errors == ("invalid_scope",)
    assert (parsed.trace_id, parsed.correlation_id, parsed.timestamp) == (TRACE, CORR, STAMP)


def test_json_body_inside_a_log_line() -> None:
    line = "2024-05-01T10:00:02Z ERROR refresh work: HTTP 400 " + body(70008, "invalid_grant")
    parsed = catalog.parse(line)
    assert parsed.codes == (70008,)
    assert 400 in parsed.statuses
    assert [m.id for m in catalog.match(line)][:3] == ["aadsts.70008", "oauth.invalid_grant",
                                                      "http.400"]


def test_newer_description_with_spaces_and_several_codes() -> None:
    text = json.dumps({"error": "invalid_grant",
                       "error_description": f"AADSTS70008: Expired. Trace ID: {TRACE} "
                                            f"Correlation ID: {CORR} Timestamp: {STAMP}",
                       "error_codes": [70002, 70008]})
    parsed = catalog.parse(text)
    assert parsed.codes == (70002, 70008)
    assert (parsed.trace_id, parsed.correlation_id, parsed.timestamp) == (TRACE, CORR, STAMP)
    found = catalog.match(text)
    assert found[0].id == "aadsts.70008"
    # 70002 is not in the catalog: it rides on the generic invalid_grant entry with its link
    generic = next(m for m in found if m.id == "oauth.invalid_grant")
    assert generic.code == 70002
    assert generic.link == catalog.lookup_link(70002)


def test_graph_error_body() -> None:
    text = json.dumps({"error": {"code": "InvalidAuthenticationToken", "message": "Expired.",
                                 "innerError": {"date": "2024-05-01T10:00:00", "request-id":
                                                TRACE, "client-request-id": CORR}}})
    parsed = catalog.parse(text)
    assert parsed.errors == ("InvalidAuthenticationToken",)
    assert (parsed.trace_id, parsed.correlation_id) == (TRACE, CORR)
    assert parsed.timestamp == "2024-05-01T10:00:00"
    assert catalog.match(text)[0].id == "http.401"


def test_bare_codes_and_statuses() -> None:
    for text in ("AADSTS7000215", "7000215", "  7000215\n", "see AADSTS7000215.",
                 "aadsts7000215", "AADSTS 7000215"):
        assert catalog.parse(text).codes == (7000215,), text
    assert catalog.parse("429").statuses == (429,)
    assert catalog.parse("HTTP/1.1 503 Service Unavailable").statuses == (503,)
    assert catalog.parse("status_code=401").statuses == (401,)
    assert catalog.parse('{"status": 403}').statuses == (403,)


def test_python_repr_and_log_forms() -> None:
    text = "{'error': 'invalid_grant', 'error_codes': [700082], 'suberror': 'bad_token'}"
    parsed = catalog.parse(text)
    assert parsed.codes == (700082,)
    assert parsed.errors[0] == "invalid_grant"
    assert catalog.match(text)[0].id == "aadsts.700082"


def test_unknown_code_gets_generic_entry_for_its_error_plus_lookup_link() -> None:
    for thing in (body(1234567, "invalid_client"),
                  redirect("invalid_client", 1234567),
                  "invalid_client: AADSTS1234567: something new",
                  OAuthError("Token request failed (HTTP 401): invalid_client.", status=401,
                             error="invalid_client", codes=(1234567,))):
        found = catalog.match(thing)
        assert found[0].id == "oauth.invalid_client", thing
        assert found[0].code == 1234567
        assert found[0].link == "https://login.microsoftonline.com/error?code=1234567"


def test_unknown_code_without_error_gets_the_fallback_entry() -> None:
    found = catalog.match("AADSTS1234567")
    assert [m.id for m in found] == ["aadsts.unknown"]
    assert found[0].link == catalog.lookup_link(1234567)
    advice = catalog.advice_for(OAuthError("x", codes=(1234567,)))
    assert advice is not None
    assert "https://login.microsoftonline.com/error?code=1234567" in advice


def test_ranking_code_then_error_then_status_then_class() -> None:
    exc = OAuthError("Token request failed (HTTP 401): invalid_client: AADSTS7000215.",
                     status=401, error="invalid_client", codes=(7000215,))
    assert [m.id for m in catalog.match(exc)] == ["aadsts.7000215", "oauth.invalid_client",
                                                 "http.401"]
    levels = [m.level for m in catalog.match(exc)]
    assert levels == sorted(levels, reverse=True)
    net = OAuthError("Token request failed (HTTP 503): no answer.", kind=NETWORK, status=503)
    assert [m.id for m in catalog.match(net)] == ["http.5xx", "network.generic"]


def test_the_seed_rows_read_as_the_seed_intends() -> None:
    auth = catalog.match("Authentication failed.")[0].entry
    assert auth.id == "seed.authentication_failed"
    assert "client ID" in auth.title and "client secret" in auth.title
    steps = " ".join(auth.resolution)
    assert "Client ID" in steps and "Client secret" in steps
    cid = catalog.match("Invalid client_id parameter")[0].entry
    assert cid.id == "seed.invalid_client_id"
    assert "Client ID is wrong" in cid.title
    assert "secret" not in cid.title.lower()
    assert "Client ID" in cid.resolution[0]


def test_text_without_a_match() -> None:
    assert catalog.match("the printer is on fire") == []
    assert catalog.match("") == []
    assert catalog.parse("the printer is on fire").codes == ()


def test_advice_is_title_and_numbered_steps() -> None:
    advice = catalog.advice_for(OAuthError("x", error="invalid_grant", codes=(700082,)))
    assert advice is not None
    lines = advice.splitlines()
    assert "The refresh token died after 90 days without use" in lines[0]
    assert lines[1].lstrip().startswith("1. ")
    assert any(line.lstrip().startswith("2. ") for line in lines)
    assert lines[-1].strip() == "More: https://login.microsoftonline.com/error?code=700082"
    assert catalog.advice_for(KeyError("label")) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_parse_and_match_never_raise(text: str) -> None:
    catalog.parse(text)
    catalog.match(text)
    catalog.match(ValueError(text))


def test_advice_fills_in_the_label() -> None:
    exc = OAuthError("x", error="invalid_grant", codes=(70008,))
    advice = catalog.advice_for(exc, label="work mail")
    assert advice is not None
    assert "`exo-oauth authorize 'work mail'`" in advice and "LABEL" not in advice
    missing = catalog.advice_for(NoSuchAccount("shared"))
    assert missing is not None and "exo-oauth add shared --client-id" in missing


def test_wrapped_advice_never_splits_a_command() -> None:
    for entry in catalog.load():
        text = catalog.format_advice(catalog.Match(entry, catalog.LEVEL_ID, entry.id),
                                     label="work", width=60)
        for line in text.splitlines():
            assert line.count("`") % 2 == 0, (entry.id, line)
