"""What the accounts list shows, apart from the widgets: loading and column widths.

``read_rows`` touches only ``tui.core`` (it runs in a worker thread for big files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.model import Account, TokenView

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore

COLUMNS = (("label", "Label"), ("tenant", "Tenant"), ("client", "Client ID"),
           ("type", "Type"), ("status", "Status"), ("auto", "Auto"))


@dataclass(frozen=True)
class Rows:
    """What the list shows: accounts without secrets, token summaries."""

    accounts: tuple[Account, ...]
    states: dict[str, TokenView]
    mtime: float | None


def widths_for(width: int, label_max: int = 16, tenant_max: int = 24) -> dict[str, int]:
    """Column widths that fit the terminal; label and tenant share what is left."""
    wide = width >= 96
    fixed = {"client": 9, "type": 12 if wide else 6, "status": 24, "auto": 4}
    spare = max(20, width - 2 - 2 * len(COLUMNS) - sum(fixed.values()))
    want_label, want_tenant = max(5, label_max), max(6, tenant_max)
    if want_label + want_tenant <= spare:
        label, tenant = want_label, spare - want_label
    else:  # the label is what people look for: it gets room first
        label = min(want_label, max(10, spare - 9))
        tenant = spare - label
        if tenant > want_tenant:
            label, tenant = label + tenant - want_tenant, want_tenant
    return {"label": label, "tenant": tenant, **fixed}


def mtime_of(path: os.PathLike[str] | str) -> float | None:
    try:
        return os.stat(path).st_mtime_ns / 1e9
    except OSError:
        return None


# Files up to this size (about 600 accounts) are read before the first frame: that takes
# a few tens of milliseconds, less than painting the screen twice would.
SMALL_FILE_BYTES = 512 * 1024


def small_file(path: os.PathLike[str] | str) -> bool:
    """True for an account file small enough to read before the first paint (or none)."""
    try:
        return os.stat(path).st_size <= SMALL_FILE_BYTES
    except OSError:
        return True  # missing: nothing to read; unreadable: the error shows at once


def read_rows(store: AccountStore) -> Rows:
    """What the list shows (blocks: file reads). Opens no sealed value: the accounts come
    without their client secrets and the states are summaries; a screen that acts on an
    account asks the store for the whole of it first."""
    mtime = mtime_of(store.path)
    pairs = store.load_summaries()
    return Rows(tuple(a for a, _ in pairs), {a.id: s for a, s in pairs}, mtime)

