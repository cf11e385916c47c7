"""Sign-in methods for the authorize modal: which one to suggest and why, and its result.

No Textual here: the modal, its tests and the screenshot script share these.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.core.errors import UsageError
from tui.core.model import Account, TokenState

if TYPE_CHECKING:
    from tui.core.oauth.loopback import LoopbackReceiver
    from tui.core.oauth.service import AuthorizeRequest, OAuthService

DEVICE = "device"
PASTE = "paste"
LOOPBACK = "loopback"
APP = "client-credentials"

# method -> (key, title, one-line explanation)
METHODS: dict[str, tuple[str, str, str]] = {
    DEVICE: ("d", "Device code",
             "Type a short code at a web page on any device (a phone will do)."),
    PASTE: ("p", "Browser + paste-back",
            "Sign in with any browser, then paste back the address it ends on."),
    LOOPBACK: ("l", "Loopback",
               "The browser hands the answer to 127.0.0.1 here (ssh -L from afar)."),
    APP: ("a", "Client credentials (app-only)",
          "The application gets its own token with its secret; nobody signs in."),
}
SIGN_IN_HELP = (
    "Sign in for one account. Device code: open the address on any device and type the "
    "code (c copies the code, ctrl+l the address). Paste-back: open the address anywhere, "
    "sign in, paste back the address the browser ends on. Loopback: a one-shot receiver on "
    "127.0.0.1 here; forward its port with the ssh line shown (s copies it). Escape cancels "
    "at any point and stops all waiting.")
STATE_MISMATCH_TEXT = (
    "That answer belongs to another sign-in (its state value differs), so it was not used. "
    "Paste the address from the tab you opened with the link above, or press Escape and "
    "start again.")


@dataclass(frozen=True)
class Suggestion:
    method: str
    reason: str


def has_local_display(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """A browser can open on this machine: X11/Wayland is set, or it is a Mac/Windows desktop."""
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def loopback_problem(account: Account) -> str:
    """Why loopback cannot work for this account ("" when it can)."""
    try:
        from tui.core.oauth.loopback import check_loopback_redirect  # lazily: pulls in httpx

        check_loopback_redirect(account.redirect_uri, repr(account.label))
    except UsageError as exc:
        return str(exc)
    return ""


def available(account: Account) -> list[str]:
    """The methods that apply to this account, in the order the picker shows them."""
    if account.is_app_only:
        return [APP]
    return [DEVICE, PASTE, LOOPBACK]


def suggest(account: Account, env: Mapping[str, str] | None = None,
            platform: str = sys.platform) -> Suggestion:
    """The method to preselect, with the reason in words the person can check."""
    env = os.environ if env is None else env
    if account.is_app_only:
        return Suggestion(APP, "This is an app-only account: the application signs in as "
                          "itself, so there is nobody to ask.")
    remembered = account.sign_in_method
    if remembered in (DEVICE, PASTE) or (remembered == LOOPBACK
                                         and not loopback_problem(account)):
        return Suggestion(remembered, "Suggested because it worked the last time this "
                          "account signed in.")
    if env.get("SSH_CONNECTION"):
        return Suggestion(DEVICE, "Suggested because you are connected over SSH "
                          "(SSH_CONNECTION is set): a browser on this machine cannot reach you.")
    if not has_local_display(env, platform):
        return Suggestion(DEVICE, "Suggested because this machine has no local display "
                          "(neither DISPLAY nor WAYLAND_DISPLAY is set).")
    if not loopback_problem(account):
        return Suggestion(LOOPBACK, "Suggested because this machine has a display: the "
                          "browser here can hand the answer straight back.")
    return Suggestion(PASTE, "Suggested because this machine has a display, and the "
                      "redirect URI is not a local one, so loopback cannot be used.")


async def open_receiver(service: OAuthService, account: Account
                        ) -> tuple[LoopbackReceiver, AuthorizeRequest, str]:
    """A listening loopback receiver, the authorize request that redirects to it, and a note.

    The redirect URI's port is used; when it is busy and the provider is Microsoft (which
    accepts any port for an http://localhost redirect) a free port is taken instead.
    """
    from tui.core.errors import OAuthError
    from tui.core.oauth import loopback
    from tui.core.oauth.pkce import new_state
    from tui.core.tenant import is_microsoft_host

    uri = account.redirect_uri
    wanted = loopback.check_loopback_redirect(uri, repr(account.label)) or 0
    state = new_state()
    path = loopback.redirect_path(uri)
    receiver = loopback.LoopbackReceiver(state=state, path=path, port=wanted)
    note = ""
    try:
        await receiver.start()
    except OAuthError:
        if not wanted or not is_microsoft_host(account.authorize_url):
            raise
        receiver = loopback.LoopbackReceiver(state=state, path=path, port=0)
        await receiver.start()
        note = f"Port {wanted} is busy here, so the receiver took {receiver.port}. "
    try:
        request = service.authorize_request(
            account, redirect_uri=loopback.loopback_redirect(uri, receiver.port), state=state)
    except BaseException:
        await receiver.close()
        raise
    return receiver, request, note


def refused_note(refusal: str) -> str:
    """The picker's line after a device-code sign-in was refused or ran out."""
    from tui.core.oauth.device_policy import explain

    return f"{explain(refusal)} Choose Browser + paste-back or Loopback."


@dataclass(frozen=True)
class AuthorizeResult:
    """What the authorize modal returns through ``dismiss``.

    Exactly one of: ``state`` (signed in, tokens stored), ``error`` (failed), or
    neither (cancelled by the person).
    """

    account: Account
    method: str = ""
    state: TokenState | None = None
    error: BaseException | None = field(default=None, compare=False)
    refresh_token_issued: bool = True

    @property
    def ok(self) -> bool:
        return self.state is not None

    @property
    def cancelled(self) -> bool:
        return self.state is None and self.error is None


def countdown(seconds: float) -> str:
    """'14:59' for a code's remaining life; '0:00' once it ran out; hours as 1:02:03."""
    left = max(0, int(seconds))
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def spaced(code: str) -> str:
    """A user code with room between the characters, so 0/O and 1/l are easier to read."""
    return " ".join(code)
