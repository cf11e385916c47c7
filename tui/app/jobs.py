"""The app's network jobs: sign-in, refresh, test connection and auto-refresh.

The base class of ``ExoApp``, so the App class itself stays small. Rules it keeps:

- one ``OAuthService`` for the app's lifetime, made on first use (after the first
  paint, never at start-up) and closed when the app ends;
- network work runs in workers (asyncio workers: the OAuth core is async, and
  blocking store reads go through ``asyncio.to_thread``), one exclusive group per
  account and action, so the UI stays responsive;
- auto-refresh follows the same schedule as `exo-oauth refresh --watch`
  (tui.core.refresh.schedule), keep-alive of idle refresh tokens included, and every
  refresh, asked for or not, fires the account's hooks as the command line does;
- every failure of that work reaches ``report_failure``: a toast, the list's
  status, and (for what the person asked for) the troubleshooting panel;
- store writes the screens ask for (save, delete) run in a thread, after any refresh
  of that account in flight (``start_write``); their results and failures go back to
  the screen's own callbacks, and a slow one says so;
- screens learn about new token states and status notes from messages (messages.py)
  sent to every screen; the ones that show accounts handle them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerState

from tui.core.errors import ExoError, NeedsAuthorization, NoSuchAccount, OAuthError
from tui.core.model import DEFAULT_MARGIN_S, Account, TokenState
from tui.core.refresh.schedule import CHECK_EVERY_S, RefreshSchedule, idle_days

from . import formatting
from .messages import StatusNoteChanged, TokenStateChanged
from .sign_in_methods import AuthorizeResult

if TYPE_CHECKING:
    from tui.core.clock import Clock
    from tui.core.doctor.connection import ConnectionCheck
    from tui.core.oauth.service import OAuthService
    from tui.core.refresh.schedule import Check
    from tui.core.store.account_store import AccountStore

ServiceFactory = Callable[["Clock"], "OAuthService"]
T = TypeVar("T")

# Up to this many accounts due at once are read one by one, more in one pass over the file.
WHOLE_ONE_BY_ONE = 16
AUTO_CONCURRENCY = 8  # auto-refreshes in flight at once (a file with hundreds of accounts)
TITLES = {"authorize": "Sign-in failed", "refresh": "Refresh failed",
          "test": "Connection test failed", "auto": "Auto-refresh failed",
          "keep_alive": "Keep-alive failed"}

# Seconds after start-up before the first auto-refresh check.
FIRST_CHECK_DELAY_S = 1.0
# A store write still running after this many seconds says it is under way.
BUSY_AFTER_S = 0.4


class AppClock:
    """The app's wall clock in the shape the OAuth core wants, so the expiry times it
    computes and the times the screens show come from one clock."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def time(self) -> float:
        return self._now()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def default_service(clock: Clock) -> OAuthService:
    from tui.core.oauth.service import OAuthService

    return OAuthService(clock=clock)


def failure_line(exc: BaseException, limit: int = 240) -> str:
    """The first line of an error, short enough for a toast (secrets of an unexpected
    error redacted, terminal-safe)."""
    from tui.core.troubleshoot.crash import shown_error

    message = shown_error(exc)
    return message if len(message) <= limit else message[: limit - 1] + "…"


def failure_summary(exc: BaseException) -> str:
    """A few words for the status column: 'invalid_client AADSTS7000215'."""
    oauth = exc if isinstance(exc, OAuthError) else (
        exc.oauth_error if isinstance(exc, NeedsAuthorization) else None)
    if oauth is not None:
        parts = [oauth.error or oauth.kind]
        if oauth.codes:
            parts.append(f"AADSTS{oauth.codes[0]}")
        return " ".join(parts)
    return type(exc).__name__


@dataclass(frozen=True)
class AutoCheck:
    """One auto-refresh check: what the schedule did, and who newly needs a sign-in."""

    check: Check
    needs_sign_in: tuple[tuple[Account, NeedsAuthorization], ...]


