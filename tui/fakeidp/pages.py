"""The few HTML pages a person (or a test playing one) sees on the fake.

Plain forms, no scripts except the form_post auto-submit: a test can drive them
with two requests, and a person can click them in any browser.
"""

from __future__ import annotations

from html import escape

_STYLE = ("body{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em}"
          "button{margin-right:1em;padding:.4em 1.2em}.err{color:#a00}")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f"</title><style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}"
            "</body></html>")


def consent(action: str, request_id: str, client_id: str, scopes: list[str],
            user: str) -> str:
    """Approve or decline a sign-in: the stand-in for Microsoft's sign-in and consent pages."""
    items = "".join(f"<li>{escape(s)}</li>" for s in scopes)
    return _page("Sign in (local test identity provider)", (
        f"<p>Signed in as <b>{escape(user)}</b>.</p>"
        f"<p>The application <code>{escape(client_id)}</code> asks for:</p><ul>{items}</ul>"
        f"<form method=\"post\" action=\"{escape(action)}\">"
        f"<input type=\"hidden\" name=\"request_id\" value=\"{escape(request_id)}\">"
        "<button name=\"decision\" value=\"approve\">Approve</button>"
        "<button name=\"decision\" value=\"decline\">Cancel</button></form>"))


def sign_in_error(code: int, message: str) -> str:
    """An error shown on the provider's own page (no redirect back to the application)."""
    return _page("Sign-in error", (
        f"<p class=\"err\">AADSTS{code}: {escape(message)}</p>"
        "<p>The application was not told about this error; the browser stays here.</p>"))


def form_post(redirect_uri: str, params: dict[str, str]) -> str:
    """response_mode=form_post: a form the browser submits to the application at once."""
    fields = "".join(f"<input type=\"hidden\" name=\"{escape(k)}\" value=\"{escape(v)}\">"
                     for k, v in params.items())
    return ("<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\">"
            f"<form method=\"post\" action=\"{escape(redirect_uri)}\">{fields}"
            "<noscript><button>Continue</button></noscript></form></body></html>")


def device_entry(action: str, user_code: str = "", note: str = "") -> str:
    """Enter the code shown by the device, then approve or decline."""
    note_html = f"<p class=\"err\">{escape(note)}</p>" if note else ""
    return _page("Enter code (local test identity provider)", (
        f"{note_html}<p>Enter the code shown by the program you want to sign in.</p>"
        f"<form method=\"post\" action=\"{escape(action)}\">"
        f"<p><input name=\"user_code\" value=\"{escape(user_code)}\" autofocus></p>"
        "<button name=\"decision\" value=\"approve\">Approve</button>"
        "<button name=\"decision\" value=\"decline\">Decline</button></form>"))


def device_done(outcome: str) -> str:
    """After the person's decision: approved, declined, or refused by a policy."""
    if outcome == "approved":
        return _page("Signed in", "<p>You can close this page and return to the program.</p>")
    if outcome == "refused":
        return _page("Sign-in blocked", (
            "<p class=\"err\">AADSTS53003: your organisation's Conditional Access policies "
            "do not allow signing in with a device code.</p><p>Sign in another way (a browser "
            "link on this machine, or a forwarded port) or ask an administrator.</p>"))
    return _page("Sign-in declined", "<p>The program was told that you declined.</p>")


def not_found(path: str) -> str:
    return _page("Not found", f"<p>Nothing is served at <code>{escape(path)}</code>.</p>")


def fault_page() -> str:
    """An HTML error page where JSON was expected (what a proxy or outage looks like)."""
    return _page("Service unavailable",
                 "<p>Sorry, we are having trouble signing you in right now.</p>")
