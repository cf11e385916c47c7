"""HTTP plumbing for the OAuth service: retries, and answers turned into data or OAuthError.

Kept apart from oauth.py so that the rules live in one place: transient failures
(connect errors, timeouts, dropped connections, 5xx, 429) are retried with
exponential backoff and jitter, honouring Retry-After; an OAuth 4xx is final.
Anything that is not a JSON object (HTML, empty, truncated) becomes a
``bad_response`` error naming status and content type. Error texts are built only
from the server's error fields and our own words, after scrubbing known secrets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from tui.core.clock import Clock
from tui.core.errors import BAD_RESPONSE, NETWORK, OAUTH, OAuthError

log = logging.getLogger("exo_oauth.http")

AADSTS_RE = re.compile(r"AADSTS(\d+)")
_TRACE_RE = re.compile(r"Trace ID:\s*([0-9A-Za-z-]+)")
_CORR_RE = re.compile(r"Correlation ID:\s*([0-9A-Za-z-]+)")
_TIME_RE = re.compile(r"Timestamp:\s*(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\dZ?)")
# Long opaque strings (JWTs, codes) that must never reach a message.
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
CONNECT_TIMEOUT_S = 10.0
TOTAL_TIMEOUT_S = 30.0
# The longest Retry-After taken as it is; refresh --watch waits this long at most.
MAX_RETRY_AFTER_S = 86400.0


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``tries`` attempts; waits grow base, 2*base, ... with jitter."""

    tries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After ends the retries at once

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Wait after failed attempt number ``attempt`` (1-based): half fixed, half random."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return delay / 2 + rng() * delay / 2


def make_timeout() -> httpx.Timeout:
    return httpx.Timeout(TOTAL_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every known secret value (and anything shaped like a JWT) with ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _JWT_RE.sub("***", text)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); a wait
    longer than a day is read as a day, one that is no number at all as none."""
    if not value:
        return None
    value = value.strip()
    try:
        wait = float(value)
    except ValueError:
        try:
            wait = email.utils.parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, OverflowError):
            return None
    if wait != wait:  # NaN
        return None
    return min(MAX_RETRY_AFTER_S, max(0.0, wait))


def retry_hint(retry_after: float | None, now: float) -> str:
    """A sentence saying how long the server asks to wait and until when, or nothing."""
    if not retry_after:
        return ""
    from tui.core.health import human_duration

    until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(now + retry_after))
    return (f" The server asks to wait {human_duration(retry_after)} before the next try "
            f"(until {until}).")


def codes_from(body: Mapping[str, Any], description: str) -> tuple[int, ...]:
    """AADSTS codes from ``error_codes``, else from the description text."""
    found: list[int] = []
    raw = body.get("error_codes")
    if isinstance(raw, list):
        for item in raw:
            try:
                found.append(int(item))
            except (TypeError, ValueError):
                continue
    if not found:
        found = [int(c) for c in AADSTS_RE.findall(description)]
    return tuple(dict.fromkeys(found))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def oauth_error_from_fields(
    fields: Mapping[str, Any],
    *,
    what: str,
    status: int | None,
    secrets: Iterable[str] = (),
    content_type: str | None = None,
    retry_after: float | None = None,
) -> OAuthError:
    """An OAuthError from Microsoft's error JSON (or a redirect's error parameters)."""
    secrets = tuple(secrets)
    error = fields.get("error")
    description = fields.get("error_description") or ""
    trace = fields.get("trace_id")
    correlation = fields.get("correlation_id")
    if isinstance(error, Mapping):  # Microsoft Graph: {"error": {"code", "message", ...}}
        inner = error.get("innerError") or error.get("innererror") or {}
        description = str(error.get("message") or "")
        trace = trace or (inner.get("request-id") if isinstance(inner, Mapping) else None)
        correlation = correlation or (
            inner.get("client-request-id") if isinstance(inner, Mapping) else None
        )
        error = error.get("code")
    error = scrub(str(error or "unknown_error"), secrets)
    description = scrub(str(description), secrets)
    codes = codes_from(fields, description)
    trace = str(trace) if trace else _match(_TRACE_RE, description)
    correlation = str(correlation) if correlation else _match(_CORR_RE, description)
    timestamp = fields.get("timestamp") or _match(_TIME_RE, description)
    first = _first_line(description)
    for marker in (" Trace ID:", " Correlation ID:", " Timestamp:"):
        first = first.split(marker)[0]
    where = f" (HTTP {status})" if status else ""
    message = f"{what} failed{where}: {error}"
    if first:
        message += f": {first.rstrip('.')}."
    elif codes:
        message += f" (AADSTS{codes[0]})."
    else:
        message += "."
    return OAuthError(
        message,
        kind=OAUTH,
        status=status,
        error=error,
        error_description=description or None,
        codes=codes,
        trace_id=trace,
        correlation_id=correlation,
        timestamp=str(timestamp) if timestamp else None,
        error_uri=_str_or_none(fields.get("error_uri")),
        suberror=_str_or_none(fields.get("suberror") or fields.get("error_subcode")),
        claims=_claims(fields.get("claims")),
        content_type=content_type,
        retry_after=retry_after,
    )


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None


def _claims(value: Any) -> str | None:
    """A claims challenge as JSON text (Microsoft sends a string; an object is accepted)."""
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"))
    return _str_or_none(value)


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _content_kind(content_type: str, body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if "html" in content_type or head.startswith((b"<!doctype", b"<html")):
        return "an HTML page"
    if not body.strip():
        return "an empty body"
    return "a body that is not a JSON object"


def bad_response(
    what: str, status: int, content_type: str, detail: str, retry_after: float | None = None
) -> OAuthError:
    shown = content_type or "no content type"
    return OAuthError(
        f"{what} failed: the server answered HTTP {status} ({shown}) with {detail}, "
        "not the JSON an OAuth endpoint sends.",
        kind=BAD_RESPONSE,
        status=status,
        content_type=content_type or None,
        retry_after=retry_after,
    )


def parse_response(
    resp: httpx.Response, *, what: str, secrets: Iterable[str] = (), now: float = 0.0
) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the OAuthError the answer amounts to."""
    content_type = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    retry_after = parse_retry_after(resp.headers.get("retry-after"), now)
    body = resp.content
    data: dict[str, Any] | None = None
    detail = _content_kind(content_type, body)
    if detail == "a body that is not a JSON object":
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            detail = "invalid or truncated JSON"
        else:
            if isinstance(parsed, dict):
                data = parsed
            else:
                detail = f"a JSON {type(parsed).__name__} instead of an object"
    if data is None:
        raise _hinted(bad_response(what, resp.status_code, content_type, detail,
                                   retry_after), now)
    has_error = isinstance(data.get("error"), str | dict)
    if resp.is_success and not (has_error and "access_token" not in data):
        return data
    if not has_error:
        raise _hinted(bad_response(what, resp.status_code, content_type,
                                   "a JSON object that holds no OAuth error", retry_after), now)
    raise _hinted(oauth_error_from_fields(data, what=what, status=resp.status_code,
                                          secrets=secrets, content_type=content_type,
                                          retry_after=retry_after), now)


