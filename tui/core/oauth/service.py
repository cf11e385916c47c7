"""The OAuth service: every call to the identity provider goes through here.

One ``httpx.AsyncClient`` per service (10 s connect, 30 s per request). The
service builds authorize URLs (PKCE S256 + state), redeems codes, refreshes,
runs the device code flow (RFC 8628) and calls APIs such as Graph /me. It knows
nothing about who listens: device-flow progress is an async iterator (or a
callback), results are plain frozen values, failures are ``OAuthError``.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import httpx

from tui.core.clock import SYSTEM_CLOCK, Clock
from tui.core.errors import OAUTH, OAuthError, UsageError
from tui.core.model import GRAPH_SCOPES, Account, ParamRow, TokenState, param
from tui.core.tenant import is_microsoft_host

from .endpoints import devicecode_url, discovery_candidates
from .http import RetryPolicy, bad_response, make_timeout, request_json
from .lifetimes import MAX_DEVICE_CODE_S, MAX_POLL_INTERVAL_S, checked_seconds
from .pkce import Pkce, new_state

USER_AGENT = "exo-oauth"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL_S = 5.0
SLOW_DOWN_STEP_S = 5.0


def merge_params(defaults: Iterable[tuple[str, str]],
                 rows: Iterable[ParamRow]) -> list[tuple[str, str]]:
    """Defaults, then the account's rows in order; a row replaces a same-named earlier value."""
    merged: dict[str, str] = dict(defaults)
    for row in rows:
        name = row.name.strip()
        if name:
            merged[name] = row.value
    return list(merged.items())


@dataclass(frozen=True)
class AuthorizeRequest:
    """One authorize attempt: the URL to open and what is needed to redeem its answer."""

    url: str
    state: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str


