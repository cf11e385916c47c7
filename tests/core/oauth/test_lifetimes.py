"""Numbers of seconds in an identity provider's answer are checked before anything uses
them (tui.core.oauth.lifetimes): over real loopback HTTP, from a server that answers as
told (the fake answers as Microsoft does, and Microsoft never sends these)."""

from __future__ import annotations

import pytest

from tests.helpers import CannedIdP, canned_account
from tui.core.clock import ManualClock
from tui.core.errors import BAD_RESPONSE, OAuthError
from tui.core.model import MAX_TOKEN_LIFETIME_S
from tui.core.oauth.lifetimes import checked_seconds
from tui.core.oauth.service import OAuthService

NOW = 1_800_000_000.0
GOOD = {"access_token": "at", "token_type": "Bearer", "refresh_token": "rt"}
# As they arrive on the wire (the JSON text), so NaN and Infinity are really sent.
BAD_EXPIRES_IN = ["-5", "0", "NaN", "Infinity", "-Infinity", "1e30", str(MAX_TOKEN_LIFETIME_S + 1),
                  '"abc"', '""', "true", "[3600]", '{"s": 3600}', "1" + "0" * 400]


def reply(expires_in: str) -> str:
    return ('{"access_token": "at", "token_type": "Bearer", "refresh_token": "rt", '
            f'"expires_in": {expires_in}}}')


@pytest.fixture
def canned() -> CannedIdP:
    with CannedIdP() as server:
        yield server


@pytest.mark.parametrize("expires_in", BAD_EXPIRES_IN)
async def test_an_impossible_expires_in_is_a_bad_reply(canned: CannedIdP, expires_in: str
                                                       ) -> None:
    canned.reply(reply(expires_in))
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        with pytest.raises(OAuthError) as caught:
            await service.refresh(canned_account(canned), "rt")
    assert caught.value.kind == BAD_RESPONSE and int(caught.value.exit_code) == 5
    assert "expires_in" in str(caught.value) and "nothing was stored" in str(caught.value)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(("expires_in", "seconds"), [
    ("3599", 3599), ('"3599"', 3599), ('" 4000 "', 4000), ("3599.9", 3599),
    (str(28 * 3600), 28 * 3600),  # continuous access evaluation: about 28 hours
])
async def test_lifetimes_as_numbers_or_text_are_used(canned: CannedIdP, expires_in: str,
                                                     seconds: int) -> None:
    canned.reply(reply(expires_in))
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        result = await service.refresh(canned_account(canned), "rt")
    assert result.expires_in == seconds and result.expires_at == NOW + seconds


async def test_no_expires_in_is_an_unknown_expiry(canned: CannedIdP) -> None:
    canned.reply(GOOD)
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        result = await service.refresh(canned_account(canned), "rt")
    assert result.expires_in is None and result.expires_at is None


@pytest.mark.parametrize(("name", "value"), [
    ("expires_in", "1e30"), ("expires_in", "-1"), ("interval", "0"), ("interval", "1e9"),
    ("interval", "NaN"),
])
async def test_device_code_numbers_are_checked(canned: CannedIdP, name: str, value: str
                                               ) -> None:
    """An endless interval or code lifetime would poll forever or never."""
    fields = {"device_code": '"dc"', "user_code": '"ABCD-EFGH"',
              "verification_uri": '"https://microsoft.com/devicelogin"', "expires_in": "900",
              "interval": "5", name: value,
              # the same answer serves as the discovery document (not a Microsoft host)
              "device_authorization_endpoint": f'"{canned.token_url}"'}
    canned.reply("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}")
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        with pytest.raises(OAuthError) as caught:
            await service.start_device(canned_account(canned))
    assert caught.value.kind == BAD_RESPONSE and name in str(caught.value)


def test_checked_seconds_leaves_out_nothing_it_accepts() -> None:
    assert checked_seconds({}, "expires_in", what="x") is None
    assert checked_seconds({"expires_in": None}, "expires_in", what="x") is None
    assert checked_seconds({"refresh_in": 1800}, "refresh_in", what="x") == 1800
    with pytest.raises(OAuthError, match="refresh_in is 'soon'"):
        checked_seconds({"refresh_in": "soon"}, "refresh_in", what="x")


@pytest.mark.parametrize("refresh_in", ["-5", "NaN", "1e30", '"soon"'])
async def test_an_impossible_refresh_in_is_a_bad_reply(canned: CannedIdP, refresh_in: str
                                                       ) -> None:
    canned.reply(reply(f'7200, "refresh_in": {refresh_in}'))
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        with pytest.raises(OAuthError) as caught:
            await service.refresh(canned_account(canned), "rt")
    assert caught.value.kind == BAD_RESPONSE and "refresh_in" in str(caught.value)


@pytest.mark.parametrize(("refresh_in", "due"), [
    ('"3600"', NOW + 3600),  # as text, as some endpoints send it
    ("7200", None), ("9000", None),  # advice at or past the expiry is no advice
])
async def test_refresh_in_sets_when_a_refresh_is_due(canned: CannedIdP, refresh_in: str,
                                                     due: float | None) -> None:
    canned.reply(reply(f'7200, "refresh_in": {refresh_in}'))
    async with OAuthService(clock=ManualClock(start=NOW)) as service:
        result = await service.refresh(canned_account(canned), "rt")
    assert result.expires_at == NOW + 7200 and result.refresh_due_at == due
