"""`exo-oauth doctor`: every check we can run on one account, each a pass/warn/fail line with a fix.

``diagnose`` runs the checks in a fixed order (local.py: settings, secrets, files;
network.py: hosts, TLS, clock; token.py: the token and what it grants; mail.py:
real IMAP/SMTP logins) and scrubs every known secret from the result before
anyone sees it. What the checks share (Check, the statuses, Options) is in checks.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.core.store import seal

from . import mail, network
from .checks import FAIL, PASS, WARN, Check, Options, scrub
from .local import check_config, check_permissions, open_account
from .token import check_contents, check_token

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore

# The doctor's public face: the runner and what its callers build or read.
__all__ = ["FAIL", "PASS", "WARN", "Check", "Options", "Report", "check_config",
           "check_contents", "check_permissions", "check_token", "diagnose", "open_account"]


@dataclass(frozen=True)
class Report:
    label: str
    config_path: str
    checks: tuple[Check, ...]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def ok(self) -> bool:
        return self.count(FAIL) == 0


async def diagnose(store: AccountStore, label: str, options: Options | None = None) -> Report:
    """Every check for one account, in order: config, secrets, files, network, token, mail."""
    opts = options or Options()
    account, opened, secrets_check = open_account(store, label)
    others = list(store.labels())
    if label in others:
        others.remove(label)
    checks = [*check_config(account, others), secrets_check,
              check_permissions(store, account)]
    context = opts.context or network.trust_context(opts.cafile)
    service = opts.service
    own_service = service is None
    if service is None:
        from tui.core.oauth.service import OAuthService

        service = OAuthService(verify=context)
    secrets = [account.client_secret, account.access_token, account.refresh_token,
               os.environ.get(seal.PASSPHRASE_ENV, "")]
    mail_user = opts.user or ""
    try:
        net, token_host_ok = await network.check_hosts(account, opts, context)
        checks += net
        checks.append(await network.check_clock(service.client, account, opts,
                                                   reachable=token_host_ok))
        if not opened:
            checks.append(Check("token", WARN, "not checked: the secrets cannot be opened "
                                               "(see the secrets line)"))
        else:
            token_check, state = await check_token(store, account, service, opts.now())
            checks.append(token_check)
            if state is not None:
                secrets += [state.access_token, state.refresh_token]
                contents, user = check_contents(state.access_token, account,
                                                imap=bool(opts.imap), smtp=bool(opts.smtp),
                                                now=opts.now())
                checks.append(contents)
                mail_user = opts.user or user
                checks += await mail.check_logins(opts, user=mail_user,
                                                       token=state.access_token,
                                                       context=context, label=label)
            else:
                checks += mail.no_token(opts)
    finally:
        if own_service:
            await service.aclose()
    secrets += mail.xoauth2_forms(mail_user, secrets)
    cleaned = tuple(replace(c, detail=scrub(c.detail, secrets),
                            fix=scrub(c.fix, secrets, shapes=False))
                    for c in checks)
    return Report(label, str(store.path), cleaned)
