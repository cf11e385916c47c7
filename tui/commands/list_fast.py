"""`exo-oauth list` straight from the last list's cache, while nothing it shows has changed.

With its cache current, the full list parses nothing, yet at 5,000 accounts it spent
most of its time importing argparse, the store and the model's dataclasses and
turning the cache's lines into accounts and summaries. This path reads the same
cache (list_cache_file) and prints the same table (accounts_output) from light rows,
and answers only when the cache stands for the account file's bytes as they are now
(the digest the full list uses) and every token file still shows the stamp kept
with its summary. Anything else (an option it does not know, no cache, a changed or
unsettled token file, an unreadable file, no accounts) returns None, and the full
command answers, bringing the cache up to date for the next list.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from tui import global_options
from tui.core import paths
from tui.core.store.label_index import index_path
from tui.core.store.list_cache_file import (
    ACCOUNT_FIELDS,
    account_digest,
    batches,
    cache_path,
    checked_summary,
    open_folder,
    read_head,
    stamp_in,
)
from tui.core.token_summary import TokenSummary

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_SHOWN = ("client_id", "client_type", "flow", "auto_refresh", "authorize_url")
_BOOLS = (False, True)


class AccountRow(NamedTuple):
    """The account fields a list shows (accounts_output.ListedAccount)."""

    label: str
    id: str
    client_id: str
    client_type: str
    flow: str
    auto_refresh: bool
    authorize_url: str


def parse(argv: Sequence[str]) -> tuple[str | None, bool] | None:
    """(--config value, --json) for a plain `list` call; None for anything else (help,
    --debug, unknown options, mistakes), which the full parser then handles."""
    found = global_options.split(argv, "list")
    if found is None or found[1] not in ([], ["--json"]):
        return None
    return found[0], found[1] == ["--json"]


def cached_rows(config: str) -> list[tuple[AccountRow, TokenSummary]] | None:
    """The rows the list cache holds for this account file, if every one is current."""
    resolved = paths.resolved(config)
    state = paths.state_folder()
    digest = account_digest(config, resolved, index_path(state, resolved))
    if not digest:
        return None
    folder = open_folder(os.path.join(state, "tokens"))
    try:
        with open(cache_path(state, resolved), "rb") as fh:
            head = read_head(fh, resolved, digest)
            if head is None:
                return None
            texts = head["texts"]
            at = [ACCOUNT_FIELDS.index(name) for name in _SHOWN]
            shapes = [(texts[s[at[0]]], texts[s[at[1]]], texts[s[at[2]]], _BOOLS[s[at[3]]],
                       texts[s[at[4]]]) for s in head["shapes"]]
            rows = []
            for batch in batches(fh):
                for shape, account_id, label, summary, file_name, stamp in batch:
                    if type(file_name) is not str or stamp_in(folder, file_name) != stamp:
                        return None
                    account_id, label = texts[account_id], texts[label]
                    client_id, client_type, flow, auto_refresh, url = shapes[shape]
                    rows.append((AccountRow(label, account_id, client_id, client_type, flow,
                                            auto_refresh, url),
                                 TokenSummary(account_id, label, *checked_summary(summary))))
    finally:
        if folder is not None:
            os.close(folder)
    return rows if len(rows) == head["count"] else None


def try_list(argv: Sequence[str]) -> int | None:
    """Print the list and return 0, or None to let the full command handle it."""
    request = parse(argv)
    if request is None:
        return None
    config, as_json = request
    try:
        rows = cached_rows(paths.config_file(config))
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None
    if not rows:
        return None
    from .accounts_output import print_list
    from .safe_output import terminal_safe_output

    with terminal_safe_output():
        print_list(rows, as_json=as_json)
    return 0
