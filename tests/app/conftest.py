"""UI test helpers: a fixed clock, UTC, the app built through make_app, seeded accounts.

Nothing here sleeps: the clock only moves when a test moves it, the live status
timer is off (tests call the refresh themselves) and the cursor does not blink.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widget import Widget
from textual.worker import WorkerState

from tui.app import make_app
from tui.app.exo_app import ExoApp
from tui.core.model import Account, ParamRow, TokenState
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls

from .helpers import LiveClock

# 2026-09-21 14:13:20 UTC: any fixed instant works; statuses are relative to it.
FIXED_NOW = 1_790_000_000.0
# Obviously fake values: none of them may appear in a screenshot or a file in clear.
SECRET = "FAKE-secret-Qz8~not-a-real-one"
ACCESS = "FAKE.access.token." + "x" * 1400
REFRESH = "FAKE.refresh.token." + "y" * 700
CLIENT_IDS = ("1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d", "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
              "5a5a5a5a-1111-4222-8333-944445555666", "0c0ffee0-1234-4abc-9def-00000000beef")


class FixedClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC so expiry times in snapshots never depend on the machine;
    colours do not depend on the caller's NO_COLOR either."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def store(config_path: Path) -> AccountStore:
    """A second, independent handle on the same files (plays "another process")."""
    return AccountStore(config_path)


def build(config_path: Path, clock: FixedClock, **kwargs: object) -> ExoApp:
    options: dict[str, object] = {"live_interval": None, "refresh_every": None,
                                  "cursor_blink": False, "animations": False, **kwargs}
    return make_app(config_path, clock=clock, **options)  # type: ignore[arg-type]


# Snapshot tests render every screen at both sizes an admin is likely to have.
SIZES = pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])


@pytest.fixture
def home_config() -> Path:
    """The default place, under the per-test home folder, so it shows as ~/.config/..."""
    return Path.home() / ".config" / "exo-oauth" / "accounts.toml"


@pytest.fixture
def app(config_path: Path, clock: FixedClock) -> ExoApp:
    return build(config_path, clock)


def sample_accounts() -> list[tuple[Account, TokenState | None]]:
    """Four accounts covering the statuses: valid, never authorized, refused, expired."""
    auth, token = endpoint_urls("contoso.onmicrosoft.com")
    gauth, gtoken = endpoint_urls("c0ffee00-aaaa-4bbb-8ccc-123456789abc")
    shared = Account(label="shared-mailbox", client_id=CLIENT_IDS[0], client_secret=SECRET,
                     authorize_url=auth, token_url=token, auto_refresh=True)
    robot = Account(label="reports-robot", client_id=CLIENT_IDS[1], client_type="public",
                    authorize_url=gauth, token_url=gtoken)
    helpdesk = Account(label="helpdesk", client_id=CLIENT_IDS[2], client_secret=SECRET,
                       authorize_url=auth, token_url=token,
                       token_params=(ParamRow("scope", "https://outlook.office.com/"
                                              "IMAP.AccessAsUser.All offline_access"),))
    archive = Account(label="archive-imap", client_id=CLIENT_IDS[3], client_secret=SECRET,
                      authorize_url=auth, token_url=token)
    return [
        (shared, TokenState(shared.id, shared.label, ACCESS, REFRESH, FIXED_NOW + 52 * 60,
                            obtained_at=FIXED_NOW - 8 * 60)),
        (robot, None),
        (helpdesk, TokenState(helpdesk.id, helpdesk.label, refresh_token=REFRESH,
                              needs_authorization=True)),
        (archive, TokenState(archive.id, archive.label, ACCESS, REFRESH,
                             FIXED_NOW - 3 * 3600, obtained_at=FIXED_NOW - 4 * 3600,
                             last_refresh_at=FIXED_NOW - 4 * 3600)),
    ]


def seed(store: AccountStore) -> list[Account]:
    added = []
    for account, state in sample_accounts():
        added.append(store.add(account))
        if state is not None:
            store.save_token_state(state)
    return added


@pytest.fixture
def seeded(store: AccountStore) -> list[Account]:
    return seed(store)


async def settle(pilot: object) -> None:
    """Let loading workers finish and the screen catch up."""
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(4):
        await pilot.pause()  # type: ignore[attr-defined]
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            return
        await app.workers.wait_for_complete()


async def paste(pilot: object, text: str, into: Widget | None = None) -> None:
    """What a terminal sends when a person pastes (a GUID, a secret) into the focused field.

    Typing long values key by key costs ~50 ms a key in Pilot; people paste them anyway.
    ``into``: the widget that should have the focus by now (waits for it, then checks).
    """
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(20):  # focus() lands a moment later than the key that caused it
        await pilot.pause()  # type: ignore[attr-defined]
        if into is None or app.focused is into:
            break
    assert into is None or app.focused is into, (app.focused, into)
    app.focused.post_message(events.Paste(text))
    await pilot.pause()  # type: ignore[attr-defined]


def footer_keys(app: ExoApp) -> list[tuple[str, str, int]]:
    """(key, description, right edge on screen) of every key the current footer shows."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = app.screen.query_one(Footer)
    return [(key.key_display, key.description, key.region.right)
            for key in footer.query(FooterKey)]


def cut_off_keys(app: ExoApp) -> list[str]:
    """The footer keys that do not fit on the screen (empty when all of them do)."""
    return [f"{key} {what}" for key, what, right in footer_keys(app) if right > app.size.width]


@pytest.fixture
def live() -> LiveClock:
    """A wall clock the test can move forward (see idphelp.LiveClock)."""
    return LiveClock()
