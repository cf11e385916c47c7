"""The list's columns, cells and filter (no app needed)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.app.list_rows import (
    COLUMNS,
    STATUS_ROOM,
    cell,
    fit,
    matches,
    wants_of,
    widths_for,
)
from tui.core.model import Account

GUID = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"
TENANT_URL = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"


def used(widths: dict[str, int]) -> int:
    return sum(widths.values()) + 2 * len(COLUMNS) + 2


def test_columns_fit_the_terminal_and_follow_the_content() -> None:
    wants = {"label": 14, "tenant": 23, "client": 36, "status": 24}
    for width in (80, 100, 120, 132):
        widths = widths_for(width, wants)
        assert used(widths) <= width, (width, widths)
        assert widths["label"] == 14 and widths["status"] == 24  # never cut here
    # the client ID gives first, down to its first eight characters
    assert widths_for(80, wants)["client"] == widths_for(100, wants)["client"] == 9
    assert widths_for(100, wants)["tenant"] == 23
    assert widths_for(120, wants)["client"] == 29  # more room: more of it
    assert widths_for(132, wants) == {**wants, "type": 12, "auto": 4}
    # short content leaves the room unused rather than stretching a column
    small = widths_for(120, {"label": 5, "tenant": 7, "client": 9, "status": 24})
    assert small["tenant"] == 7 and small["label"] == len("Label")


def test_the_widest_column_gives_first() -> None:
    widths = widths_for(120, {"label": 40, "tenant": 50, "client": 36, "status": 44})
    assert used(widths) <= 120
    assert widths["client"] == 9
    # none hogs the row: the label keeps 16 more than the tenant, the status 24 more
    assert widths["label"] - widths["tenant"] in (15, 16, 17)
    assert widths["status"] - widths["tenant"] in (23, 24, 25)
    # a usual status is never cut for long labels and tenants
    long_labels = {"label": 60, "tenant": 47, "client": 36, "status": 24}
    for width in (80, 100, 120):
        assert widths_for(width, long_labels)["status"] == 24
    assert widths_for(80, long_labels)["label"] == 17
    # narrower than every floor: the floors hold (the table scrolls sideways)
    tiny = widths_for(40, {"label": 40, "tenant": 50, "client": 36, "status": 44})
    assert tiny["label"] == 6 and tiny["tenant"] == 6 and tiny["status"] == 10


def test_wants_count_cells_and_keep_room_for_a_status() -> None:
    accounts = [Account(label="📦 Versand", client_id=GUID, authorize_url=TENANT_URL,
                        token_url=TENANT_URL), Account(label="ab\x1b[2Jcd")]
    wants = wants_of(accounts, ["Expired"])
    assert wants["label"] == cell_len("ab\\x1b[2Jcd") == 11  # the escape as shown
    assert wants_of(accounts[:1], [])["label"] == 10  # the emoji takes two cells
    assert wants["tenant"] == len("contoso.onmicrosoft.com")
    assert wants["client"] == 36
    assert wants["status"] == STATUS_ROOM  # "Valid, expires in 59 min" fits later
    assert wants_of(accounts, ["Sign-in failed: invalid_client AADSTS7000215"])["status"] == 44


def test_cells_are_safe_and_cut_at_the_end() -> None:
    def shown(text: str, width: int) -> str:  # as the table draws a string cell
        return Text.from_markup(cell(text, width)).plain

    assert shown("shared-mailbox-for-the-north-office", 12) == "shared-mail…"
    assert shown("📦📦📦📦📦", 7) == "📦📦📦…"
    assert shown("x\x1b]52;c;Zm9v\x07", 30) == "x\\x1b]52;c;Zm9v\\x07"
    assert shown("[bold]x[/]", 20) == "[bold]x[/]"  # never read as markup
    assert fit("Valid, expires in 52 min", 10) == "Valid, ex…"
    assert fit("[b]\x1b", 20) == "[b]\\x1b"  # for a Text: safe, not escaped as markup


def test_filter_matches_label_tenant_or_status_words() -> None:
    account = Account(label="Shared-Mailbox", authorize_url=TENANT_URL, token_url=TENANT_URL)
    assert matches("shared", account, "Expired")
    assert matches("CONTOSO expired", account, "Expired")  # every word, any case
    assert not matches("contoso valid", account, "Expired")
    assert matches("", account, "Expired")
