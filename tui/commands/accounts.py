"""`exo-oauth list|show|add|edit|delete|validate`: the account file from the command line.

The client secret never comes from argv (shell history, process lists): only
from EXO_OAUTH_CLIENT_SECRET or stdin. Output never shows a secret: at most its
first four characters and its length. Heavy modules load inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui.commands.accounts_output import (
    account_json,
    print_account,
    print_issues,
    print_list,
)
from tui.core.errors import SealError, UsageError

if TYPE_CHECKING:
    from tui.core.model import Account, ParamRow
    from tui.core.store.account_store import AccountStore

    from .common import Subparsers

from .common import open_store, warn_if_key_exposed

SECRET_ENV = "EXO_OAUTH_CLIENT_SECRET"


def register(sub: Subparsers) -> None:
    p = sub.add_parser("list", help="list the accounts", allow_abbrev=False,
                       description="List the accounts with their token status.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one account (secrets masked)", allow_abbrev=False,
                       description="Show every field of one account; secrets are masked.")
    p.add_argument("label")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("add", help="add an account", allow_abbrev=False,
                       description="Add an account. The client secret is read from "
                       f"${SECRET_ENV} or, with --client-secret-stdin, from standard input.")
    p.add_argument("label")
    p.add_argument("--client-id", required=True, metavar="ID",
                   help="Application (client) ID from the app registration")
    _account_options(p)
    p.add_argument("--auto-refresh", action="store_true", default=None,
                   help="refresh the token before it expires")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("edit", help="change an account", allow_abbrev=False,
                       description="Change an account; options not given stay as they are.")
    p.add_argument("label")
    p.add_argument("--client-id", metavar="ID")
    _account_options(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--auto-refresh", dest="auto_refresh", action="store_true",
                       default=None, help="turn auto-refresh on")
    group.add_argument("--no-auto-refresh", dest="auto_refresh", action="store_false",
                       help="turn auto-refresh off")
    p.add_argument("--clear-secret", action="store_true",
                   help="remove the client secret (for a public client)")
    p.add_argument("--rename", metavar="NEW", help="give the account a new label")
    p.add_argument("--proxy-user", action="append", metavar="ADDRESS",
                   help="a mailbox address (or *@domain) that may log in through "
                        "`exo-oauth proxy` with this account's token (repeatable)")
    p.add_argument("--no-proxy-user", action="append", metavar="ADDRESS",
                   help="remove one proxy user (repeatable)")
    p.set_defaults(func=cmd_edit)

    p = sub.add_parser("delete", help="delete an account and its tokens", allow_abbrev=False)
    p.add_argument("label")
    p.add_argument("--yes", action="store_true", help="really delete it")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("validate", help="check accounts for mistakes", allow_abbrev=False,
                       description="Check one account (or all) and print errors and "
                       "warnings, judged as the account form judges them. Exit code 2 "
                       "when any account has an error.")
    p.add_argument("label", nargs="?")
    p.add_argument("--purpose", choices=("authorize", "save"), default="authorize",
                   help="which errors set exit code 2: all of them, as they stop a "
                        "sign-in (default), or only those that stop a save")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_validate)


def _account_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tenant", help="tenant ID, verified domain, common, organizations or "
                                    "consumers: fills both URLs")
    p.add_argument("--cloud", choices=("global", "usgov", "china"),
                   help="national cloud for --tenant (default global)")
    p.add_argument("--authorize-url", metavar="URL",
                   help="OAuth2 Endpoint: where sign-in starts (instead of --tenant)")
    p.add_argument("--token-url", metavar="URL",
                   help="OAuth2 Token: where tokens are issued (instead of --tenant)")
    p.add_argument("--redirect-uri", metavar="URL",
                   help="must match one registered on the app (new accounts: http://localhost:8400)")
    p.add_argument("--client-type", choices=("confidential", "public"),
                   help="confidential sends the secret (new accounts); public sends none")
    p.add_argument("--client-auth", choices=("post", "basic"),
                   help="send the secret in the form body (post) or as HTTP Basic")
    p.add_argument("--flow", choices=("delegated", "app"),
                   help="delegated: a person signs in (default); app: app-only, client "
                        "credentials with the secret (token scope "
                        "https://outlook.office365.com/.default unless --token-param says)")
    p.add_argument("--auth-param", action="append", metavar="NAME=VALUE",
                   help="authorize request parameter (repeatable; replaces the defaults)")
    p.add_argument("--token-param", action="append", metavar="NAME=VALUE",
                   help="token request parameter (repeatable; replaces the defaults)")
    p.add_argument("--client-secret-stdin", action="store_true",
                   help=f"read the client secret from standard input (else ${SECRET_ENV})")
    # Caught only to refuse it clearly (and without echoing the value).
    p.add_argument("--client-secret", nargs="?", const="", default=None,
                   help=argparse.SUPPRESS)


def _rows(values: list[str] | None, option: str) -> tuple[ParamRow, ...] | None:
    from tui.core.model import ParamRow

    if values is None:
        return None
    rows = []
    for item in values:
        if "=" not in item:
            raise UsageError(f"{option} wants NAME=VALUE, got {item!r}.")
        name, value = item.split("=", 1)
        rows.append(ParamRow(name, value))
    return tuple(rows)


def _secret(args: argparse.Namespace) -> str | None:
    if args.client_secret is not None:
        raise UsageError("A client secret on the command line ends up in shell history and "
                         f"process lists: set ${SECRET_ENV} or use --client-secret-stdin.")
    if args.client_secret_stdin:
        if sys.stdin.isatty():
            import getpass

            return getpass.getpass("Client secret: ").strip()
        return sys.stdin.read().strip()
    env = os.environ.get(SECRET_ENV)
    return env.strip() if env else None


def _urls(args: argparse.Namespace, current: Account | None) -> dict[str, str]:
    from tui.core.tenant import TENANT_PLACEHOLDER, endpoint_urls, tenant_from_url

    out: dict[str, str] = {}
    if args.tenant or args.cloud:
        if args.authorize_url or args.token_url:
            raise UsageError("Give --tenant/--cloud or --authorize-url/--token-url, not both.")
        tenant = args.tenant
        if not tenant and current is not None:
            tenant = tenant_from_url(current.authorize_url)
        if not tenant or tenant == TENANT_PLACEHOLDER:
            raise UsageError("--cloud needs --tenant (the tenant ID or a verified domain).")
        out["authorize_url"], out["token_url"] = endpoint_urls(tenant, args.cloud or "global")
    if args.authorize_url:
        out["authorize_url"] = args.authorize_url
    if args.token_url:
        out["token_url"] = args.token_url
    return out


def _changes(args: argparse.Namespace, current: Account | None,
             secret: str | None) -> dict[str, Any]:
    changes: dict[str, Any] = dict(_urls(args, current))
    for name in ("client_id", "redirect_uri", "client_type", "client_auth", "auto_refresh",
                 "flow"):
        value = getattr(args, name, None)
        if value is not None:
            changes[name] = value
    for name, option in (("auth_params", "--auth-param"), ("token_params", "--token-param")):
        rows = _rows(getattr(args, name.replace("params", "param")), option)
        if rows is not None:
            changes[name] = rows
    if changes.get("flow") == "app" and "token_params" not in changes:
        from tui.core.model import app_rows, default_rows

        if current is None or current.token_params == default_rows():
            changes["token_params"] = app_rows()  # the delegated defaults cannot work
        else:  # delegated Graph/Outlook scopes: the matching /.default, as the form does
            from tui.core.appscope import swap_to_app_only
            from tui.core.tenant import graph_base_for

            token_url = changes.get("token_url", current.token_url)
            swap = swap_to_app_only(current.token_params, graph_base_for(token_url))
            if swap is not None:
                changes["token_params"] = swap.after
                print(f"App-only takes one /.default scope: the token scope is now "
                      f"{swap.new} (was: {swap.old}).", file=sys.stderr)
    if getattr(args, "clear_secret", False):
        if secret:
            raise UsageError("--clear-secret and a new client secret contradict each other.")
        secret = ""
    if secret is not None:
        changes["client_secret"] = secret
    return changes


def _findings(account: Account, store: AccountStore) -> None:
    """What the saved account still has: warnings, and errors that stop only a sign-in."""
    from tui.core.validate import validate

    taken = [label for label in store.labels() if label != account.label]
    for issue in sorted(validate(account, taken_labels=taken), key=lambda i: not i.is_error):
        note = " (saved; fix it before signing in)" if issue.is_error else ""
        print(f"{issue.severity}: {issue.field}: {issue.message}{note}", file=sys.stderr)


def cmd_add(args: argparse.Namespace) -> int:
    from tui.core.model import Account

    store = open_store(args)
    account = replace(Account(label=args.label), **_changes(args, None, _secret(args)))
    store.add(account)
    print(f"Added account {args.label!r} to {store.path}.")
    _findings(account, store)
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    store = open_store(args)
    secret = _secret(args)
    try:
        current = store.get(args.label)
    except SealError:
        if not secret:
            raise
        current = store.get(args.label, lenient=True)  # replacing a damaged secret
    changes = _changes(args, current, secret)
    if args.rename is not None:
        changes["label"] = args.rename
    if args.proxy_user or args.no_proxy_user:
        changes["proxy_users"] = _proxy_users(current, args.proxy_user or [],
                                              args.no_proxy_user or [])
    account = replace(current, **changes)
    if account.config_equal(current):
        print(f"Nothing to change for {args.label!r}.")
        return 0
    store.update(account, expected=current)
    if account.label != current.label:
        print(f"Renamed {current.label!r} to {account.label!r} and saved it.")
    else:
        print(f"Saved account {account.label!r}.")
    _findings(account, store)
    return 0


def _proxy_users(current: Account, add: list[str], remove: list[str]) -> tuple[str, ...]:
    """The proxy users after adding and removing (addresses compare without case)."""
    users = list(current.proxy_users)
    for gone in remove:
        kept = [u for u in users if u.strip().lower() != gone.strip().lower()]
        if len(kept) == len(users):
            listed = ", ".join(users) or "none"
            raise UsageError(f"{gone!r} is not a proxy user of {current.label!r} "
                             f"(listed: {listed}).")
        users = kept
    for new in add:
        if new.strip().lower() not in {u.strip().lower() for u in users}:
            users.append(new.strip())
    return tuple(users)


def cmd_delete(args: argparse.Namespace) -> int:
    store = open_store(args)
    account_id = store.id_of(args.label)
    if not args.yes:
        raise UsageError(f"Deleting {args.label!r} removes it and its tokens for good; "
                         "add --yes to do it.")
    store.delete(account_id)
    print(f"Deleted account {args.label!r} and its tokens.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store(args)
    rows = store.load_summaries()  # what a list shows needs no secret opened
    if not rows and not args.json:
        print(f"No accounts in {store.path} yet. Add one with: exo-oauth add LABEL "
              "--client-id ID --tenant TENANT")
        return 0
    print_list(rows, as_json=args.json)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store = open_store(args)
    account = store.get(args.label)
    state = store.token_state(account)
    if args.json:
        print(json.dumps(account_json(account, state), indent=2, ensure_ascii=False))
    else:
        print_account(account, state)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from tui.core.validate import validate

    store = open_store(args)
    accounts = store.load()
    warn_if_key_exposed(store)
    if args.label is not None:
        from tui.core.errors import AmbiguousLabel, NoSuchAccount

        ids = [a.id for a in accounts if a.label == args.label]
        if not ids:
            raise NoSuchAccount(args.label)
        if len(ids) > 1:  # `validate` with no label lists both, with the clash
            raise AmbiguousLabel(args.label, ids, str(store.path))
    results = []
    for i, account in enumerate(accounts):
        if args.label is not None and account.label != args.label:
            continue
        taken = [a.label for j, a in enumerate(accounts) if j != i]
        results.append((account, validate(account, taken_labels=taken)))
    if args.json:
        print(json.dumps([{"label": a.label, "id": a.id, "issues": [
            {"field": i.field, "severity": i.severity, "message": i.message, "rule": i.rule}
            for i in issues]} for a, issues in results], indent=2, ensure_ascii=False))
    elif not results:
        print(f"No accounts in {store.path}.")
    else:
        print_issues(results)
    found = [i for _, issues in results for i in issues]
    if args.purpose == "save":
        return 2 if any(i.stops_save for i in found) else 0
    return 2 if any(i.is_error for i in found) else 0
