"""A local stand-in for the Microsoft identity platform v2.0 (tests, demo, benchmarks).

``FakeIdP`` serves Microsoft's authorize/token/devicecode endpoints, discovery and
its signing keys, a Graph-like ``/v1.0/me`` and ``/_fake/*`` controls on 127.0.0.1.
The standard library plus ``cryptography`` (for RS256), so it runs anywhere the tool
runs.
"""

from __future__ import annotations

from .claims import DEMO_USER_NAME, DEMO_USER_UPN, GRAPH, HOME_TENANT
from .server import FakeIdP
from .state import (
                    DEMO_CLIENT_ID,
                    DEMO_CLIENT_SECRET,
                    DEMO_PUBLIC_CLIENT_ID,
                    NAMED_FAULTS,
                    NATIVE_CLIENT,
                    check_fault,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_PUBLIC_CLIENT_ID",
    "DEMO_USER_NAME",
    "DEMO_USER_UPN",
    "GRAPH",
    "HOME_TENANT",
    "NAMED_FAULTS",
    "NATIVE_CLIENT",
    "FakeIdP",
    "check_fault",
]
