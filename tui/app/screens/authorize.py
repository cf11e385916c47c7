"""The authorize modal: pick a sign-in method, follow it, get tokens.

Views: the method picker, device code, paste-back, loopback, and "working". The
network work runs in one exclusive worker group on this screen, so Escape (or
closing the screen any other way) cancels it: polling stops and the loopback
port is released. Progress arrives as messages. The screen returns an
``AuthorizeResult`` through ``dismiss``: signed in, failed (the app routes the
error to the troubleshooting panel) or cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from tui.app.host import AppHost, host_of
from tui.app.sign_in_methods import (
    APP,
    DEVICE,
    LOOPBACK,
    METHODS,
    PASTE,
    SIGN_IN_HELP,
    STATE_MISMATCH_TEXT,
    AuthorizeResult,
    available,
    countdown,
    loopback_problem,
    open_receiver,
    refused_note,
    spaced,
    suggest,
)
from tui.app.widgets.footer import KeysFooter
from tui.core.errors import ExoError, OAuthError, UsageError
from tui.core.model import Account
from tui.core.oauth.device_policy import device_refusal
from tui.core.oauth.redirect import StateMismatch, parse_answer
from tui.core.oauth.service import AuthorizeRequest, DeviceProgress, TokenResult

LOOPBACK_TIMEOUT_S = 600.0


class AuthorizeScreen(ModalScreen[AuthorizeResult]):
    """Sign in for one account; see the module docstring."""
    CSS_PATH = ["modals.tcss", "authorize.tcss"]

    HELP_TITLE = "Sign in"
    HELP_TEXT = SIGN_IN_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="authorize.cancel"),
        Binding("f1", "app.help", "Help", id="authorize.help", show=False),
        Binding("d", "pick('device')", "Device code", id="authorize.device"),
        Binding("p", "pick('paste')", "Paste-back", id="authorize.paste"),
        Binding("l", "pick('loopback')", "Loopback", id="authorize.loopback"),
        Binding("a", "pick('client-credentials')", "App-only token", id="authorize.app"),
        Binding("c", "copy('code')", "Copy code", id="authorize.copy_code"),
        Binding("ctrl+l", "copy('url')", "Copy link", id="authorize.copy_url"),
        Binding("s", "copy('ssh')", "Copy ssh line", id="authorize.copy_ssh"),
        # ctrl+t works everywhere, the footer shows it; plain t (as on the list) works
        # except in the paste-back field, which takes every letter as typed text.
        Binding("ctrl+t,t", "troubleshoot", "Troubleshoot", id="authorize.troubleshoot",
                tooltip="Explain the problem shown here, or the account's last failure"),
    ]

    class DeviceStep(Message):
        def __init__(self, step: DeviceProgress) -> None:
            super().__init__()
            self.step = step

    class LoopbackReady(Message):
        def __init__(self, url: str, port: int, ssh_line: str, note: str = "") -> None:
            super().__init__()
            self.url, self.port, self.ssh_line, self.note = url, port, ssh_line, note

    class Working(Message):
        def __init__(self, what: str) -> None:
            super().__init__()
            self.what = what

    def __init__(self, account: Account, *, env: dict[str, str] | None = None) -> None:
        super().__init__()
        self.account = account
        self.suggestion = suggest(account, os.environ if env is None else env)
        self.method = ""
        self.view = "pick"
        self.values: dict[str, str] = {}  # what the copy keys copy: url, code, ssh
        self._deadline: float | None = None  # app-clock time the code / receiver gives up
        self._status = ""
        self._request: AuthorizeRequest | None = None
        self._done = False
        self._shown_error: BaseException | None = None  # the paste-back error on screen
        self._held: AuthorizeResult | None = None  # finished while the panel was on top

    @property
    def xapp(self) -> AppHost:
        return host_of(self)

    @property
    def HELP_KEYS(self) -> list[tuple[str, list[type]]]:
        return [("Sign in", [AuthorizeScreen])]

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog authorize", id="authorize-dialog"):
            yield Static(f"Sign in: {self.account.label}", classes="dialog-title")
            with ContentSwitcher(initial="pick", id="views"):
                with Vertical(id="pick"):
                    yield OptionList(*self._options(), id="methods")
                    yield Static(self.suggestion.reason, id="pick-reason", classes="hint")
                with VerticalScroll(id="device", can_focus=False):
                    yield Static("1. On any device, open this address in a browser:",
                                 classes="step")
                    yield Static(id="device-url", classes="big-url")
                    yield Static("2. Enter this code there:", classes="step")
                    yield Static(id="device-code", classes="user-code")
                    yield Static(id="device-status", classes="waiting")
                with VerticalScroll(id="paste", can_focus=False):
                    yield Static("1. Open this address in a browser on any machine and sign "
                                 "in:", classes="step")
                    yield Static(id="paste-url", classes="url")
                    yield Static("2. The browser ends on a page that may not load: that is "
                                 "fine. Paste its whole address (or just the code), then Enter:",
                                 classes="step")
                    yield Input(placeholder="http://localhost…/?code=…&state=…",
                                id="paste-input", select_on_focus=False, compact=True)
                    yield Static(id="paste-error", classes="issue -error")
                with VerticalScroll(id="loopback", can_focus=False):
                    yield Static("1. Sitting at another computer? Forward the port there "
                                 "first:", classes="step")
                    yield Static(id="loopback-ssh", classes="command")
                    yield Static("2. Open this address in a browser and sign in:",
                                 classes="step")
                    yield Static(id="loopback-url", classes="url")
                    yield Static(id="loopback-status", classes="waiting")
                with Vertical(id="working"):
                    yield Static(id="working-text", classes="waiting")
        yield KeysFooter(show_command_palette=False)

    def _options(self) -> list[Option]:
        options = []
        blocked = loopback_problem(self.account)
        for method in available(self.account):
            key, title, about = METHODS[method]
            disabled = method == LOOPBACK and bool(blocked)
            tag = " · suggested" if method == self.suggestion.method else ""
            body = Content.assemble((f"{key}  ", "bold"), (title, "bold"), tag, "\n   ",
                                    ("Not available: " + blocked if disabled else about,
                                     "dim"))
            options.append(Option(body, id=method, disabled=disabled))
        return options

    def on_mount(self) -> None:
        self.query_one("#paste-error").display = False
        self.query_one("#paste-input", Input).cursor_blink = bool(
            getattr(self.app, "cursor_blink", True))
        methods = self.query_one("#methods", OptionList)
        ids = [o.id for o in methods.options]
        methods.highlighted = ids.index(self.suggestion.method) if (
            self.suggestion.method in ids) else 0
        methods.focus()
        self.set_interval(1.0, self._tick)

    # -- choosing ---------------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.action_pick(event.option.id)

    def _show(self, view: str) -> None:
        self.view = view
        self.query_one("#views", ContentSwitcher).current = view
        self.refresh_bindings()

    def action_pick(self, method: str) -> None:
        if self.view != "pick" or method not in available(self.account):
            return
        if method == LOOPBACK and loopback_problem(self.account):
            self.notify(loopback_problem(self.account), severity="warning", timeout=8)
            return
        self.method = method
        if method == DEVICE:
            self._status = "Asking for a code…"
            self._show("device")
            self._paint_device()
            self._run_device()
        elif method == PASTE:
            self._start_paste()
        elif method == LOOPBACK:
            self._status = "Starting the receiver…"
            self._show("loopback")
            self._paint_loopback()
            self._run_loopback()
        else:
            self._working("Getting an app-only token with the client secret…")
            self._run_client_credentials()

    def _working(self, what: str) -> None:
        self._deadline = None
        self.query_one("#working-text", Static).update(what)
        self._show("working")

    # -- keys -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            return self.view == "pick" and parameters[0] in available(self.account) and not (
                parameters[0] == LOOPBACK and loopback_problem(self.account))
        if action == "copy":
            what = str(parameters[0])
            views = {"code": ("device",), "ssh": ("loopback",),
                     "url": ("device", "paste", "loopback")}[what]
            return self.view in views and bool(self.values.get(what))
        return True

    def action_copy(self, what: str) -> None:
        value = self.values.get(what)
        if not value:
            return
        self.app.copy_to_clipboard(value)
        name = {"url": "sign-in address", "code": "code", "ssh": "ssh command"}[what]
        self.notify(f"Copied the {name} to your clipboard (sent to your terminal as OSC 52; "
                    "some terminals need that allowed).", timeout=4)

    def action_cancel(self) -> None:
        self._finish(AuthorizeResult(self.account, self.method))

    def action_troubleshoot(self) -> None:
        """The panel over this modal: the error shown here first, else the account's last
        failure (as on the list). Closing the panel comes back here; signing in goes on."""
        source = self._shown_error if self._shown_error is not None else \
            self.xapp.last_failure(self.account.id)
        self.xapp.open_troubleshooting(source, label=self.account.label)

    def _finish(self, result: AuthorizeResult) -> None:
        if self._done:
            return
        if not self.is_active:  # dismiss() pops the top screen: wait until we are it again
            self._held = result
            return
        self._done = True
        self.workers.cancel_node(self)  # stops polling, closes the loopback receiver
        self.dismiss(result)

    def on_screen_resume(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._finish(held)

    # -- clock ------------------------------------------------------------------------------
    def _left(self) -> float | None:
        return None if self._deadline is None else self._deadline - self.xapp.now()

    def _tick(self) -> None:
        if self.view == "device":
            self._paint_device()
        elif self.view == "loopback":
            self._paint_loopback()

    # -- device code --------------------------------------------------------------------------
    @work(exclusive=True, group="authorize", exit_on_error=False)
    async def _run_device(self) -> AuthorizeResult:
        service = self.xapp.oauth()
        async for step in service.device_flow(self.account):
            self.post_message(self.DeviceStep(step))
            if step.result is not None:
                return await self._store(step.result)
        raise OAuthError("The device sign-in ended without tokens.", kind="bad_response")

    def on_authorize_screen_device_step(self, message: DeviceStep) -> None:
        step = message.step
        device = step.device
        every = f"every {step.interval:g} s"
        checked = f"checked {step.polls} time{'s' if step.polls != 1 else ''}"
        if step.kind == "started":
            self._deadline = self.xapp.now() + device.expires_in
            self.values["url"] = device.verification_uri_complete or device.verification_uri
            self.values["code"] = device.user_code
            self.query_one("#device-url", Static).update(Content(device.verification_uri))
            self.query_one("#device-code", Static).update(Content(spaced(device.user_code)))
            self._status = f"Waiting for you to sign in… (checking {every})"
            self.refresh_bindings()
        elif step.kind == "pending":
            self._status = f"Waiting for you to sign in… ({checked}, {every})"
        elif step.kind == "slow_down":
            self._status = (f"The identity provider asked us to check less often: now "
                            f"{every} ({checked}).")
        else:
            self._status = "Signed in. Storing the tokens…"
            self._deadline = None
        self._paint_device()

    def _paint_device(self) -> None:
        left = self._left()
        lines = [self._status]
        if left is not None:
            lines.append(f"The code expires in {countdown(left)}." if left > 0
                         else "The code has expired.")
        self.query_one("#device-status", Static).update(Content("\n".join(lines)))

    # -- paste-back ----------------------------------------------------------------------------
    def _start_paste(self) -> None:
        try:
            self._request = self.xapp.oauth().authorize_request(self.account)
        except (UsageError, OAuthError) as exc:
            self._finish(AuthorizeResult(self.account, PASTE, error=exc))
            return
        self.values["url"] = self._request.url
        self.query_one("#paste-url", Static).update(Content(self._request.url))
        self._show("paste")
        self.query_one("#paste-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id != "paste-input" or self._request is None:
            return
        error = self.query_one("#paste-error", Static)
        try:
            answer = parse_answer(event.value, self._request.state)
        except StateMismatch as exc:
            self._paste_error(STATE_MISMATCH_TEXT, exc)
            return
        except OAuthError as exc:  # the provider said no (error=... in the address)
            self._finish(AuthorizeResult(self.account, PASTE, error=exc))
            return
        except UsageError as exc:
            self._paste_error(str(exc), exc)
            return
        error.display = False
        self._shown_error = None
        self._working("Redeeming the sign-in code…")
        self._exchange(answer.code, self._request)

    def _paste_error(self, message: str, exc: BaseException) -> None:
        self._shown_error = exc
        error = self.query_one("#paste-error", Static)
        error.update(Content(f"✗ {message}"))
        error.display = True
        field = self.query_one("#paste-input", Input)
        field.value = ""
        field.focus()
        self.call_after_refresh(error.scroll_visible, animate=False)

    @work(exclusive=True, group="authorize", exit_on_error=False)
    async def _exchange(self, code: str, request: AuthorizeRequest) -> AuthorizeResult:
        result = await self.xapp.oauth().exchange_code(self.account, code, request)
        return await self._store(result)

    # -- loopback ------------------------------------------------------------------------------
    @work(exclusive=True, group="authorize", exit_on_error=False)
    async def _run_loopback(self) -> AuthorizeResult:
        from tui.core.oauth.loopback import ssh_forward_line

        service = self.xapp.oauth()
        receiver, request, note = await open_receiver(service, self.account)
        try:  # closing (also on cancel) releases the port at once
            self.post_message(self.LoopbackReady(request.url, receiver.port,
                                                 ssh_forward_line(receiver.port), note))
            answer = await receiver.wait(LOOPBACK_TIMEOUT_S)
        finally:
            await receiver.close()
        self.post_message(self.Working("Redeeming the sign-in code…"))
        result = await service.exchange_code(self.account, answer.code, request)
        return await self._store(result)

    def on_authorize_screen_loopback_ready(self, message: LoopbackReady) -> None:
        self.values["url"] = message.url
        self.values["ssh"] = message.ssh_line
        self.query_one("#loopback-ssh", Static).update(Content(message.ssh_line))
        self.query_one("#loopback-url", Static).update(Content(message.url))
        self._deadline = self.xapp.now() + LOOPBACK_TIMEOUT_S
        self._status = (f"{message.note}Waiting for the browser to come back to "
                        f"127.0.0.1:{message.port}…")
        self.refresh_bindings()
        self._paint_loopback()

    def _paint_loopback(self) -> None:
        left = self._left()
        lines = [self._status]
        if left is not None:
            lines.append(f"Gives up in {countdown(left)}.")
        self.query_one("#loopback-status", Static).update(Content("\n".join(lines)))

    def on_authorize_screen_working(self, message: Working) -> None:
        self._working(message.what)

    # -- client credentials ----------------------------------------------------------------------
    @work(exclusive=True, group="authorize", exit_on_error=False)
    async def _run_client_credentials(self) -> AuthorizeResult:
        from tui.core.refresh.single_flight import get_token

        state = await get_token(self.xapp.store, self.account, service=self.xapp.oauth(),
                                force=True)
        return AuthorizeResult(self.account, APP, state=state, refresh_token_issued=False)

    # -- the end ---------------------------------------------------------------------------------
    async def _store(self, result: TokenResult) -> AuthorizeResult:
        from tui.core.refresh.single_flight import save_sign_in

        state = await save_sign_in(self.xapp.store, self.account, result)
        with contextlib.suppress(ExoError, OSError):  # only a preference: never spoil it
            await asyncio.to_thread(self.xapp.store.remember_sign_in, self.account,
                                    self.method)
        return AuthorizeResult(self.account, self.method, state=state,
                               refresh_token_issued=bool(result.refresh_token))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker: Worker[Any] = event.worker
        if worker.group != "authorize":
            return
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, AuthorizeResult):
            self._finish(worker.result)
        elif event.state == WorkerState.ERROR and worker.error is not None:
            refusal = device_refusal(worker.error) if self.method == DEVICE else ""
            if refusal:
                self._back_to_picker(refusal, worker.error)
                return
            self._finish(AuthorizeResult(self.account, self.method, error=worker.error))

    def _back_to_picker(self, refusal: str, error: BaseException) -> None:
        """The tenant will not take a device code: say so and offer the browser methods
        (t still explains the refusal)."""
        self._shown_error = error
        self._deadline = None
        self.method = ""
        self.values.clear()
        self.query_one("#pick-reason", Static).update(Content(refused_note(refusal)))
        methods = self.query_one("#methods", OptionList)
        ids = [o.id for o in methods.options]
        methods.highlighted = ids.index(PASTE) if PASTE in ids else 0
        self._show("pick")
        methods.focus()
