"""The parameter row editor: an ordered list of name = value rows, edited in place.

Used twice in the form (token endpoint rows, auth endpoint rows), and once as a
one-column list (``single=``: the mail proxy's addresses). It converts to and from the
model's rows (``load_rows`` / ``to_rows``, or ``load_values`` / ``to_values`` for a
one-column list) so the form never reaches inside.
Keys while focus is in it: ctrl+n add, ctrl+d remove, alt+up/down (or ctrl+up/down, which
some terminals keep for themselves) move, ctrl+o presets; up/down walk the rows like a
spreadsheet.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from tui.core.model import ParamRow, default_rows
from tui.core.terminal_text import terminal_safe
from tui.core.validate import Issue

from .fields import FieldInput, IssueLine, ShowsWholeValue

IMAP_SMTP_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All "
                    "https://outlook.office.com/SMTP.Send offline_access")
EWS_SCOPES = "https://outlook.office365.com/EWS.AccessAsUser.All offline_access"


class RowInput(FieldInput):
    """Name or value cell of one row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Input uses ctrl+d for "delete right"; the Delete key still does that here.
        Binding("ctrl+d", "remove_row", "Remove", tooltip="Remove this row",
                id="rows.remove"),
        Binding("down", "walk(1)", "Row below", show=False, id="rows.down"),
        Binding("up", "walk(-1)", "Row above", show=False, id="rows.up"),
    ]

    def __init__(self, value: str, *, column: str, field_name: str, placeholder: str) -> None:
        super().__init__(value, field_name=field_name, placeholder=placeholder,
                         classes=f"row-{column}")
        self.column = column

    @property
    def row(self) -> RowEditor:
        return self.query_ancestor(RowEditor)

    @property
    def editor(self) -> ParamRowsEditor:
        return self.query_ancestor(ParamRowsEditor)

    def action_remove_row(self) -> None:
        self.editor.remove_row(self.row)

    def action_walk(self, step: int) -> None:
        self.editor.walk(self.row, self.column, step)


class RowEditor(ShowsWholeValue, Vertical):
    """One row: name and value side by side, with an issue line under them."""

    def __init__(self, row: ParamRow, field_name: str, single: str | None = None) -> None:
        super().__init__(classes="param-row")
        self.single = single
        self.name_input = RowInput(row.name, column="name", field_name=field_name,
                                   placeholder="name")
        self.value_input = RowInput(row.value, column="value", field_name=field_name,
                                    placeholder=single.lower() if single else "value")
        self.issue_line = IssueLine(classes="issue")
        # a focused cell's value, when it is cut
        self.full = Static(classes="row-full -single" if single else "row-full")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="param-cells"):
            if not self.single:  # a one-column list keeps only the value cell
                yield self.name_input
                yield Static("=", classes="param-eq")
            yield self.value_input
        yield self.full
        yield self.issue_line

    def on_mount(self) -> None:
        self.issue_line.display = False
        self.full.display = False

    def follow_value(self) -> None:
        """While a cell of this row has the focus and its value is cut, the whole value
        shows under the row (the cells themselves show a value's start)."""
        cell = next((c for c in (self.name_input, self.value_input)
                     if c.has_focus and c.too_long), None)
        self.full.display = cell is not None
        if cell is not None:
            self.full.update(Content(terminal_safe(cell.value)))

    def to_row(self) -> ParamRow:
        return ParamRow(self.name_input.value, self.value_input.value)

    def cell(self, column: str) -> RowInput:
        return self.name_input if column == "name" else self.value_input


