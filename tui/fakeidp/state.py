"""What the fake remembers: options, a movable clock, issued grants, counters and queued faults.

Everything here is plain data behind one lock; the HTTP layer (server.py) and the
protocol logic (authorize.py, token.py) never keep state of their own. Time always
comes from ``Clock.now()`` so tests can expire codes and tokens by moving the clock
instead of sleeping.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

NATIVE_CLIENT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
# Obviously fake demo registrations, used when no clients are given.
DEMO_CLIENT_ID = "00000000-0000-4000-8000-00000000c0de"
DEMO_CLIENT_SECRET = "demo-secret"  # a fake secret for a fake provider
DEMO_PUBLIC_CLIENT_ID = "00000000-0000-4000-8000-0000000f00b1"
DEFAULT_CLIENTS: dict[str, str | None] = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET,
                                          DEMO_PUBLIC_CLIENT_ID: None}
UNKNOWN_TENANTS = frozenset({"unknown.example", "00000000-0000-0000-0000-000000000000"})

# Faults the token endpoint can serve instead of a real answer.
NAMED_FAULTS = ("429", "html", "malformed_json", "truncated", "empty", "drop")


def check_fault(kind: str) -> str:
    """Return ``kind`` if the fake knows it (a named fault or any 5xx status), else raise."""
    if kind in NAMED_FAULTS or (kind.isdigit() and 500 <= int(kind) <= 599):
        return kind
    raise ValueError(f"unknown fault {kind!r}; use a 5xx status or one of "
                     f"{', '.join(NAMED_FAULTS)}")


@dataclass
class Options:
    """Settings of one fake; all times in seconds."""

    clients: dict[str, str | None] = field(default_factory=lambda: dict(DEFAULT_CLIENTS))
    auto_approve: float | None = None
    access_token_lifetime: int = 3599
    refresh_token_lifetime: int = 90 * 86400
    latency_ms: float = 0.0
    device_code_lifetime: int = 900
    interval: int = 5
    code_lifetime: int = 600
    redirect_uris: tuple[str, ...] = (NATIVE_CLIENT,)
    # None: every well-formed tenant exists except those in unknown_tenants.
    # A set: only those tenants (plus common/organizations/consumers) exist.
    tenants: frozenset[str] | None = None
    unknown_tenants: frozenset[str] = UNKNOWN_TENANTS
    retry_after: int = 1
    # Roles in app-only tokens; None: claims.DEFAULT_APP_ROLES for the resource asked for.
    app_roles: tuple[str, ...] | None = None


class Clock:
    """Real time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass(slots=True)
class AuthCode:
    client_id: str
    tenant: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    method: str
    nonce: str | None
    issued: float
    used: bool = False


@dataclass(slots=True)
class Grant:
    """One refresh token. ``parent`` is the token it was exchanged for (rotation)."""

    client_id: str
    tenant: str
    scopes: tuple[str, ...]
    issued: float
    last_scopes: tuple[str, ...]
    parent: str | None = None
    retired: bool = False


@dataclass(slots=True)
class Device:
    device_code: str
    user_code: str
    client_id: str
    tenant: str
    scopes: tuple[str, ...]
    issued: float
    expires: float
    interval: int
    last_poll: float | None = None
    status: str = "pending"  # pending | approved | declined | redeemed


@dataclass(slots=True)
class FaultPlan:
    kind: str
    remaining: int | None  # None: applies by fraction, forever
    fraction: float | None = None
    status: int | None = None


class Stats:
    """Counters per endpoint, grant type, issued token kind, error and fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._c: dict[str, Counter[str]] = {
                k: Counter() for k in ("endpoints", "grant_types", "issued", "errors", "faults")}
            for name in ("authorize", "token", "devicecode", "devicelogin", "me", "users",
                         "openid-configuration"):
                self._c["endpoints"][name] = 0
            for name in ("authorization_code", "refresh_token", "device_code",
                         "client_credentials"):
                self._c["grant_types"][name] = 0
                self._c["issued"][name] = 0

    def count(self, group: str, name: str) -> None:
        with self._lock:
            self._c[group][name] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {group: dict(counter) for group, counter in self._c.items()}


class Faults:
    """Queued faults: ``count`` next requests (in order), or a fraction of all requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: list[FaultPlan] = []
        self._random = random.Random()

    def add(self, kind: str, count: int = 1, *, fraction: float | None = None,
            status: int | None = None) -> None:
        check_fault(kind)
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        if fraction is None and count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._plans.append(FaultPlan(kind, None if fraction is not None else count,
                                         fraction, status))

    def take(self) -> FaultPlan | None:
        """The fault to serve for this request, if any (counted ones first, in order)."""
        with self._lock:
            for plan in self._plans:
                if plan.remaining is not None:
                    plan.remaining -= 1
                    if plan.remaining <= 0:
                        self._plans.remove(plan)
                    return plan
            for plan in self._plans:
                if plan.fraction is not None and self._random.random() < plan.fraction:
                    return plan
        return None

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"fault": p.kind, "count": p.remaining, "fraction": p.fraction}
                    for p in self._plans]


class State:
    """Everything issued so far, guarded by ``lock``."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.clock = Clock()
        self.lock = threading.Lock()
        self.stats = Stats()
        self.faults = Faults()
        self.key = secrets.token_bytes(32)
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.retired: set[str] = set()  # refresh tokens replaced long ago (names only)
        self.devices: dict[str, Device] = {}  # by device_code
        self.user_codes: dict[str, str] = {}  # user_code -> device_code
        self.pending_sign_ins: dict[str, tuple[str, dict[str, str]]] = {}
        self.tokens_valid_from: float | None = None

    def revoke_all(self) -> None:
        """Simulate a password reset: every refresh token issued so far stops working."""
        with self.lock:
            self.tokens_valid_from = self.clock.now()
