"""POST /{tenant}/oauth2/v2.0/devicecode, the device-code grant, and the person's decision.

The device code answer names Microsoft's own page (``https://microsoft.com/devicelogin``)
as Microsoft does, unless the fake is told to name its local page. Tenants that block
the device code flow by Conditional Access are played by ``device_code_policy``:
``block`` refuses the person's sign-in and tells the polling client (AADSTS53003);
``block_silently`` never completes it, so the client only sees the code run out.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from .authorize import tenant_error
from .policy import DEVICE_BLOCKED, error_fields
from .replies import Reply, json_reply
from .state import Device, State

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Issuer(Protocol):
    """What the device endpoints use of the token service (token.TokenService)."""

    state: State
    base_url: str

    def error(self, code: int, correlation: str | None = None, **fields: str) -> Reply: ...

    def number(self, value: int) -> int | str: ...

    def scope_error(self, scopes: tuple[str, ...], corr: str | None) -> Reply | None: ...

    def issue(self, grant_type: str, tenant: str, client_id: str, scopes: tuple[str, ...],
              granted: tuple[str, ...], now: float, form: dict[str, str], corr: str | None,
              *, parent: str | None = None, nonce: str | None = None) -> Reply: ...


class DeviceCodes:
    """The device authorization endpoint and the device-code grant over one token service."""

    def __init__(self, service: Issuer) -> None:
        self.svc = service
        self.state = service.state

    def start(self, tenant: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        svc = self.svc
        corr = headers.get("client-request-id")
        code = tenant_error(self.state, tenant)
        if code:
            return svc.error(code, corr, tenant=tenant)
        client_id = form.get("client_id", "")
        if not client_id:
            return svc.error(900144, corr, param="client_id")
        if client_id not in self.state.options.clients:
            return svc.error(700016, corr, client_id=client_id, tenant=tenant)
        scopes = tuple(form.get("scope", "").split())
        if not scopes:
            return svc.error(900144, corr, param="scope")
        if (failure := svc.scope_error(scopes, corr)) is not None:
            return failure
        opts = self.state.options
        now = self.state.clock.now()
        device_code = "fake-dc." + secrets.token_urlsafe(48)
        with self.state.lock:
            user_code = _new_user_code(self.state.user_codes)
            self.state.devices[device_code] = Device(
                device_code, user_code, client_id, tenant, scopes, now,
                now + opts.device_code_lifetime, opts.interval)
            self.state.user_codes[user_code] = device_code
        uri = opts.verification_uri or f"{svc.base_url}/devicelogin"
        return json_reply(200, {
            "user_code": user_code, "device_code": device_code, "verification_uri": uri,
            "expires_in": svc.number(opts.device_code_lifetime),
            "interval": svc.number(opts.interval),
            "message": f"To sign in, open the page {uri} in a web browser and enter the code "
                       f"{user_code} to authenticate."})

    def redeem(self, tenant: str, client_id: str, form: dict[str, str],
               corr: str | None) -> Reply:
        """The device-code grant: pending, slow_down, declined, refused, expired or tokens."""
        svc = self.svc
        device_code = form.get("device_code", "")
        if not device_code:
            return svc.error(900144, corr, param="device_code")
        state = self.state
        opts = state.options
        now = state.clock.now()
        with state.lock:
            dev = state.devices.get(device_code)
            if dev is None or dev.client_id != client_id:
                return svc.error(-70000, corr)
            if dev.status == "redeemed":
                return svc.error(54005, corr)
            if now >= dev.expires:
                return svc.error(opts.expired_device_code, corr)
            if dev.status == "declined":
                return svc.error(65004, corr)
            auto = opts.auto_approve
            if dev.status == "pending" and auto is not None and now >= dev.issued + auto:
                dev.status = _status_after(opts.device_code_policy)
            if dev.status == "refused":
                return svc.error(DEVICE_BLOCKED.code, corr,
                                 **error_fields("device_code_blocked", DEVICE_BLOCKED))
            if dev.status == "pending":
                last, dev.last_poll = dev.last_poll, now
                if last is not None and now - last < dev.interval - 0.25:
                    dev.interval += 5
                    return svc.error(-70016, corr)
                return svc.error(70016, corr)
            dev.status = "redeemed"
        return svc.issue("device_code", tenant, client_id, dev.scopes, dev.scopes, now, form,
                         corr)

    def decide(self, user_code: str, approve: bool) -> str | None:
        """The person approves or declines; the new status (``refused`` when a policy blocks
        device-code sign-ins), or None if the code is unknown, used or expired."""
        code = user_code.strip().upper().replace("-", "").replace(" ", "")
        with self.state.lock:
            dev = self.state.devices.get(self.state.user_codes.get(code, ""))
            if dev is None or dev.status != "pending" or self.state.clock.now() >= dev.expires:
                return None
            if not approve:
                dev.status = "declined"
                return dev.status
            dev.status = _status_after(self.state.options.device_code_policy)
            return "approved" if dev.status == "approved" else "refused"


def _status_after(policy: str) -> str:
    """A device's status once the person signed in, under the tenant's device-code policy:
    block_silently leaves it pending (the person saw the refusal; the device hears nothing)."""
    return {"block": "refused", "block_silently": "pending"}.get(policy, "approved")


def _new_user_code(taken: dict[str, str]) -> str:
    while True:
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
        if code not in taken:
            return code
