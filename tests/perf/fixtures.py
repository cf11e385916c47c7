"""Build benchmark fixtures fast: an account file with N accounts and their token files.

The first account goes through the real store (so the header, key and format are
the product's own); the rest are appended as text in the same shape, because
adding 10,000 accounts one by one through a locked read-modify-write would make
the fixture, not the product, the slow part.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from tui.core.model import GRAPH_SCOPES, Account, TokenState
from tui.core.store import label_index, token_format
from tui.core.store.account_store import AccountStore
from tui.core.tenant import endpoint_urls

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "bench-secret-value"


def env_for(root: Path) -> dict[str, str]:
    """Environment pointing every exo-oauth folder under ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXO_OAUTH_")}
    env.update(HOME=str(root / "home"), XDG_CONFIG_HOME=str(root / "config"),
               XDG_STATE_HOME=str(root / "state"), XDG_DATA_HOME=str(root / "data"))
    (root / "home").mkdir(parents=True, exist_ok=True)
    return env


def _account_text(account: Account, sealed_secret: str) -> str:
    rows = f'    {{name = "scope", value = "{GRAPH_SCOPES}"}},\n'
    return (
        "\n[[account]]\n"
        f'id = "{account.id}"\n'
        f'label = "{account.label}"\n'
        f'client_id = "{account.client_id}"\n'
        'client_type = "confidential"\n'
        'client_auth = "post"\n'
        f'client_secret = "{sealed_secret}"\n'
        f'authorize_url = "{account.authorize_url}"\n'
        f'token_url = "{account.token_url}"\n'
        f'redirect_uri = "{account.redirect_uri}"\n'
        f"auto_refresh = {'true' if account.auto_refresh else 'false'}\n"
        f"auth_params = [\n{rows}]\n"
        f"token_params = [\n{rows}]\n"
    )


def build(config: Path, count: int, *, token_url: str | None = None,
          authorize_url: str | None = None, with_tokens: bool = True,
          expires_in: float = 3600, refresh_token: str = "", client_id: str = CLIENT_ID,
          secret: str = SECRET, auto_refresh: bool = False) -> list[Account]:
    """Write ``count`` accounts (labels acct-00000...) and, optionally, token files.

    Call with the XDG environment already pointing at the fixture folder.
    """
    auth, tok = endpoint_urls("contoso.example")
    auth, tok = authorize_url or auth, token_url or tok
    store = AccountStore(config)
    accounts = [Account(label=f"acct-{i:05d}", client_id=client_id, client_secret=secret,
                        authorize_url=auth, token_url=tok, auto_refresh=auto_refresh,
                        id=str(uuid.UUID(int=i + 1))) for i in range(count)]
    store.add(accounts[0])
    sealer = store.sealer
    with open(config, "a", encoding="utf-8") as fh:
        for account in accounts[1:]:
            fh.write(_account_text(account, sealer.seal(account.id, "client_secret", secret)))
    if with_tokens:
        now = time.time()
        for i, account in enumerate(accounts):
            state = TokenState(account_id=account.id, label=account.label,
                               access_token=f"bench-access-token-{i:05d}",
                               refresh_token=refresh_token, expires_at=now + expires_in,
                               obtained_at=now, last_refresh_at=now, scope=GRAPH_SCOPES)
            path = token_format.token_path(store.state_dir, config, account.id)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_text(token_format.dumps_state(state, sealer), encoding="utf-8")
            os.chmod(path, 0o600)
    # A first full read writes the label index, as any command would after a hand edit;
    # waiting out the timestamp tick first lets it be marked settled.
    time.sleep(2 * label_index.SETTLE_NS / 1e9)
    AccountStore(config).labels()
    return accounts
