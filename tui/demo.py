"""`exo-oauth --demo`: the real program against the local identity provider.

Everything lives in a throw-away folder (account file, key, token files), the
fake runs on a free loopback port, and three accounts show the three things a
new user should see: a sign-in that just works, a token that refreshes by
itself, and a failure that the troubleshooting panel explains.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEVICE_APPROVAL_S = 3.0
# The live account's token is due for refresh this long after the demo starts
# (it expires just past the 5-minute refresh margin).
LIVE_REFRESH_IN_S = 20.0
WRONG_SECRET = "this-is-not-the-secret"


@dataclass(frozen=True)
class Demo:
    root: Path
    config: Path
    state_dir: Path
    base_url: str
    labels: tuple[str, str, str]

    @property
    def banner(self) -> str:
        return (f"DEMO: a local stand-in for Microsoft at {self.base_url}; nothing here "
                "reaches Microsoft. Press a on demo-signin to sign in, watch demo-live "
                "refresh by itself, press a on demo-wrong-secret to see a failure explained.")


def point_env_at(root: Path) -> None:
    """Send every exo-oauth folder of this process into ``root``."""
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                     ("XDG_DATA_HOME", "data")):
        os.environ[var] = str(root / sub)
    for var in ("EXO_OAUTH_CONFIG", "EXO_OAUTH_STATE_DIR", "EXO_OAUTH_KEY_FILE",
                "EXO_OAUTH_PASSPHRASE"):
        os.environ.pop(var, None)


def prepare(root: Path, idp: Any, *, now: float | None = None) -> Demo:
    """Write the demo account file and token state under ``root`` (env already pointed)."""
    from tui.core import paths
    from tui.core.model import GRAPH_SCOPES, Account, TokenState
    from tui.core.store.account_store import AccountStore
    from tui.fakeidp import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PUBLIC_CLIENT_ID
    from tui.fakeidp.signin import sign_in

    now = time.time() if now is None else now
    config = paths.config_path()
    store = AccountStore(config)
    auth, token = idp.authorize_url(), idp.token_url()
    common = dict(authorize_url=auth, token_url=token)
    signin = Account(label="demo-signin", client_id=DEMO_PUBLIC_CLIENT_ID,
                     client_type="public", **common)
    live = Account(label="demo-live", client_id=DEMO_CLIENT_ID,
                   client_secret=DEMO_CLIENT_SECRET, auto_refresh=True, **common)
    wrong = Account(label="demo-wrong-secret", client_id=DEMO_CLIENT_ID,
                    client_secret=WRONG_SECRET, **common)
    for account in (signin, live, wrong):
        store.add(account)
    issued = sign_in(auth, token, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_SCOPES)
    margin = 300.0
    state = TokenState(account_id=live.id, label=live.label,
                       access_token=issued["access_token"],
                       refresh_token=issued["refresh_token"],
                       expires_at=now + margin + LIVE_REFRESH_IN_S, obtained_at=now,
                       last_refresh_at=now, scope=str(issued.get("scope", "")))
    with store.token_lock(live):
        store.save_token_state(state)
    return Demo(root=root, config=config, state_dir=store.state_dir, base_url=idp.base_url,
                labels=(signin.label, live.label, wrong.label))


def run_demo() -> int:
    from tui.app import make_app
    from tui.fakeidp import FakeIdP

    root = Path(tempfile.mkdtemp(prefix="exo-oauth-demo-"))
    saved = dict(os.environ)
    try:
        point_env_at(root)
        with FakeIdP(auto_approve=DEVICE_APPROVAL_S, verification_uri=None) as idp:
            demo = prepare(root, idp)
            make_app(config_path=demo.config, banner=demo.banner).run()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(root, ignore_errors=True)
    return 0
