"""What the fake remembers: options, a movable clock, issued grants, counters and queued faults.

Everything here is plain data behind one lock; the HTTP layer (server.py) and the
protocol logic (authorize.py, token.py) never keep state of their own. Time always
comes from ``Clock.now()`` so tests can expire codes and tokens by moving the clock
instead of sleeping.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from .policy import ANSWERS

NATIVE_CLIENT = "https://login.microsoftonline.com/common/oauth2/nativeclient"
# Obviously fake demo registrations, used when no clients are given.
DEMO_CLIENT_ID = "00000000-0000-4000-8000-00000000c0de"
DEMO_CLIENT_SECRET = "demo-secret"  # a fake secret for a fake provider
DEMO_PUBLIC_CLIENT_ID = "00000000-0000-4000-8000-0000000f00b1"
DEFAULT_CLIENTS: dict[str, str | None] = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET,
                                          DEMO_PUBLIC_CLIENT_ID: None}
UNKNOWN_TENANTS = frozenset({"unknown.example", "00000000-0000-0000-0000-000000000000"})

# Faults the token endpoint can serve instead of a real answer: what a gateway or a flaky
# network does (served before anything is checked) ...
NAMED_FAULTS = ("429", "html", "malformed_json", "truncated", "empty", "drop")
# ... and what Conditional Access and MFA answer instead of a token a user would otherwise
# get (served only once the request is otherwise good; see policy.py).
POLICY_FAULTS = tuple(ANSWERS)
TRANSPORT = "transport"
POLICY = "policy"
MICROSOFT_DEVICE_PAGE = "https://microsoft.com/devicelogin"
# Microsoft's access tokens live a random 60-90 minutes ...
DEFAULT_LIFETIME = (3600, 5400)
# ... and 20-28 hours for a client that declares continuous access evaluation (xms_cc cp1).
CAE_LIFETIME = (72000, 100800)
DEVICE_POLICIES = ("allow", "block", "block_silently")
EXPIRED_DEVICE_CODES = (70019, 70020)


def check_fault(kind: str) -> str:
    """Return ``kind`` if the fake knows it (a named fault or any 5xx status), else raise."""
    if kind in NAMED_FAULTS or kind in POLICY_FAULTS or (
            kind.isdigit() and 500 <= int(kind) <= 599):
        return kind
    raise ValueError(f"unknown fault {kind!r}; use a 5xx status or one of "
                     f"{', '.join(NAMED_FAULTS + POLICY_FAULTS)}")


def fault_group(kind: str) -> str:
    return POLICY if kind in POLICY_FAULTS else TRANSPORT


Lifetime = int | tuple[int, int]


def check_lifetime(value: Lifetime) -> Lifetime:
    """A lifetime in seconds, or a (shortest, longest) range to draw each token's from."""
    low, high = value if isinstance(value, tuple) else (value, value)
    if not 1 <= low <= high:
        raise ValueError(f"a token lifetime must be at least 1 s (a range low-high with "
                         f"low <= high), not {value!r}")
    return value


@dataclass
class Options:
    """Settings of one fake; all times in seconds."""

    clients: dict[str, str | None] = field(default_factory=lambda: dict(DEFAULT_CLIENTS))
    auto_approve: float | None = None
    # Seconds, or a (shortest, longest) range each token's lifetime is drawn from.
    access_token_lifetime: Lifetime = DEFAULT_LIFETIME
    # refresh_in (half the lifetime): None sends it for tokens living 2 h or more.
    refresh_in: bool | None = None
    numbers_as_strings: bool = False  # expires_in & co. as "3599", as some endpoints do
    # Kill a refresh token once a token issued from it is used (Microsoft does not).
    strict_rotation: bool = False
    refresh_token_lifetime: int = 90 * 86400
    latency_ms: float = 0.0
    device_code_lifetime: int = 900
    interval: int = 5
    # allow; block: Conditional Access refuses device-code sign-ins (AADSTS53003);
    # block_silently: the sign-in never completes, so the code runs out unapproved.
    device_code_policy: str = "allow"
    expired_device_code: int = 70019  # or 70020: both have been seen for an expired code
    # What the device code answer tells the person to open; None: this fake's own page.
    verification_uri: str | None = MICROSOFT_DEVICE_PAGE
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
    status: str = "pending"  # pending | approved | declined | refused | redeemed


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
                         "openid-configuration", "keys"):
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

    def take(self, group: str = TRANSPORT) -> FaultPlan | None:
        """The fault of ``group`` to serve for this request, if any (counted ones first,
        in order)."""
        with self._lock:
            plans = [p for p in self._plans if fault_group(p.kind) == group]
            for plan in plans:
                if plan.remaining is not None:
                    plan.remaining -= 1
                    if plan.remaining <= 0:
                        self._plans.remove(plan)
                    return plan
            for plan in plans:
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
        self.random = random.Random()
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.retired: set[str] = set()  # refresh tokens replaced long ago (names only)
        self.devices: dict[str, Device] = {}  # by device_code
        self.user_codes: dict[str, str] = {}  # user_code -> device_code
        self.pending_sign_ins: dict[str, tuple[str, dict[str, str]]] = {}
        self.tokens_valid_from: float | None = None

    def lifetime(self, form: dict[str, str]) -> int:
        """This token's lifetime: the option's, or a long one for a CAE-capable client."""
        value = self.options.access_token_lifetime
        claims = form.get("claims", "")
        if "xms_cc" in claims and "cp1" in claims:
            value = CAE_LIFETIME
        if isinstance(value, tuple):
            with self.lock:
                return self.random.randint(*value)
        return value

    def revoke_all(self) -> None:
        """Simulate a password reset: every refresh token issued so far stops working."""
        with self.lock:
            self.tokens_valid_from = self.clock.now()