class Runtime(App[None]):
    """The jobs half of ExoApp; see the module docstring."""

    clock: Callable[[], float]  # set by ExoApp: the wall clock every screen shows

    if TYPE_CHECKING:  # ExoApp's own
        @property
        def store(self) -> AccountStore: ...

        def open_troubleshooting(self, source: object | None = None, *,
                                 label: str | None = None) -> None: ...

    def init_runtime(self, *, refresh_every: float | None = CHECK_EVERY_S,
                     margin: float = DEFAULT_MARGIN_S,
                     service_factory: ServiceFactory | None = None) -> None:
        self.refresh_every = refresh_every
        self.schedule = RefreshSchedule(margin=margin)
        self.core_clock = AppClock(lambda: self.clock())
        self._service_factory = service_factory or default_service
        self._service: OAuthService | None = None
        # worker -> (action, account, what to do with its result, with its failure:
        # None sends it to report_failure)
        self._jobs: dict[Worker[Any], tuple[str, Account | None, Callable[[Any], None],
                                            Callable[[BaseException], None] | None]] = {}
        self.failures: dict[str, BaseException] = {}  # account id -> last failure this run
        self._hook_lines: set[str] = set()
        self._auto_problem = ""

    # -- the one OAuth service -----------------------------------------------------------
    def oauth(self) -> OAuthService:
        """The app's OAuth service, made on first use (call it on the event loop)."""
        if self._service is None:
            self._service = self._service_factory(self.core_clock)
        return self._service

    async def close_runtime(self) -> None:
        service, self._service = self._service, None
        if service is not None:
            with contextlib.suppress(Exception):
                await service.aclose()

    def start_runtime(self) -> None:
        """After the first paint: the auto-refresh checks begin."""
        if self.refresh_every:
            self.set_interval(self.refresh_every, self.check_auto_refresh)
            # The first check waits a moment: it reads every account again, and the
            # list's own load should have the machine to itself until it is painted.
            self.set_timer(FIRST_CHECK_DELAY_S, self.check_auto_refresh)

    # -- telling the screens ------------------------------------------------------------------
    def _tell_screens(self, make: Callable[[], Message]) -> None:
        """Post a fresh message to every screen; those that show accounts handle it."""
        for screen in self.screen_stack:
            screen.post_message(make())

    def publish_token_state(self, state: TokenState) -> None:
        """New token state for one account: the list row and any open form follow.

        Call from the UI thread (workers use ``call_from_thread``).
        """
        self._tell_screens(lambda: TokenStateChanged(state))

    def publish_note(self, account_id: str, note: str | None) -> None:
        """A status shown instead of the token's own until the next token state arrives."""
        self._tell_screens(lambda: StatusNoteChanged(account_id, note))

    # -- jobs -------------------------------------------------------------------------------
    def running(self, action: str, account: Account) -> bool:
        """True while ``account`` has an ``action`` job in flight."""
        return any(job[0] == action and job[1] is not None and job[1].id == account.id
                   for job in self._jobs.values())

    def _start_job(self, action: str, account: Account | None, job: Coroutine[Any, Any, T],
                   done: Callable[[T], None]) -> None:
        key = account.id if account is not None else "all"
        worker = self.run_worker(job, name=f"{action}:{key}", group=f"{action}:{key}",
                                 exclusive=True, exit_on_error=False)
        self._jobs[worker] = (action, account, done, None)

    def start_write(self, action: str, account: Account, write: Callable[[], T],
                    done: Callable[[T], None], failed: Callable[[BaseException], None], *,
                    busy: str) -> None:
        """Run a blocking store write for ``account`` off the event loop.

        It waits for a refresh of that account in flight (tui.core.refresh.single_flight
        .after_refresh), so it neither deadlocks on nor overwrites what the refresh
        stores. Never cancelled halfway (not exclusive): the screen keeps a second one
        from starting. ``busy`` is shown if it takes a moment.
        """
        from tui.core.refresh.single_flight import after_refresh

        worker = self.run_worker(after_refresh(self.store, account, write),
                                 name=f"{action}:{account.id}", group="store-writes",
                                 exit_on_error=False)
        self._jobs[worker] = (action, account, done, failed)

        def still_busy() -> None:
            if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
                self.notify(busy, timeout=3)

        self.set_timer(BUSY_AFTER_S, still_busy)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place app-level network work ends: its ``done`` or report_failure."""
        job = self._jobs.get(event.worker)
        if job is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._jobs[event.worker]
        action, account, done, failed = job
        if event.state == WorkerState.SUCCESS:
            done(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            if failed is not None:
                failed(event.worker.error)
                return
            if account is None:  # the auto-refresh check itself (e.g. the file is unreadable)
                line = failure_line(event.worker.error)
                if line != self._auto_problem:  # said once, not every 30 s
                    self._auto_problem = line
                    self.notify(line, title=TITLES[action], severity="warning", timeout=8)
                return
            self.report_failure(event.worker.error, account=account, action=action)

    # -- failures ------------------------------------------------------------------------------
    def report_failure(self, exc: BaseException, *, account: Account, action: str,
                       panel: bool = True) -> None:
        """Toast + the list's status + (when the person asked for it) the panel."""
        self.failures[account.id] = exc
        hint = "" if panel else " Select it and press t to see what it means."
        self.notify(f"{account.label}: {failure_line(exc)}{hint}", title=TITLES[action],
                    severity="error", timeout=12)
        if action == "authorize":
            self.publish_note(account.id, f"Sign-in failed: {failure_summary(exc)}")
        self.reread_state(account)
        if panel:
            self.open_troubleshooting(exc, label=account.label)

    def last_failure(self, account_id: str) -> BaseException | None:
        return self.failures.get(account_id)

    def reread_state(self, account: Account) -> None:
        """Read the account's token state (in a thread) and show it everywhere."""
        self.run_worker(self._reread(account), group=f"reread:{account.id}", exclusive=True,
                        exit_on_error=False)

    async def _reread(self, account: Account) -> None:
        try:
            state = await asyncio.to_thread(self.store.token_state, account)
        except (ExoError, OSError):
            return
        self.publish_token_state(state)

    # -- hooks ---------------------------------------------------------------------------------
    def fire_hooks(self, fired: list[tuple[Account, TokenState | BaseException]]) -> None:
        """Run the accounts' hooks for what happened, in a worker of their own: a slow
        hook never holds up the screen (the same call `exo-oauth refresh` makes)."""
        if fired:
            self.run_worker(self._fire_hooks(fired), group="hooks", exit_on_error=False)

    async def _fire_hooks(self, fired: list[tuple[Account, TokenState | BaseException]]
                          ) -> None:
        from tui.core.refresh.hook_config import fire_hooks

        await asyncio.gather(*(fire_hooks(self.store, account, outcome, log=self._hook_log)
                               for account, outcome in fired))

    def _hook_log(self, line: str) -> None:
        """A broken hook is said once per run, not on every check."""
        if line in self._hook_lines:
            return
        self._hook_lines.add(line)
        self.notify(line, title="Hook", severity="warning", timeout=8)

    # -- authorize -------------------------------------------------------------------------------
    def start_authorize(self, account: Account) -> None:
        """Sign in for ``account``: the authorize modal, its result handled here."""
        from tui.core.validate import validate

        from .screens.authorize import AuthorizeScreen

        problems = [i for i in validate(account) if i.is_error]
        if problems:
            more = f" ({len(problems) - 1} more)" if len(problems) > 1 else ""
            self.notify(f"{account.label!r} cannot sign in yet: {problems[0].message}{more} "
                        "Open it (Enter) to fix the settings.", title="Not ready",
                        severity="warning", timeout=10)
            return
        self.push_screen(AuthorizeScreen(account), self._authorize_closed)

    def _authorize_closed(self, result: AuthorizeResult | None) -> None:
        if result is None or result.cancelled:
            if result is not None:
                self.notify(f"Sign-in for {result.account.label!r} cancelled; nothing changed.",
                            timeout=3)
            return
        account = result.account
        if result.error is not None:
            self.report_failure(result.error, account=account, action="authorize")
            return
        assert result.state is not None
        self.failures.pop(account.id, None)
        self.publish_token_state(result.state)
        until = formatting.expiry_text(result.state.expires_at, self.clock())
        self.notify(f"{account.label!r} is signed in. Access token valid until {until}.",
                    title="Signed in", timeout=8)
        if not result.refresh_token_issued and not account.is_app_only:
            self.notify("No refresh token came back, so this sign-in cannot be renewed: add "
                        "offline_access to the scope rows to stay signed in.",
                        title="No refresh token", severity="warning", timeout=12)

    # -- refresh -------------------------------------------------------------------------------
    def start_refresh(self, account: Account) -> None:
        """Refresh ``account``'s access token now (single-flight with every other process);
        its hooks fire as they do for `exo-oauth refresh LABEL`. One at a time per account:
        pressing r again meanwhile says so and sends nothing."""
        if self.running("refresh", account):
            self.notify(f"{account.label!r} is already being refreshed; the result shows "
                        "when it is done.", title="Already running", timeout=3)
            return
        self.notify(f"Refreshing {account.label!r}…", timeout=2)
        self._start_job("refresh", account, self._refresh_now(account),
                        lambda state: self._after_refresh(account, state))

    async def _refresh_now(self, account: Account) -> TokenState:
        from tui.core.refresh.single_flight import get_token

        try:
            state = await get_token(self.store, account, service=self.oauth(),
                                    min_valid=self.schedule.margin, force=True)
        except Exception as exc:
            self.fire_hooks([(account, exc)])
            raise
        self.fire_hooks([(account, state)])
        return state

    def _after_refresh(self, account: Account, state: TokenState, *, auto: bool = False
                       ) -> None:
        recovered = self.failures.pop(account.id, None) is not None
        self.schedule.succeeded(account.id)
        self.publish_token_state(state)
        until = formatting.expiry_text(state.expires_at, self.clock())
        if auto:  # routine: the status column says it; only a recovery is news
            if recovered:
                self.notify(f"{account.label!r} refreshed again after a failure; valid "
                            f"until {until}.", title="Auto-refresh works again", timeout=6)
        else:
            self.notify(f"{account.label!r} refreshed; valid until {until}.",
                        title="Refreshed", timeout=6)

    # -- test connection -------------------------------------------------------------------------
    def test_connection(self, account: Account) -> None:
        """Call Graph /me with ``account``'s token and show who it is; an app-only account
        shows what its token grants instead (tui.core.doctor.connection, shared with the CLI).
        One at a time per account, like refresh."""
        if self.running("test", account):
            self.notify(f"The connection test of {account.label!r} is already running; "
                        "the result shows when it is done.", title="Already running",
                        timeout=3)
            return
        self.notify(f"Testing {account.label!r}…", timeout=2)
        self._start_job("test", account, self._test(account),
                        lambda check: self._after_test(account, check))

    async def _test(self, account: Account) -> ConnectionCheck:
        from tui.core.doctor.connection import check_connection

        return await check_connection(self.store, account, service=self.oauth())

    def _after_test(self, account: Account, check: ConnectionCheck) -> None:
        from tui.core.doctor.connection import report

        self.publish_token_state(check.state)
        found = report(check, self.clock())
        lines = [f"{account.label!r}: {found.headline}", *found.details]
        if found.warning:
            self.notify("\n".join([*lines, found.warning]), title="Token grants nothing",
                        severity="warning", timeout=20)
            return
        title = ("Connection works" if check.url is not None else
                 "Got an app-only token" if check.app_only else "Got an Outlook token")
        self.notify("\n".join(lines), title=title, timeout=15 if found.details else 10)

    # -- auto-refresh and keep-alive ----------------------------------------------------------
    def check_auto_refresh(self) -> None:
        """Refresh what the schedule says is due (one check at a time)."""
        if any(job[0] == "auto" for job in self._jobs.values()):
            return
        self._start_job("auto", None, self._auto_check(), self._after_auto_check)

    async def _auto_check(self) -> AutoCheck:
        # Planned from what a list reads (no secret opened, nothing parsed again when
        # nothing changed); only the accounts it picks are read whole.
        rows = await asyncio.to_thread(self.store.load_summaries)
        check = await self.schedule.run(self.store, rows, service_of=self.oauth,
                                        concurrency=AUTO_CONCURRENCY, clock=self.core_clock,
                                        whole=self._whole_accounts)
        stuck = []
        for account, state in check.plan.needs_sign_in:
            if state.status == "none":  # never signed in: not a failure, nothing to say
                continue
            why = f" ({state.last_error})" if state.last_error else ""
            stuck.append((account, NeedsAuthorization(
                f"needs a sign-in before auto-refresh can keep it fresh{why}; press a to "
                "authorize it.")))
        return AutoCheck(check, tuple(stuck))

    def _whole_accounts(self, accounts: list[Account]) -> list[Account]:
        """These accounts read whole (secrets opened), deleted ones left out (blocks)."""
        if len(accounts) > WHOLE_ONE_BY_ONE:  # many: one pass over the file
            wanted = {a.id for a in accounts}
            return [a for a in self.store.load(with_tokens=False) if a.id in wanted]
        out = []
        for account in accounts:
            with contextlib.suppress(NoSuchAccount):
                out.append(self.store.get_by_id(account.id))
        return out

    def _after_auto_check(self, result: AutoCheck) -> None:
        self._auto_problem = ""
        check = result.check
        for account, exc in result.needs_sign_in:
            self.report_failure(exc, account=account, action="auto", panel=False)
        for outcome in check.refreshed:
            if outcome.error is not None:
                self.report_failure(outcome.error, account=outcome.account, action="auto",
                                    panel=False)
            elif outcome.state is not None:
                self._after_refresh(outcome.account, outcome.state, auto=True)
        idle = {a.id: idle_days(s, self.clock()) for a, s in check.plan.keep_alive}
        for outcome in check.kept_alive:
            if outcome.error is not None:
                self.report_failure(outcome.error, account=outcome.account,
                                    action="keep_alive", panel=False)
            elif outcome.state is not None:
                self._after_keep_alive(outcome.account, outcome.state, idle[outcome.account.id])
        self.fire_hooks([*result.needs_sign_in,
                         *((o.account, o.result) for o in (*check.refreshed,
                                                           *check.kept_alive))])

    def _after_keep_alive(self, account: Account, state: TokenState, days: float | None
                          ) -> None:
        """An idle refresh token was redeemed so Microsoft keeps the sign-in: said once."""
        self.failures.pop(account.id, None)
        self.publish_token_state(state)
        since = "an unknown time" if days is None else f"{days:.0f} days"
        self.notify(f"{account.label!r} had not been refreshed for {since}, so it was "
                    "refreshed now to keep its sign-in from lapsing (Microsoft drops a "
                    "refresh token unused for 90 days).", title="Kept alive", timeout=8)
