"""A real authorization-code sign-in against the fake, with no person and no browser.

The demo and the benchmarks need accounts that already hold genuine tokens from
the fake; this walks the same HTTP path a browser and our client would (authorize
with auto-approval, then the code exchange), so the tokens are the fake's own.
"""

from __future__ import annotations

from typing import Any

DEFAULT_REDIRECT = "http://localhost:8400"


def sign_in(authorize_url: str, token_url: str, client_id: str, secret: str | None,
            scope: str, *, redirect_uri: str = DEFAULT_REDIRECT, client: Any = None
            ) -> dict[str, Any]:
    """Token response (dict) for one fresh sign-in; the fake must auto-approve."""
    import httpx

    own = client is None
    http = client or httpx.Client(timeout=30)
    try:
        r = http.get(authorize_url, params={
            "client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
            "scope": scope}, follow_redirects=False)
        location = r.headers.get("location")
        if r.status_code not in (302, 303) or not location:
            raise RuntimeError(f"the fake did not approve the sign-in (HTTP {r.status_code}); "
                               "start it with auto_approve set")
        code = httpx.URL(location).params["code"]
        form = {"client_id": client_id, "grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "scope": scope}
        if secret:
            form["client_secret"] = secret
        t = http.post(token_url, data=form)
        t.raise_for_status()
        return dict(t.json())
    finally:
        if own:
            http.close()