@dataclass(frozen=True)
class TokenResult:
    """What a token endpoint issued. ``refresh_token`` is "" when none came back."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None
    expires_at: float | None
    obtained_at: float
    refresh_token: str = field(default="", repr=False)
    scope: str = ""
    id_token: str = field(default="", repr=False)
    refresh_due_at: float | None = None  # from refresh_in: when a refresh is advised

    @classmethod
    def from_json(cls, data: dict[str, Any], *, sent_at: float, what: str,
                  status: int = 200) -> TokenResult:
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise bad_response(what, status, "application/json", "no access_token in it")
        expires_in = checked_seconds(data, "expires_in", what=what, status=status)
        refresh_in = checked_seconds(data, "refresh_in", what=what, status=status)
        if refresh_in is not None and expires_in is not None and refresh_in >= expires_in:
            refresh_in = None  # advice past the expiry is no advice
        refresh = data.get("refresh_token")
        return cls(
            access_token=token,
            token_type=str(data.get("token_type") or "Bearer"),
            expires_in=expires_in,
            # Counted from when the request left: a little early is safe, late is not.
            expires_at=None if expires_in is None else sent_at + expires_in,
            obtained_at=sent_at,
            refresh_token=refresh if isinstance(refresh, str) else "",
            scope=str(data.get("scope") or ""),
            id_token=str(data.get("id_token") or ""),
            refresh_due_at=None if refresh_in is None else sent_at + refresh_in,
        )

    def apply_to(self, state: TokenState, *, keep_refresh_token: bool = True) -> TokenState:
        """The token state after this result; the old refresh token stays if none came back."""
        refresh = self.refresh_token or (state.refresh_token if keep_refresh_token else "")
        return replace(
            state,
            access_token=self.access_token,
            refresh_token=refresh,
            expires_at=self.expires_at,
            obtained_at=self.obtained_at,
            scope=self.scope or state.scope,
            token_type=self.token_type,
            needs_authorization=False,
            refresh_due_at=self.refresh_due_at,
            last_refresh_at=self.obtained_at,
            last_error="",
            last_error_id="",
            last_error_at=None,
        )


@dataclass(frozen=True)
class DeviceCode:
    """The answer of the device authorization endpoint; show user_code and verification_uri."""

    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    expires_in: float
    interval: float
    message: str = ""
    verification_uri_complete: str = ""


@dataclass(frozen=True)
class DeviceProgress:
    """One step of the device flow: started, pending, slow_down or done (with ``result``)."""

    kind: str
    device: DeviceCode
    interval: float
    remaining: float
    polls: int = 0
    result: TokenResult | None = None


ProgressCallback = Callable[[DeviceProgress], Awaitable[None] | None]


class OAuthService:
    """Talks to one or many identity providers through a single HTTP client."""

    def __init__(self, *, clock: Clock | None = None, retry: RetryPolicy | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 verify: Any = True) -> None:
        """``verify``: as httpx's (an ssl.SSLContext trusts a chosen CA, e.g. doctor's --cafile)."""
        self.clock = clock or SYSTEM_CLOCK
        self.retry = retry or RetryPolicy()
        self.client = httpx.AsyncClient(
            timeout=make_timeout(), transport=transport, follow_redirects=False, verify=verify,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        self._device_endpoints: dict[str, str] = {}

    async def __aenter__(self) -> OAuthService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    # -- authorization code ----------------------------------------------------------

    def authorize_request(self, account: Account, *, redirect_uri: str | None = None,
                          state: str | None = None) -> AuthorizeRequest:
        """A fresh authorize URL (new state and PKCE verifier) for this account."""
        pkce = Pkce.new()
        defaults = [
            ("client_id", account.client_id),
            ("response_type", "code"),
            ("redirect_uri", redirect_uri or account.redirect_uri),
            ("state", state or new_state()),
            ("code_challenge", pkce.challenge),
            ("code_challenge_method", pkce.method),
        ]
        params = dict(merge_params(defaults, account.auth_params))
        if params["code_challenge_method"].lower() == "plain" and params["code_challenge"] == \
                pkce.challenge:
            params["code_challenge"] = pkce.verifier
        parts = urlsplit(account.authorize_url.strip())
        query = urlencode(list(params.items()), quote_via=quote)
        query = f"{parts.query}&{query}" if parts.query else query
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return AuthorizeRequest(url=url, state=params["state"], code_verifier=pkce.verifier,
                                redirect_uri=params["redirect_uri"])

    async def exchange_code(self, account: Account, code: str,
                            request: AuthorizeRequest) -> TokenResult:
        """Redeem an authorization code (with the PKCE verifier and the same redirect URI)."""
        grant = [
            ("client_id", account.client_id),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", request.redirect_uri),
            ("code_verifier", request.code_verifier),
            *_fallback_scope(account),
        ]
        return await self._token(account, grant, "Redeeming the sign-in code",
                                 (code, request.code_verifier))

    async def refresh(self, account: Account, refresh_token: str) -> TokenResult:
        """Trade a refresh token for new tokens (the caller stores a rotated refresh token)."""
        if not refresh_token:
            raise UsageError(f"{account.label!r} has no refresh token; authorize it first.")
        grant = [
            ("client_id", account.client_id),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            *_fallback_scope(account),  # Microsoft refuses a refresh without one (900144)
        ]
        return await self._token(account, grant, f"Refreshing the token of {account.label!r}",
                                 (refresh_token,))

    async def client_credentials(self, account: Account) -> TokenResult:
        """App-only token (confidential clients; scope should be RESOURCE/.default)."""
        grant = [("client_id", account.client_id), ("grant_type", "client_credentials")]
        return await self._token(account, grant, "Getting an app-only token", ())

    def _client_auth(self, account: Account, body: list[tuple[str, str]],
                     headers: dict[str, str]) -> list[str]:
        """Add client authentication; return the secrets used (to scrub from errors)."""
        if account.is_public or not account.client_secret:
            return []
        secret = account.client_secret
        if account.client_auth == "basic":
            pair = f"{quote(account.client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            body.append(("client_secret", secret))
        return [secret]

    async def _token(self, account: Account, grant: list[tuple[str, str]], what: str,
                     secrets: Iterable[str]) -> TokenResult:
        body = merge_params(grant, account.token_params)
        headers: dict[str, str] = {}
        used = self._client_auth(account, body, headers)
        sent_at = self.clock.time()
        data = await request_json(
            self.client, "POST", account.token_url.strip(), what=what, clock=self.clock,
            policy=self.retry, data=body, headers=headers, secrets=(*secrets, *used),
        )
        return TokenResult.from_json(data, sent_at=sent_at, what=what)

    # -- device code (RFC 8628) ----------------------------------------------------------

    async def device_endpoint(self, account: Account) -> str:
        """Microsoft: the token URL with /token -> /devicecode; others: OpenID discovery."""
        token_url = account.token_url.strip()
        if is_microsoft_host(token_url):
            return devicecode_url(token_url)
        if token_url not in self._device_endpoints:
            self._device_endpoints[token_url] = await self._discover_device_endpoint(token_url)
        return self._device_endpoints[token_url]

    async def _discover_device_endpoint(self, token_url: str) -> str:
        for url in discovery_candidates(token_url):
            try:
                doc = await request_json(self.client, "GET", url, what="Reading the discovery "
                                         "document", clock=self.clock, policy=self.retry)
            except OAuthError as exc:
                if exc.kind == "network":
                    raise
                continue
            endpoint = doc.get("device_authorization_endpoint")
            if isinstance(endpoint, str) and endpoint:
                return endpoint
        host = urlsplit(token_url).netloc
        raise OAuthError(
            f"The identity provider at {host} publishes no device_authorization_endpoint in "
            "its discovery document; use --method paste or --method loopback instead.",
            kind=OAUTH, error="device_flow_unsupported",
        )

    async def start_device(self, account: Account) -> DeviceCode:
        """Ask for a device code and user code."""
        endpoint = await self.device_endpoint(account)
        scope = (param(account.token_params, "scope") or param(account.auth_params, "scope")
                 or GRAPH_SCOPES)
        body = [("client_id", account.client_id), ("scope", scope)]
        headers: dict[str, str] = {}
        used: list[str] = []
        if not is_microsoft_host(endpoint):  # RFC 8628 3.1: confidential clients authenticate
            used = self._client_auth(account, body, headers)
        what = "Starting the device sign-in"
        data = await request_json(self.client, "POST", endpoint, what=what, clock=self.clock,
                                  policy=self.retry, data=body, headers=headers, secrets=used)
        device_code = data.get("device_code")
        user_code = data.get("user_code")
        uri = data.get("verification_uri") or data.get("verification_url")
        if not (isinstance(device_code, str) and isinstance(user_code, str) and uri):
            raise bad_response(what, 200, "application/json",
                               "no device_code, user_code or verification_uri in it")
        return DeviceCode(
            device_code=device_code, user_code=user_code, verification_uri=str(uri),
            expires_in=checked_seconds(data, "expires_in", what=what,
                                       ceiling=MAX_DEVICE_CODE_S) or 900.0,
            interval=checked_seconds(data, "interval", what=what,
                                     ceiling=MAX_POLL_INTERVAL_S) or DEFAULT_INTERVAL_S,
            message=str(data.get("message") or ""),
            verification_uri_complete=str(data.get("verification_uri_complete") or ""),
        )

    async def device_flow(self, account: Account) -> AsyncIterator[DeviceProgress]:
        """Run the device flow, yielding progress; the last item has kind "done" and a result.

        Polls every ``interval`` seconds, adds 5 s on slow_down, stops on declined,
        bad_verification_code or expired_token, and gives up at ``expires_in``.
        """
        device = await self.start_device(account)
        interval = device.interval
        deadline = self.clock.monotonic() + device.expires_in
        polls = 0
        yield DeviceProgress("started", device, interval, device.expires_in)
        grant = [("client_id", account.client_id), ("grant_type", DEVICE_GRANT),
                 ("device_code", device.device_code)]
        while True:
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                raise device_expired()
            await self.clock.sleep(min(interval, remaining))
            if self.clock.monotonic() >= deadline:
                raise device_expired()
            polls += 1
            try:
                result = await self._token(account, grant, "Checking the device sign-in",
                                           (device.device_code,))
            except OAuthError as exc:
                remaining = deadline - self.clock.monotonic()
                if exc.error == "authorization_pending":
                    yield DeviceProgress("pending", device, interval, remaining, polls)
                    continue
                if exc.error == "slow_down":
                    interval += SLOW_DOWN_STEP_S
                    yield DeviceProgress("slow_down", device, interval, remaining, polls)
                    continue
                raise
            yield DeviceProgress("done", device, interval, deadline - self.clock.monotonic(),
                                 polls, result)
            return

    async def run_device_flow(self, account: Account,
                              on_progress: ProgressCallback | None = None) -> TokenResult:
        """The device flow with a callback instead of an iterator; returns the tokens."""
        async for step in self.device_flow(account):
            if on_progress is not None:
                maybe = on_progress(step)
                if inspect.isawaitable(maybe):
                    await maybe
            if step.result is not None:
                return step.result
        raise AssertionError("device flow ended without a result")  # pragma: no cover

    # -- APIs ---------------------------------------------------------------------------

    async def get_json(self, url: str, access_token: str, *, what: str | None = None,
                       token_type: str = "Bearer") -> dict[str, Any]:
        """GET an API with the access token (e.g. Graph /me)."""
        return await request_json(
            self.client, "GET", url, what=what or f"Calling {url}", clock=self.clock,
            policy=self.retry, headers={"Authorization": f"{token_type or 'Bearer'} "
                                                         f"{access_token}"},
            secrets=(access_token,),
        )


def _fallback_scope(account: Account) -> list[tuple[str, str]]:
    """The Auth endpoint's scope for a token request whose own rows name none (the token
    rows, added to every request, win when they do)."""
    if param(account.token_params, "scope") is not None:
        return []
    scope = param(account.auth_params, "scope")
    return [("scope", scope)] if scope else []


def device_expired() -> OAuthError:
    return OAuthError("The device code expired before the sign-in was finished; "
                      "run authorize again for a new code.", kind=OAUTH, error="expired_token")

