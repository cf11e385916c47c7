"""Doctor's local checks: the account's settings, its secrets and its files' permissions.

Nothing here touches the network: these run first and say whether the account
can be opened at all and whether its files are private.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.core import paths
from tui.core.errors import NoSuchAccount, ParseError, StoreError
from tui.core.model import Account
from tui.core.store import fileio, seal

from .checks import FAIL, PASS, WARN, Check, advice

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore


def check_config(account: Account, taken: Iterable[str]) -> list[Check]:
    """The validator's rules for signing in: errors fail, warnings warn."""
    from tui.core.validate import AUTHORIZE, validate

    issues = validate(account, taken_labels=taken, purpose=AUTHORIZE)
    if not issues:
        return [Check("config", PASS, "the account passes every rule for signing in")]
    out = []
    for issue in issues:
        entry, fix = advice(issue, account.label)
        out.append(Check(f"config {issue.field}", FAIL if issue.is_error else WARN,
                         issue.message, fix, entry))
    return out


def _config_only(store: AccountStore, label: str) -> Account:
    """The account's settings when its secrets cannot be opened (the secret stays sealed)."""
    from tui.core.store.account_file import account_from_raw, parse

    parsed = parse(store.path.read_bytes(), str(store.path))
    for n, raw in enumerate(parsed.accounts, 1):
        if raw.get("label", "") == label:
            return account_from_raw(raw, n, str(store.path), lambda _i, _l, text: text)
    raise NoSuchAccount(label)


def open_account(store: AccountStore, label: str) -> tuple[Account, bool, Check]:
    """(account, secrets opened?, the secrets check). NoSuchAccount/ParseError propagate."""
    name = "secrets"
    try:
        sealing = seal.read_header(store.path).get("sealing")
        source = store.sealer.source if sealing else ""
        account = store.get(label)
    except ParseError:
        raise
    except StoreError as exc:  # wrong key or passphrase, damaged salt or token file
        entry, fix = advice(exc, label)
        return _config_only(store, label), False, Check(name, FAIL, str(exc), fix, entry)
    if not sealing:
        return account, True, Check(name, PASS, "nothing is sealed in the account file yet, "
                                                "so no key is needed")
    if source == "the passphrase":
        source = "the passphrase in EXO_OAUTH_PASSPHRASE"
    what = [w for w, v in (("client secret", account.client_secret),
                           ("tokens", account.access_token or account.refresh_token)) if v]
    opened = f" and opens its {' and '.join(what)}" if what else ""
    return account, True, Check(name, PASS, f"{source} matches the account file{opened}")


def _ours(folder: Path) -> bool:
    """Folders exo-oauth made for itself may be locked down; a shared one (say /etc) not."""
    return folder.name == paths.APP


def check_permissions(store: AccountStore, account: Account) -> Check:
    """Account file, token file and key file 0600; exo-oauth's folders 0700."""
    from tui.core.store.token_format import token_path

    token_file = token_path(store.state_dir, store.path, account.id)
    items: list[tuple[Path, bool]] = [(store.path, True), (token_file, True),
                                      (store.path.parent, _ours(store.path.parent)),
                                      (store.state_dir, _ours(store.state_dir)),
                                      (token_file.parent, True)]
    if seal.read_header(store.path).get("sealing") == seal.KEYFILE:
        key = paths.key_file()
        items += [(key, True), (key.parent, _ours(key.parent))]
    problems = [p for p in (fileio.mode_problem(path, strict)
                            for path, strict in dict(items).items()) if p]
    if not problems:
        return Check("permissions", PASS, "the account, token and key files are private "
                                          "(0600) and exo-oauth's folders are 0700")
    return Check("permissions", FAIL, "; ".join(p[0] for p in problems),
                 "; ".join(p[1] for p in problems), "local.permission")