class ParamRowsEditor(Vertical):
    """Ordered name/value rows for one endpoint."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "add_row", "Add row", id="rows.add"),
        # not in the footer (the hint under the rows names them), so that it fits 80 columns
        Binding("alt+up,ctrl+up", "move(-1)", "Move ↑", tooltip="Move this row up",
                id="rows.move_up", show=False),
        Binding("alt+down,ctrl+down", "move(1)", "Move ↓", tooltip="Move this row down",
                id="rows.move_down", show=False),
        Binding("ctrl+o", "presets", "Presets", tooltip="Scope presets for the scope row",
                id="rows.presets"),
    ]

    class PresetForBoth(Message):
        """A scope preset was picked here for both scope tables: the form sets the other."""

        def __init__(self, editor: ParamRowsEditor, key: str) -> None:
            super().__init__()
            self.editor = editor
            self.key = key

    class Changed(Message):
        """Rows were added, removed, moved, replaced or edited."""

        def __init__(self, editor: ParamRowsEditor) -> None:
            super().__init__()
            self.editor = editor

        @property
        def control(self) -> ParamRowsEditor:
            return self.editor

    def __init__(self, rows: tuple[ParamRow, ...] = (), *, field_name: str, title: str,
                 hint: str, single: str | None = None, partner: str = "",
                 id: str | None = None) -> None:
        super().__init__(classes="rows-editor", id=id)
        self.field_name = field_name
        self.title = title
        self.partner = partner  # the title of the other scope table, offered presets too
        self.hint = hint
        self.single = single  # the heading of a one-column list (no names, no presets)
        self._rows: list[RowEditor] = [self._new_row(r) for r in rows]
        self._body = Vertical(classes="param-rows")

    def _new_row(self, row: ParamRow) -> RowEditor:
        return RowEditor(row, self.field_name, self.single)

    # -- composition -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="rows-title")
        yield Static(self.hint, classes="hint")
        with Horizontal(classes="param-head"):
            if self.single:
                yield Static(self.single, classes="head-value")
            else:
                yield Static("Name", classes="head-name")
                yield Static("Value", classes="head-value")
        with self._body:
            yield from self._rows
        yield Static(Content("(no rows)"), classes="rows-empty hint")
        with Horizontal(classes="rows-tools"):
            yield Button("+ Add row", id=f"{self.field_name}-add", compact=True,
                         classes="rows-add")
            if not self.single:
                yield Button("Scope presets…", id=f"{self.field_name}-presets",
                             compact=True, classes="rows-presets")
            yield Static("^n add  ^d remove  alt+↑↓ move" + ("" if self.single else
                                                              "  ^o presets"),
                         classes="rows-keys")

    def on_mount(self) -> None:
        self._sync_empty()

    def _sync_empty(self) -> None:
        self.query_one(".rows-empty").display = not self._rows

    # -- data in and out ----------------------------------------------------------------
    def to_rows(self) -> tuple[ParamRow, ...]:
        return tuple(r.to_row() for r in self._rows)

    def to_values(self) -> tuple[str, ...]:
        """A one-column list's values (blank rows kept, so validation can name them)."""
        return tuple(r.value_input.value.strip() for r in self._rows)

    def load_values(self, values: tuple[str, ...]) -> None:
        self.load_rows(tuple(ParamRow("", v) for v in values))

    def load_rows(self, rows: tuple[ParamRow, ...]) -> None:
        """Replace every row (keeps the widget; used by presets and reloads)."""
        for old in self._rows:
            old.remove()
        self._rows = [self._new_row(r) for r in rows]
        if self._rows:
            self._body.mount_all(self._rows)
        self._changed()

    def show_issues(self, issues: list[Issue]) -> None:
        """Issues whose field is ``<field_name>[i].name`` or ``[i].value`` go to row i."""
        per_row: dict[int, list[Issue]] = {}
        prefix = f"{self.field_name}["
        for issue in issues:
            if issue.field.startswith(prefix):
                index = int(issue.field[len(prefix):].split("]", 1)[0])
                per_row.setdefault(index, []).append(issue)
        for i, row in enumerate(self._rows):
            found = per_row.get(i, [])
            row.issue_line.show(found)
            errs = {self._column_of(i.field) for i in found if i.is_error}
            warns = {self._column_of(i.field) for i in found if not i.is_error}
            for column in ("name", "value"):
                row.cell(column).set_class(column in errs, "-error")
                row.cell(column).set_class(column in warns and column not in errs, "-warning")

    def _column_of(self, field: str) -> str:
        return "value" if self.single else field.rsplit(".", 1)[-1]

    def focus_field(self, field: str) -> bool:
        """Focus the cell named by an issue field like ``token_params[2].name``."""
        try:
            index = int(field.split("[", 1)[1].split("]", 1)[0])
            column = field.rsplit(".", 1)[1]
        except (IndexError, ValueError):
            index, column = 0, "name"
        if self.single:
            column = "value"
        if 0 <= index < len(self._rows):
            self._rows[index].cell(column if column in ("name", "value") else "name").focus()
            return True
        return False

    # -- helpers ----------------------------------------------------------------------
    def _changed(self) -> None:
        self._sync_empty()
        self.post_message(self.Changed(self))

    def _focused_row(self) -> RowEditor | None:
        focused = self.screen.focused
        for row in self._rows:
            if focused is not None and focused in (row.name_input, row.value_input):
                return row
        return None

    def _focused_column(self) -> str:
        focused = self.screen.focused
        return focused.column if isinstance(focused, RowInput) else "name"

    def walk(self, row: RowEditor, column: str, step: int) -> None:
        index = self._rows.index(row) + step
        if 0 <= index < len(self._rows):
            self._rows[index].cell(column).focus()
        elif step < 0:
            self.screen.focus_previous()
        else:
            self.screen.focus_next()

    # -- actions ------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("move", "remove_row"):
            return self._focused_row() is not None and len(self._rows) > 0
        if action == "presets":
            return not self.single
        return True

    async def action_add_row(self) -> None:
        current = self._focused_row()
        row = self._new_row(ParamRow("", ""))
        if current is None:
            self._rows.append(row)
            await self._body.mount(row)
        else:
            self._rows.insert(self._rows.index(current) + 1, row)
            await self._body.mount(row, after=current)
        (row.value_input if self.single else row.name_input).focus()
        self._changed()

    def remove_row(self, row: RowEditor) -> None:
        index = self._rows.index(row)
        column = self._focused_column()
        self._rows.remove(row)
        row.remove()
        if self._rows:
            self._rows[min(index, len(self._rows) - 1)].cell(column).focus()
        else:
            self.query_one(".rows-add", Button).focus()
        self._changed()

    def action_move(self, step: int) -> None:
        row = self._focused_row()
        if row is None:
            return
        index = self._rows.index(row)
        target = index + step
        if not 0 <= target < len(self._rows):
            self.app.bell()
            return
        other = self._rows[target]
        self._rows[index], self._rows[target] = other, row
        if step < 0:
            self._body.move_child(row, before=other)
        else:
            self._body.move_child(row, after=other)
        row.scroll_visible()
        self._changed()

    def action_presets(self) -> None:
        from tui.app.screens.modals import PresetChoice, PresetMenu

        def picked(choice: PresetChoice | None) -> None:
            if choice is None:
                return
            did = self.apply_preset(choice.key)
            if choice.both:
                self.post_message(self.PresetForBoth(self, choice.key))
            else:
                self.notify(f"{self.title}: {did}.", timeout=4)

        self.app.push_screen(PresetMenu(PRESETS, here=self.title, other=self.partner), picked)

    def apply_preset(self, key: str) -> str:
        """Set the scope row from a preset (adding one at the top if there is none), or
        the default rows ("reset"); returns what it did, in a few words."""
        if key == "reset":
            self.load_rows(default_rows())
            return "back to the default scope row"
        value = PRESETS[key][1]
        row = self._focused_row()
        if row is None or row.name_input.value.strip() != "scope":
            row = next((r for r in self._rows if r.name_input.value.strip() == "scope"), None)
        if row is None:
            self._rows.insert(0, self._new_row(ParamRow("scope", value)))
            self._body.mount(self._rows[0], before=0)
        else:
            row.value_input.value = value
        self._changed()
        return f"scope set to {PRESETS[key][0]}"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.has_class("rows-add"):
            self.run_worker(self.action_add_row())
        elif event.button.has_class("rows-presets"):
            self.action_presets()


# preset key -> (menu label, scope value)
PRESETS: dict[str, tuple[str, str]] = {
    "graph": ("Microsoft Graph: mail, calendar, contacts", default_rows()[0].value),
    "imap_smtp": ("IMAP + SMTP (Outlook)", IMAP_SMTP_SCOPES),
    "ews": ("Exchange Web Services (EWS)", EWS_SCOPES),
}