def _hinted(error: OAuthError, now: float) -> OAuthError:
    """The error with when to try again, if the server said (a 429 or 503 does)."""
    hint = retry_hint(error.retry_after, now) if error.status in (429, 503) else ""
    return dataclasses.replace(error, message=error.message + hint) if hint else error


def _network_reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting took longer than {CONNECT_TIMEOUT_S:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({_first_line(str(exc)) or 'refused'})"
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return f"no complete answer within {TOTAL_TIMEOUT_S:g} s"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was dropped before a complete answer came back"
    return f"{type(exc).__name__}"


def _where(url: str) -> str:
    u = httpx.URL(url)
    return f"{u.scheme}://{u.netloc.decode('ascii', 'replace')}{u.path}"


def _transient(status: int) -> bool:
    return status == 429 or status >= 500


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    clock: Clock,
    policy: RetryPolicy,
    data: Mapping[str, str] | list[tuple[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    total_timeout: float = TOTAL_TIMEOUT_S,
) -> dict[str, Any]:
    """Send one request (retrying transient failures) and return its JSON object."""
    secrets = tuple(secrets)
    attempt = 0
    while True:
        attempt += 1
        try:
            async with asyncio.timeout(total_timeout):
                resp = await client.request(method, url, data=dict(data) if data else None,
                                            headers=headers)
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL) as exc:
            raise OAuthError(f"{what} failed: {_where(url)} is not a URL we can call "
                             f"({type(exc).__name__}).", kind=NETWORK) from None
        except (httpx.TransportError, TimeoutError) as exc:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s: attempt %d: %s", method, _where(url), attempt,
                          type(exc).__name__)
            if attempt < policy.tries:
                await clock.sleep(policy.backoff(attempt))
                continue
            tried = f" (tried {attempt} times)" if attempt > 1 else ""
            raise OAuthError(f"{what} failed: no answer from {_where(url)}: "
                             f"{_network_reason(exc)}{tried}.", kind=NETWORK) from None
        if log.isEnabledFor(logging.DEBUG):  # parsing the URL again costs, per request
            log.debug("%s %s: attempt %d: HTTP %d", method, _where(url), attempt,
                      resp.status_code)
        if _transient(resp.status_code) and attempt < policy.tries:
            wait = parse_retry_after(resp.headers.get("retry-after"), clock.time())
            if wait is None or wait <= policy.max_retry_after:
                await clock.sleep(policy.backoff(attempt) if wait is None else wait)
                continue
        return parse_response(resp, what=what, secrets=secrets, now=clock.time())
