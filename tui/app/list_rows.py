"""What the accounts list shows, apart from the widgets: loading, filtering, column widths
and the cells of a row.

``read_rows`` touches only ``tui.core`` (it runs in a worker thread for big files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text

from tui.core.model import Account, TokenView
from tui.core.terminal_text import terminal_safe

from .formatting import DASH, ellipsize, tenant_text

if TYPE_CHECKING:
    from tui.core.store.account_store import AccountStore

COLUMNS = (("label", "Label"), ("tenant", "Tenant"), ("client", "Client ID"),
           ("type", "Type"), ("status", "Status"), ("auto", "Auto"))
# Columns whose width follows their content; type and auto have fixed widths.
FLEXIBLE = ("label", "tenant", "client", "status")
# When the row does not fit, the client ID gives first, down to its first eight
# characters (enough to tell apps apart; the details show it whole); then the widest
# column gives, the label counting as 16 narrower than it is (it is what people look
# for) and the status as 24 narrower (what they came to see: a usual one is never cut).
_KEEP = {"label": 16, "status": 24, "tenant": 0, "client": 0}
_FLOOR = {"label": 6, "tenant": 6, "client": 9, "status": 10}

FileStamp = tuple[int, int, int]  # mtime (ns), size, inode: any write changes one of them


@dataclass(frozen=True)
class Rows:
    """What the list shows: accounts without secrets, token summaries."""

    accounts: tuple[Account, ...]
    states: dict[str, TokenView]
    stamp: FileStamp | None  # the account file as it was just before it was read


def widths_for(width: int, wants: Mapping[str, int]) -> dict[str, int]:
    """Column widths for a terminal ``width`` wide, following what the cells hold
    (``wants``: the widest cell of each flexible column). When they do not all fit, the
    client ID is cut first, then the widest column, so none hogs the row while another is
    cut short."""
    fixed = {"type": 12 if width >= 96 else 6, "auto": 4}
    room = width - 2 - 2 * len(COLUMNS) - sum(fixed.values())
    titles = dict(COLUMNS)
    widths = {key: max(cell_len(titles[key]), wants.get(key, 0)) for key in FLEXIBLE}
    widths["client"] -= min(max(0, widths["client"] - _FLOOR["client"]),
                            max(0, sum(widths.values()) - room))
    while sum(widths.values()) > room:
        shrinkable = [k for k in FLEXIBLE if widths[k] > _FLOOR[k]]
        if not shrinkable:
            break  # narrower than every floor: the table scrolls sideways
        widest = max(shrinkable, key=lambda k: (widths[k] - _KEEP[k], -FLEXIBLE.index(k)))
        widths[widest] -= 1
    return {**widths, **fixed}


def cell(text: str, width: int) -> str:
    """One cell: terminal-safe, cut at its end with "…" when wider than the column, its
    markup escaped (the table reads a string cell as markup). A string, not a Text: five
    thousand rows of Text objects cost memory the list does not need."""
    shown = fit(text, width)
    return escape(shown) if "[" in shown else shown


def fit(text: str, width: int) -> str:
    """``text`` terminal-safe and cut to ``width`` cells, for a cell the screen styles."""
    return ellipsize(terminal_safe(text), width)


def type_text(account: Account, width: int) -> str:
    if width >= 12 or account.client_type != "confidential":
        return account.client_type
    return "conf."


def row_cells(account: Account, status: Text, auto: Text, widths: Mapping[str, int]
              ) -> list[str | Text]:
    """The cells of one row, status and auto-refresh already drawn (the screen knows the
    colours, and shares one Text among the cells that look alike)."""
    return [
        cell(account.label, widths["label"]),
        cell(tenant_text(account), widths["tenant"]),
        cell(account.client_id.strip() or DASH, widths["client"]),
        type_text(account, widths["type"]),
        status,
        auto,
    ]


# Statuses change as tokens come and go: the column keeps room for the usual long one
# ("Valid, expires in 59 min"), so a sign-in does not make the columns jump.
STATUS_ROOM = 24


def status_want(statuses: Iterable[str]) -> int:
    """The width the status column asks for."""
    return max(STATUS_ROOM, max((cell_len(s) for s in statuses), default=0))


def wants_of(accounts: list[Account], statuses: Iterable[str]) -> dict[str, int]:
    """The widest cell of each flexible column."""
    return {
        "label": _widest(a.label for a in accounts),
        "tenant": _widest(tenant_text(a) for a in accounts),
        "client": _widest(a.client_id.strip() for a in accounts),
        "status": status_want(statuses),
    }


def _widest(texts: Iterable[str]) -> int:
    """The most cells any of ``texts`` takes once terminal-safe (each distinct text
    measured once: thousands of accounts share a few tenants and client IDs)."""
    return max((_cells(terminal_safe(t)) for t in set(texts)), default=0)


def _cells(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def matches(query: str, account: Account, status: str) -> bool:
    """The list filter: every word of ``query`` in the label, the tenant or the status
    (any case)."""
    haystack = " ".join((account.label, tenant_text(account), status)).casefold()
    return all(word in haystack for word in query.casefold().split())


def stamp_of(path: os.PathLike[str] | str) -> FileStamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


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
    stamp = stamp_of(store.path)
    pairs = store.load_summaries()
    return Rows(tuple(a for a, _ in pairs), {a.id: s for a, s in pairs}, stamp)
