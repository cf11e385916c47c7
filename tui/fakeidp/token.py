"""POST /{tenant}/oauth2/v2.0/token and /devicecode: the grants, client checks and faults.

Check order follows what a client would meet at Microsoft: injected faults (a
gateway in front), tenant, request shape, client authentication, then the
grant itself. Every answer goes through ``error`` or ``issue`` so stats stay
honest. Conditional Access faults are served last, in ``issue``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from urllib.parse import unquote

from . import errors, pages, policy
from .authorize import tenant_error
from .claims import access_claims, app_claims, id_claims, resources, tenant_id
from .device import DeviceCodes
from .replies import Reply, html_reply, json_reply
from .signing import TokenMinter
from .state import POLICY, FaultPlan, Grant, State

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SHORT_GRANT = {DEVICE_GRANT: "device_code"}
_REPLACED = "A newer refresh token issued from this one has already been used."
# Tokens living this long or longer come with refresh_in (unless the option says otherwise).
REFRESH_IN_FROM_S = 7200


class TokenService:
    """Token and device-code endpoints over one State."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.minter = TokenMinter(state.clock.now())
        self.devices = DeviceCodes(self)
        self.base_url = ""

    # ---- helpers -------------------------------------------------------------------
    def error(self, code: int, correlation: str | None = None, **fields: str) -> Reply:
        body = errors.aad_error(code, self.state.clock.now(), correlation_id=correlation,
                                **fields)
        self.state.stats.count("errors", str(body["error"]))
        return json_reply(errors.status_for(body), body)

    def number(self, value: int) -> int | str:
        """A number as the endpoint sends it: some of Microsoft's send them as strings."""
        return str(value) if self.state.options.numbers_as_strings else value

    def scope_error(self, scopes: tuple[str, ...], corr: str | None) -> Reply | None:
        if len(resources(scopes)) > 1:
            return self.error(28000, corr, scope=" ".join(scopes))
        return None

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
                return client_id, self.error(7000215, corr, client_id=client_id)
            client_id = client_id or unquote(user)
            secret = secret or unquote(pw) or None
        if not client_id:
            return client_id, self.error(900144, corr, param="client_id")
        clients = self.state.options.clients
        if client_id not in clients:
            return client_id, self.error(700016, corr, client_id=client_id, tenant=tenant)
        registered = clients[client_id]
        if registered is None:
            if secret is not None:
                return client_id, self.error(700025, corr)
        elif secret is None:
            return client_id, self.error(7000218, corr)
        elif not hmac.compare_digest(secret.encode(), registered.encode()):
            return client_id, self.error(7000215, corr, client_id=client_id)
        return client_id, None

    def _lifetimes(self, form: dict[str, str]) -> dict[str, object]:
        """expires_in, ext_expires_in and (for long-lived tokens) refresh_in."""
        lifetime = self.state.lifetime(form)
        out: dict[str, object] = {"expires_in": self.number(lifetime),
                                  "ext_expires_in": self.number(lifetime)}
        send = self.state.options.refresh_in
        if send or (send is None and lifetime >= REFRESH_IN_FROM_S):
            out["refresh_in"] = self.number(lifetime // 2)
        return out

    def issue(self, grant_type: str, tenant: str, client_id: str, scopes: tuple[str, ...],
              granted: tuple[str, ...], now: float, form: dict[str, str], corr: str | None,
              *, parent: str | None = None, nonce: str | None = None) -> Reply:
        """A success body, exactly Microsoft's keys; a refresh token only with offline_access.

        A queued Conditional Access or MFA fault is served here instead: a policy decides
        only once everything else about the request is in order.
        """
        plan = self.state.faults.take(POLICY)
        if plan is not None:
            self.state.stats.count("faults", plan.kind)
            answer = policy.ANSWERS[plan.kind]
            resource = (resources(scopes) or ["https://graph.microsoft.com"])[0]
            return self.error(answer.code, corr, resource=resource, client_id=client_id,
                              issued=errors.utc_stamp(now - 86400), limit="1.00:00:00",
                              **policy.error_fields(plan.kind, answer))
        issuer = f"{self.base_url}/{tenant_id(tenant)}/v2.0"
        times = self._lifetimes(form)
        lifetime = int(str(times["expires_in"]))
        lowered = {s.lower() for s in scopes}
        body: dict[str, object] = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in scopes if s.lower() != "offline_access"),
            **times,
            "access_token": self.minter.make(access_claims(
                issuer=issuer, tenant=tenant, client_id=client_id, scopes=list(scopes),
                now=now, lifetime=lifetime)),
        }
        if "offline_access" in lowered or "offline_access" in {s.lower() for s in granted}:
            rt = "0.fake-rt." + secrets.token_urlsafe(48)
            with self.state.lock:
                self.state.grants[rt] = Grant(client_id, tenant, granted, now, parent)
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
        plan = self.state.faults.take()  # a gateway's fault comes before any check
        if plan is not None:
            return self._fault(plan)
        corr = headers.get("client-request-id")
        code = tenant_error(self.state, tenant)
        if code:
            return self.error(code, corr, tenant=tenant)
        if not grant_type:
            return self.error(900144, corr, param="grant_type")
        handler = {"authorization_code": self._code, "refresh_token": self._refresh,
                   DEVICE_GRANT: self._device, "client_credentials": self._app}.get(grant_type)
        if handler is None:
            return self.error(70003, corr, grant_type=grant_type)
        client_id, failure = self._client(tenant, form, headers, corr)
        if failure is not None:
            return failure
        return handler(tenant, client_id, form, corr)

    def _code(self, tenant: str, client_id: str, form: dict[str, str],
              corr: str | None) -> Reply:
        for name in ("code", "redirect_uri"):
            if not form.get(name):
                return self.error(900144, corr, param=name)
        requested = tuple(form.get("scope", "").split())
        if (failure := self.scope_error(requested, corr)) is not None:
            return failure
        now = self.state.clock.now()
        with self.state.lock:
            rec = self.state.codes.get(form["code"])
            if rec is None:
                return self.error(70000, corr, detail="The authorization code is unknown.")
            if rec.client_id != client_id:
                return self.error(70000, corr,
                                  detail="The code was issued to another application.")
            if rec.used:
                return self.error(54005, corr)
            if now > rec.issued + self.state.options.code_lifetime:
                return self.error(70008, corr)
            if form["redirect_uri"] != rec.redirect_uri:
                return self.error(70000, corr, detail="The redirect URI differs from the "
                                  "one used to obtain the code.")
            if rec.challenge is not None and not _pkce_ok(
                    form.get("code_verifier", ""), rec.challenge, rec.method):
                return self.error(501481, corr)
            if not requested and len(resources(rec.scopes)) > 1:
                # Microsoft cannot tell which of the authorized resources the token is for.
                return self.error(28003, corr)
            rec.used = True
        scopes = requested or rec.scopes
        granted = tuple(dict.fromkeys(rec.scopes + scopes))
        return self.issue("authorization_code", tenant, client_id, scopes, granted, now, form,
                          corr, nonce=rec.nonce)

    def _refresh(self, tenant: str, client_id: str, form: dict[str, str],
                 corr: str | None) -> Reply:
        token = form.get("refresh_token", "")
        if not token:
            return self.error(900144, corr, param="refresh_token")
        requested = tuple(form.get("scope", "").split())
        if not requested:
            return self.error(900144, corr, param="scope")
        if (failure := self.scope_error(requested, corr)) is not None:
            return failure
        state = self.state
        now = state.clock.now()
        with state.lock:
            grant = state.grants.get(token)
            if grant is None and token in state.retired:
                return self.error(70000, corr, detail=_REPLACED)
            if grant is None:
                return self.error(9002313, corr)
            if grant.client_id != client_id:
                return self.error(70000, corr, detail="The refresh token was issued to "
                                  "another application.")
            valid_from = state.tokens_valid_from
            if valid_from is not None and grant.issued <= valid_from:
                return self.error(50173, corr, issued=errors.utc_stamp(grant.issued),
                                  valid_from=errors.utc_stamp(valid_from))
            if grant.retired:
                return self.error(70000, corr, detail=_REPLACED)
            lifetime = state.options.refresh_token_lifetime
            if now > grant.issued + lifetime:
                return self.error(700082, corr, issued=errors.utc_stamp(grant.issued),
                                  inactive=_span(lifetime))
            if state.options.strict_rotation:
                _retire_parent(state, grant)
        granted = tuple(dict.fromkeys(grant.scopes + requested))
        return self.issue("refresh_token", tenant, client_id, requested, granted, now, form,
                          corr, parent=token)

    def _device(self, tenant: str, client_id: str, form: dict[str, str],
                corr: str | None) -> Reply:
        return self.devices.redeem(tenant, client_id, form, corr)

    def _app(self, tenant: str, client_id: str, form: dict[str, str],
             corr: str | None) -> Reply:
        if tenant.lower() in ("common", "consumers"):
            return self.error(9001023, corr)
        scope = form.get("scope", "")
        if not scope:
            return self.error(900144, corr, param="scope")
        if len(scope.split()) != 1 or not scope.endswith("/.default"):
            return self.error(1002012, corr, scope=scope)
        if self.state.options.clients.get(client_id) is None:
            return self.error(7000218, corr)
        now = self.state.clock.now()
        times = self._lifetimes(form)
        claims = app_claims(issuer=f"{self.base_url}/{tenant_id(tenant)}/v2.0", tenant=tenant,
                            client_id=client_id, scope=scope, now=now,
                            lifetime=int(str(times["expires_in"])),
                            roles=self.state.options.app_roles)
        self.state.stats.count("issued", "client_credentials")
        return json_reply(200, {"token_type": "Bearer", **times,
                                "access_token": self.minter.make(claims)})

    # ---- /devicecode and the device page --------------------------------------------
    def devicecode(self, tenant: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        return self.devices.start(tenant, form, headers)

    def decide_device(self, user_code: str, approve: bool) -> str | None:
        """Approve or decline a device sign-in: the outcome (approved, declined, refused),
        or None if the code is unknown, used or expired."""
        return self.devices.decide(user_code, approve)


def _pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if not verifier:
        return False
    if method.upper() == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(verifier, challenge)


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
