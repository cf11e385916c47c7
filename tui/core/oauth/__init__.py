"""The OAuth service and what it is built from: endpoints, HTTP, PKCE, redirects, loopback.

httpx imports its own command-line tool (click, rich and pygments) whenever click can
be imported, which on a machine with click installed adds about 40 ms to every
command that talks to the identity provider, for a tool no command uses. A None entry
in ``sys.modules`` makes that one import fail at once; httpx then keeps its small
stand-in for the tool. Set here, before any module of this package imports httpx.
"""

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
