"""POST /{tenant}/oauth2/v2.0/token and /devicecode: the grants, client checks and faults.

Check order follows what a client would meet at Microsoft: injected faults (a
gateway in front), tenant, request shape, client authentication, then the
grant itself. Every answer goes through ``_error`` or ``_issue`` so stats stay
honest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from urllib.parse import unquote

from . import errors, pages
from .authorize import tenant_error
from .claims import (
    TokenMinter,
    access_claims,
    app_claims,
    id_claims,
    resource_of,
    resources,
    tenant_id,
)
from .replies import Reply, html_reply, json_reply
from .state import Device, FaultPlan, Grant, State

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SHORT_GRANT = {DEVICE_GRANT: "device_code"}
_REPLACED = "A newer refresh token issued from this one has already been used."
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class TokenService:
    """Token and device-code endpoints over one State."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.minter = TokenMinter(state.key)
        self.base_url = ""

    # ---- helpers -------------------------------------------------------------------
    def _error(self, code: int, correlation: str | None = None, **fields: str) -> Reply:
        body = errors.aad_error(code, self.state.clock.now(), correlation_id=correlation,
                                **fields)
        self.state.stats.count("errors", str(body["error"]))
        return json_reply(errors.status_for(body), body)

    def _client(self, tenant: str, form: dict[str, str], headers: dict[str, str],
                corr: str | None) -> tuple[str, Reply | None]:
        """Authenticate the client: (client_id, error reply or None)."""
        client_id = form.get("client_id", "")
        secret = form.get("client_secret") or None
        basic = headers.get("authorization", "")
        if basic[:6].lower() == "basic ":
            try:
                pair = base64.b64decode(basic[6:].strip(), validate=True).decode()
                user, _, pw = pair.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return client_id, self._error(7000215, corr, client_id=client_id)
            client_id = client_id or unquote(user)
            secret = secret or unquote(pw) or None
        if not client_id:
            return client_id, self._error(900144, corr, param="client_id")
        clients = self.state.options.clients
        if client_id not in clients:
            return client_id, self._error(700016, corr, client_id=client_id, tenant=tenant)
        registered = clients[client_id]
        if registered is None:
            if secret is not None:
                return client_id, self._error(700025, corr)
        elif secret is None:
            return client_id, self._error(7000218, corr)
        elif not hmac.compare_digest(secret.encode(), registered.encode()):
            return client_id, self._error(7000215, corr, client_id=client_id)
        return client_id, None

    def _issue(self, grant_type: str, tenant: str, client_id: str, scopes: tuple[str, ...],
               granted: tuple[str, ...], now: float, *, parent: str | None = None,
               nonce: str | None = None) -> Reply:
        """A success body, exactly Microsoft's keys; a refresh token only with offline_access."""
        opts = self.state.options
        issuer = f"{self.base_url}/{tenant_id(tenant)}/v2.0"
        lifetime = opts.access_token_lifetime
        lowered = {s.lower() for s in scopes}
        body: dict[str, object] = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in scopes if s.lower() != "offline_access"),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": self.minter.make(access_claims(
                issuer=issuer, tenant=tenant, client_id=client_id, scopes=list(scopes),
                now=now, lifetime=lifetime)),
        }
        if "offline_access" in lowered or "offline_access" in {s.lower() for s in granted}:
            rt = "0.fake-rt." + secrets.token_urlsafe(48)
            with self.state.lock:
                self.state.grants[rt] = Grant(client_id, tenant, granted, now, scopes, parent)
            body["refresh_token"] = rt
        if "openid" in lowered:
            body["id_token"] = self.minter.make(id_claims(
                issuer=issuer, tenant=tenant, client_id=client_id, now=now,
                lifetime=lifetime, nonce=nonce))
        self.state.stats.count("issued", grant_type)
        return json_reply(200, body)

    def _fault(self, plan: FaultPlan) -> Reply:
        self.state.stats.count("faults", plan.kind)
        now = self.state.clock.now()
        retry = (("Retry-After", str(self.state.options.retry_after)),)
        if plan.kind.isdigit():
            body = errors.aad_error(90033, now)
            return json_reply(plan.status or int(plan.kind), body, retry)
        if plan.kind == "429":
            return json_reply(plan.status or 429, errors.aad_error(90033, now), retry)
        status = plan.status or 200
        if plan.kind == "html":
            return html_reply(status, pages.fault_page())
        if plan.kind == "malformed_json":
            return Reply(status, b'{"token_type":"Bearer",access_token:}',
                         "application/json; charset=utf-8")
        if plan.kind == "empty":
            return Reply(status, b"", "application/json; charset=utf-8")
        fake_body = json_reply(status, {"token_type": "Bearer", "scope": "User.Read",
                                        "expires_in": 3599, "ext_expires_in": 3599,
                                        "access_token": "x" * 64})
        return Reply(status, fake_body.body, fake_body.content_type, fault=plan.kind)

    # ---- /token ----------------------------------------------------------------------
    def token(self, tenant: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        grant_type = form.get("grant_type", "")
        short = SHORT_GRANT.get(grant_type, grant_type or "(none)")
        self.state.stats.count("grant_types", short)
        plan = self.state.faults.take()
        if plan is not None:
            return self._fault(plan)
        corr = headers.get("client-request-id")
        code = tenant_error(self.state, tenant)
        if code:
            return self._error(code, corr, tenant=tenant)
        if not grant_type:
            return self._error(900144, corr, param="grant_type")
        handler = {"authorization_code": self._code, "refresh_token": self._refresh,
                   DEVICE_GRANT: self._device, "client_credentials": self._app}.get(grant_type)
        if handler is None:
            return self._error(70003, corr, grant_type=grant_type)
        client_id, failure = self._client(tenant, form, headers, corr)
        if failure is not None:
            return failure
        return handler(tenant, client_id, form, corr)

    def _scope_error(self, scopes: tuple[str, ...], corr: str | None) -> Reply | None:
        if len(resources(scopes)) > 1:
            return self._error(28000, corr, scope=" ".join(scopes))
        return None

    def _code(self, tenant: str, client_id: str, form: dict[str, str],
              corr: str | None) -> Reply:
        for name in ("code", "redirect_uri"):
            if not form.get(name):
                return self._error(900144, corr, param=name)
        requested = tuple(form.get("scope", "").split())
        if (failure := self._scope_error(requested, corr)) is not None:
            return failure
        now = self.state.clock.now()
        with self.state.lock:
            rec = self.state.codes.get(form["code"])
            if rec is None:
                return self._error(70000, corr, detail="The authorization code is unknown.")
            if rec.client_id != client_id:
                return self._error(70000, corr,
                                   detail="The code was issued to another application.")
            if rec.used:
                return self._error(54005, corr)
            if now > rec.issued + self.state.options.code_lifetime:
                return self._error(70008, corr)
            if form["redirect_uri"] != rec.redirect_uri:
                return self._error(70000, corr, detail="The redirect URI differs from the "
                                   "one used to obtain the code.")
            if rec.challenge is not None and not _pkce_ok(
                    form.get("code_verifier", ""), rec.challenge, rec.method):
                return self._error(501481, corr)
            rec.used = True
        scopes = requested or _first_resource(rec.scopes)
        granted = tuple(dict.fromkeys(rec.scopes + scopes))
        return self._issue("authorization_code", tenant, client_id, scopes, granted, now,
                           nonce=rec.nonce)

    def _refresh(self, tenant: str, client_id: str, form: dict[str, str],
                 corr: str | None) -> Reply:
        token = form.get("refresh_token", "")
        if not token:
            return self._error(900144, corr, param="refresh_token")
        requested = tuple(form.get("scope", "").split())
        if (failure := self._scope_error(requested, corr)) is not None:
            return failure
        state = self.state
        now = state.clock.now()
        with state.lock:
            grant = state.grants.get(token)
            if grant is None and token in state.retired:
                return self._error(70000, corr, detail=_REPLACED)
            if grant is None:
                return self._error(9002313, corr)
            if grant.client_id != client_id:
                return self._error(70000, corr, detail="The refresh token was issued to "
                                   "another application.")
            valid_from = state.tokens_valid_from
            if valid_from is not None and grant.issued <= valid_from:
                return self._error(50173, corr, issued=errors.utc_stamp(grant.issued),
                                   valid_from=errors.utc_stamp(valid_from))
            if grant.retired:
                return self._error(70000, corr, detail=_REPLACED)
            lifetime = state.options.refresh_token_lifetime
            if now > grant.issued + lifetime:
                return self._error(700082, corr, issued=errors.utc_stamp(grant.issued),
                                   inactive=_span(lifetime))
            _retire_parent(state, grant)
        scopes = requested or grant.last_scopes
        granted = tuple(dict.fromkeys(grant.scopes + scopes))
        return self._issue("refresh_token", tenant, client_id, scopes, granted, now,
                           parent=token)

    def _device(self, tenant: str, client_id: str, form: dict[str, str],
                corr: str | None) -> Reply:
        device_code = form.get("device_code", "")
        if not device_code:
            return self._error(900144, corr, param="device_code")
        state = self.state
        now = state.clock.now()
        with state.lock:
            dev = state.devices.get(device_code)
            if dev is None or dev.client_id != client_id:
                return self._error(-70000, corr)
            if dev.status == "redeemed":
                return self._error(54005, corr)
            if now >= dev.expires:
                return self._error(70019, corr)
            if dev.status == "declined":
                return self._error(65004, corr)
            auto = state.options.auto_approve
            if dev.status == "pending" and auto is not None and now >= dev.issued + auto:
                dev.status = "approved"
            if dev.status == "pending":
                last, dev.last_poll = dev.last_poll, now
                if last is not None and now - last < dev.interval - 0.25:
                    dev.interval += 5
                    return self._error(-70016, corr)
                return self._error(70016, corr)
            dev.status = "redeemed"
        return self._issue("device_code", tenant, client_id, dev.scopes, dev.scopes, now)

    def _app(self, tenant: str, client_id: str, form: dict[str, str],
             corr: str | None) -> Reply:
        if tenant.lower() in ("common", "consumers"):
            return self._error(9001023, corr)
        scope = form.get("scope", "")
        if not scope:
            return self._error(900144, corr, param="scope")
        if len(scope.split()) != 1 or not scope.endswith("/.default"):
            return self._error(1002012, corr, scope=scope)
        if self.state.options.clients.get(client_id) is None:
            return self._error(7000218, corr)
        now = self.state.clock.now()
        lifetime = self.state.options.access_token_lifetime
        claims = app_claims(issuer=f"{self.base_url}/{tenant_id(tenant)}/v2.0", tenant=tenant,
                            client_id=client_id, scope=scope, now=now, lifetime=lifetime,
                            roles=self.state.options.app_roles)
        self.state.stats.count("issued", "client_credentials")
        return json_reply(200, {"token_type": "Bearer", "expires_in": lifetime,
                                "ext_expires_in": lifetime,
                                "access_token": self.minter.make(claims)})

    # ---- /devicecode and the device page --------------------------------------------
    def devicecode(self, tenant: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        corr = headers.get("client-request-id")
        code = tenant_error(self.state, tenant)
        if code:
            return self._error(code, corr, tenant=tenant)
        client_id = form.get("client_id", "")
        if not client_id:
            return self._error(900144, corr, param="client_id")
        if client_id not in self.state.options.clients:
            return self._error(700016, corr, client_id=client_id, tenant=tenant)
        scopes = tuple(form.get("scope", "").split())
        if not scopes:
            return self._error(900144, corr, param="scope")
        if (failure := self._scope_error(scopes, corr)) is not None:
            return failure
        opts = self.state.options
        now = self.state.clock.now()
        device_code = "fake-dc." + secrets.token_urlsafe(48)
        with self.state.lock:
            user_code = _new_user_code(self.state)
            self.state.devices[device_code] = Device(
                device_code, user_code, client_id, tenant, scopes, now,
                now + opts.device_code_lifetime, opts.interval)
            self.state.user_codes[user_code] = device_code
        uri = f"{self.base_url}/devicelogin"
        return json_reply(200, {
            "user_code": user_code, "device_code": device_code, "verification_uri": uri,
            "expires_in": opts.device_code_lifetime, "interval": opts.interval,
            "message": f"To sign in, open the page {uri} in a web browser and enter the code "
                       f"{user_code} to authenticate."})

    def decide_device(self, user_code: str, approve: bool) -> bool:
        """Approve or decline a device sign-in; False if the code is unknown, used or expired."""
        code = user_code.strip().upper().replace("-", "").replace(" ", "")
        with self.state.lock:
            dev = self.state.devices.get(self.state.user_codes.get(code, ""))
            if dev is None or dev.status != "pending" or self.state.clock.now() >= dev.expires:
                return False
            dev.status = "approved" if approve else "declined"
            return True


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if not verifier:
        return False
    if method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(verifier, challenge)


def _first_resource(scopes: tuple[str, ...]) -> tuple[str, ...]:
    """With no scope in the token request: the authorized scopes of the first resource."""
    named = resources(scopes)
    if not named:
        return scopes
    return tuple(s for s in scopes if resource_of(s) in (None, named[0]))


def _retire_parent(state: State, grant: Grant) -> None:
    """The token this one replaced stops working now that its successor has been used."""
    if grant.parent is None:
        return
    parent = state.grants.get(grant.parent)
    if parent is not None:
        parent.retired = True
        if parent.parent is not None:  # keep only the name of long-dead ancestors
            state.grants.pop(parent.parent, None)
            state.retired.add(parent.parent)
            parent.parent = None


def _span(seconds: int) -> str:
    """Microsoft's duration form: ``90.00:00:00``."""
    days, rest = divmod(int(seconds), 86400)
    return f"{days}.{time.strftime('%H:%M:%S', time.gmtime(rest))}"


def _new_user_code(state: State) -> str:
    while True:
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
        if code not in state.user_codes:
            return code
