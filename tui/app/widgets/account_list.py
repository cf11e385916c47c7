"""The accounts list's own widgets: the table (Enter edits, j/k move) and the filter line.

Both act through the screen they are on (its ``edit``, ``focus_rows`` and
``clear_filter`` actions), so they hold no state of their own.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input


class AccountsTable(DataTable[Any]):
    """The table, with Enter meaning "edit", and j/k moving like down/up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter and q are in the footer only where it has room for them besides / (the
        # keys work everywhere): each is bound twice, the shown one checked for the width
        Binding("enter", "edit('wide')", "Edit", id="accounts.edit_shown"),
        Binding("enter", "edit", "Edit", id="accounts.edit", show=False),
        Binding("j", "cursor_down", "Next account", show=False, id="accounts.next"),
        Binding("k", "cursor_up", "Previous account", show=False, id="accounts.previous"),
        Binding("home", "first_row", "First account", show=False, id="accounts.first"),
        Binding("end", "last_row", "Last account", show=False, id="accounts.last"),
    ]

    # Edit is the list screen's; asked here, not through "screen.", which would be whatever
    # screen is on top (the palette) when the footer looks.
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit":
            return self.screen.check_action(action, parameters)
        return super().check_action(action, parameters)

    async def action_edit(self, _where: str = "") -> None:
        await self.screen.run_action("edit")

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.move_cursor(row=self.row_count - 1)


class ListFilter(Input):
    """The filter line: typing narrows the rows; Enter or down goes back to them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "screen.focus_rows", "To the list", show=False,
                id="accounts.filter_done"),
        Binding("escape", "screen.clear_filter", "Clear filter",
                id="accounts.filter_escape"),
    ]

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
