"""The troubleshooting panel (``t`` anywhere): the whole catalog, searchable, with advice.

Browsing: a table of every entry, an input that filters as you type (a code such as
7000215 or AADSTS50011, words, or a whole pasted error), and the highlighted entry's
reason, numbered steps and Microsoft link beside it (below it on narrow terminals).

Opened from a failure (``app.open_troubleshooting(source)``), the best match is
highlighted and the failure is shown above the table, redacted, with its trace id,
correlation id and timestamp one key away from the clipboard for a support ticket.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from rich.console import Group as RichGroup
from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static
from textual.widgets.data_table import ColumnKey

from tui.app import troubleshoot_rows
from tui.app.formatting import ellipsize
from tui.app.troubleshoot_rows import Failure, Row
from tui.app.widgets.footer import KeysFooter
from tui.core.troubleshoot import catalog
from tui.core.troubleshoot.redact import redact

if TYPE_CHECKING:
    from tui.core.troubleshoot.catalog import Match

CODE_WIDTH = 16
SHORT_BELOW = 32  # rows: below this the failure is folded
IDS = Binding.Group("Copy IDs")
COPY_KEYS = {"trace": "f3", "correlation": "f4", "timestamp": "f5"}
SHORT_NAMES = {"trace": "trace", "correlation": "correlation", "timestamp": "time"}
_TICK_RE = re.compile(r"`([^`]*)`")


class FilterInput(Input):
    """The filter: typing filters; up/down (and page keys) move through the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "screen.move(1)", "Next entry", show=False, id="troubleshoot.next"),
        Binding("up", "screen.move(-1)", "Previous entry", show=False,
                id="troubleshoot.previous"),
        Binding("pagedown", "screen.move(8)", "Page down", show=False,
                id="troubleshoot.page_down"),
        Binding("pageup", "screen.move(-8)", "Page up", show=False,
                id="troubleshoot.page_up"),
    ]

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class CatalogTable(DataTable[Text | str]):
    """The catalog, one entry per row; Enter moves to the detail pane."""


class DetailPane(VerticalScroll, can_focus=True):
    """The highlighted entry in full; scrolls with the arrow and page keys when focused."""


class TroubleshootScreen(Screen[None]):
    CSS_PATH = "troubleshoot.tcss"
    IS_TROUBLESHOOT_PANEL = True  # checked by the app without importing this module
    HELP_TITLE = "Troubleshooting"
    HELP_TEXT = (
        "Every problem exo-oauth knows, with what it means and what to do. Type to filter: "
        "a code (7000215, AADSTS50011), an error name (invalid_grant), words (redirect), "
        "or paste a whole error message. Up and down move through the list while you type; "
        "Tab moves to the list and the advice. Opened from a failure, the matching entry is "
        "already highlighted, and the ids Microsoft support asks for are one key away."
    )
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # Short: the failure folds to three lines (its error cut to one, the ids to one) and
    # the error in full moves to the end of the advice, which gets the room and scrolls.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (SHORT_BELOW, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="troubleshoot.close"),
        Binding("slash", "focus_filter", "Filter", id="troubleshoot.filter"),
        Binding("f2", "copy('link')", "Copy link", id="troubleshoot.copy_link",
                tooltip="Copy the link to Microsoft's page for this code"),
        Binding("f3", "copy('trace')", "Copy trace ID", id="troubleshoot.copy_trace",
                group=IDS),
        Binding("f4", "copy('correlation')", "Copy correlation ID",
                id="troubleshoot.copy_correlation", group=IDS),
        Binding("f5", "copy('timestamp')", "Copy timestamp", id="troubleshoot.copy_timestamp",
                group=IDS),
        Binding("f6", "copy('ticket')", "Copy all", id="troubleshoot.copy_ticket",
                tooltip="Copy the problem, the ids and the error text for a support ticket"),
    ]

    def __init__(self, source: object | None = None, *, label: str | None = None) -> None:
        super().__init__()
        self.failure: Failure | None = None
        self.rows: list[Row] = []
        self._by_id: dict[str, Row] = {}
        self._entries = catalog.load()
        self._source = source
        self._label = label
        self._shown_rows: tuple[int, list[tuple[str, bool]]] | None = None
        self._shown_detail: tuple[object, Failure | None, bool] | None = None
        self._link_shown = False

    @property
    def HELP_KEYS(self) -> list[tuple[str, list[type]]]:
        return [("Troubleshooting", [TroubleshootScreen, FilterInput])]

    # -- layout ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="ts-failure"):
            yield Static(id="ts-failure-title")
            yield Static(id="ts-raw")
            yield Static(id="ts-ids")
            yield Static(id="ts-ids-line")
        with Horizontal(id="ts-filter-row"):
            yield FilterInput(placeholder="Filter: a code (7000215, AADSTS50011) or words",
                              compact=True, id="ts-filter")
            yield Static(id="ts-count")
        with Horizontal(id="ts-body"):
            yield CatalogTable(id="ts-table", cursor_type="row", zebra_stripes=True)
            with DetailPane(id="ts-detail"):
                yield Static(id="ts-detail-text")
        yield KeysFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.title = "Troubleshooting"
        table = self.query_one(CatalogTable)
        table.add_column("Code", key="code", width=CODE_WIDTH)
        table.add_column("Problem", key="title", width=self._title_width())
        self.show_source(self._source, label=self._label)
        self.query_one(FilterInput).focus()

    def _title_width(self) -> int:
        width = self.size.width or self.app.size.width
        table_width = width // 2 if width >= 100 else width
        return max(12, table_width - CODE_WIDTH - 6)

    @property
    def short(self) -> bool:
        """True when the failure is folded (a terminal under SHORT_BELOW rows)."""
        return (self.size.height or self.app.size.height) < SHORT_BELOW

    def on_resize(self) -> None:
        if self._shown_detail is not None and self._shown_detail[2] != self.short:
            self._show_detail()  # the error in full comes into the advice, or leaves it
        table = self.query_one(CatalogTable)
        column = table.columns.get(ColumnKey("title"))
        if column is not None and column.width != self._title_width():
            column.width = self._title_width()
            self._fill(self.highlighted_id())

    # -- the source -----------------------------------------------------------------------
    def show_source(self, source: object | None, *, label: str | None = None) -> None:
        """Show a failure (or none) and highlight its best match; the filter is cleared."""
        self.failure = (troubleshoot_rows.describe(source, label=label)
                        if source is not None else None)
        self.sub_title = ("opened from a failure" if self.failure is not None
                          else "every problem exo-oauth knows")
        box = self.query_one("#ts-failure")
        box.display = self.failure is not None
        if self.failure is not None:
            self._show_failure(self.failure)
        top = self.failure.top if self.failure else None
        filter_input = self.query_one(FilterInput)
        with filter_input.prevent(Input.Changed):
            filter_input.value = ""
        self._apply_filter("", select_id=top.entry.id if top else None)
        self.refresh_bindings()  # the copy keys depend on the failure

    def _show_failure(self, failure: Failure) -> None:
        self.query_one("#ts-failure-title", Static).update(
            Content.assemble((failure.heading, "bold"), self._failure_hint(failure)))
        self.query_one("#ts-raw", Static).update(Content(failure.raw or "(no message)"))
        self.query_one("#ts-failure").set_class(bool(failure.support_ids()), "-ids")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(no_wrap=True, overflow="ellipsis")
        grid.add_column(style="dim", no_wrap=True)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        for key, name, value in failure.support_ids():
            grid.add_row(name, value, f"{COPY_KEYS[key]} copies")
            short = value if key == "timestamp" else ellipsize(value, 9)
            line.append_text(Text.assemble((COPY_KEYS[key], "bold"), f" {SHORT_NAMES[key]} ",
                                           short, "  "))
        self.query_one("#ts-ids", Static).update(grid)
        self.query_one("#ts-ids-line", Static).update(line)

    @staticmethod
    def _failure_hint(failure: Failure) -> str:
        if failure.support_ids():
            return "  (f6 copies all of it for a support ticket)"
        return ""

    # -- filtering ------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "ts-filter":
            event.stop()
            self._apply_filter(event.value, select_id=self.highlighted_id())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ts-filter":
            event.stop()
            self.query_one(CatalogTable).focus()

    def _apply_filter(self, query: str, select_id: str | None = None) -> None:
        rows = troubleshoot_rows.filter_rows(query, self._entries)
        if self.failure is not None:  # a failure's matches keep their own links
            links = {m.entry.id: m.link for m in self.failure.matches}
            rows = [Row(r.entry, links.get(r.entry.id, r.link), r.matched or r.entry.id in links)
                    for r in rows]
        self.rows = rows
        self._by_id = {r.entry.id: r for r in rows}
        total = len(self._entries)
        count = f"{total} entries" if not query.strip() else f"{len(rows)} of {total}"
        self.query_one("#ts-count", Static).update(count)
        self._fill(select_id)

    def _fill(self, select_id: str | None) -> None:
        table = self.query_one(CatalogTable)
        width = self._title_width()
        shown = (width, [(r.entry.id, r.matched) for r in self.rows])
        if shown != self._shown_rows:  # typing often leaves the list as it was
            self._shown_rows = shown
            self._add_rows(table, width)
        index = next((i for i, r in enumerate(self.rows) if r.entry.id == select_id), 0)
        if self.rows:
            table.move_cursor(row=index, animate=False)
        self._show_detail()

    def _add_rows(self, table: CatalogTable, width: int) -> None:
        table.clear()
        for row in self.rows:
            code = Text(ellipsize(troubleshoot_rows.code_label(row.entry), CODE_WIDTH))
            title = Text(ellipsize(row.entry.title, width))
            if row.matched:
                code.stylize("bold")
                title.stylize("bold")
            table.add_row(code, title, key=row.entry.id)

    def highlighted_id(self) -> str | None:
        table = self.query_one(CatalogTable)
        if not self.rows or table.row_count == 0:
            return None
        row = min(max(table.cursor_row, 0), len(self.rows) - 1)
        return self.rows[row].entry.id

    def highlighted(self) -> Row | None:
        hid = self.highlighted_id()
        return self._by_id.get(hid) if hid else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one(DetailPane).focus()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_move(self, delta: int) -> None:
        table = self.query_one(CatalogTable)
        if table.row_count:
            target = min(max(table.cursor_row + delta, 0), table.row_count - 1)
            table.move_cursor(row=target, animate=False)

    def action_focus_filter(self) -> None:
        self.query_one(FilterInput).focus()

    # -- the detail pane -----------------------------------------------------------------
    def _show_detail(self) -> None:
        text = self.query_one("#ts-detail-text", Static)
        row = self.highlighted()
        query = self.query_one(FilterInput).value.strip()
        key = (row.entry.id, row.link, row.matched) if row else query
        if (key, self.failure, self.short) == self._shown_detail:
            return  # repainting the same advice costs a frame for nothing
        self._shown_detail = (key, self.failure, self.short)
        if row is None:
            text.update(Content.assemble(
                ("Nothing in the catalog matches ", ""), (repr(query), "bold"), ".\n\n",
                "Try a code (7000215), an error name (invalid_grant) or fewer words; "
                "ctrl+u clears the filter."))
        else:
            text.update(self._detail(row))
        self.query_one(DetailPane).scroll_home(animate=False)
        if bool(row and row.link) != self._link_shown:  # f2 comes and goes with the link
            self._link_shown = bool(row and row.link)
            self.refresh_bindings()

    def _color(self, name: str) -> str:
        return str(self.app.get_css_variables().get(name, ""))

    def _detail(self, row: Row) -> RenderableType:
        entry = row.entry
        failure = self.failure
        match = next((m for m in failure.matches if m.entry.id == entry.id), None) \
            if failure else None
        group = next((g.title for g in catalog.groups() if g.id == entry.group), entry.group)
        parts: list[RenderableType] = [
            Text(entry.title, style=f"bold {self._color('text-primary')}"),
            Text(f"{' · '.join(troubleshoot_rows.all_keys(entry))}  ·  {group}", style="dim"),
        ]
        if match is not None:
            parts.append(self._match_line(match))
        parts += [Text(""), Text(entry.reason), Text(""),
                  Text("What to do", style="bold")]
        steps = Table.grid(padding=(0, 1))
        steps.add_column(justify="right", no_wrap=True)
        steps.add_column(ratio=1)
        label = failure.label if failure else None
        for n, step in enumerate(catalog.resolution_for(entry, label), 1):
            steps.add_row(Text(f"{n}."), self._step(step))
        parts.append(steps)
        if row.link:
            parts += [Text(""), Text.assemble(
                ("Microsoft's page: ", "bold"),
                (row.link, Style(link=row.link, underline=True)), ("  (f2 copies)", "dim"))]
        if failure is not None and self.short:  # folded above: here in full
            parts += [Text(""), Text("What failed, in full", style="bold"),
                      Text(failure.raw or "(no message)")]
            parts += [Text(f"{name}: {value}") for _, name, value in failure.support_ids()]
        return RichGroup(*parts)

    def _match_line(self, match: Match) -> Text:
        failure = self.failure
        assert failure is not None
        best = failure.top is not None and failure.top.entry.id == match.entry.id
        what = "Best match" if best else "Also matches"
        line = Text.assemble((f"{what} for this failure", f"bold {self._color('text-success')}"),
                             (f" (matched on {redact(match.via)})", "dim"))
        others = [m for m in failure.matches if m.entry.id != match.entry.id][:2]
        if best and others:
            names = ", ".join(troubleshoot_rows.code_label(m.entry) for m in others)
            line.append(f"; see also {names}", style="dim")
        return line

    def _step(self, step: str) -> Text:
        """A step with `commands` shown bold and without the backticks."""
        out = Text()
        last = 0
        for found in _TICK_RE.finditer(step):
            out.append(step[last:found.start()])
            out.append(found.group(1), style=f"bold {self._color('text-accent')}")
            last = found.end()
        out.append(step[last:])
        return out

    # -- copying --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter":  # while typing, / is just a character
            return not isinstance(self.focused, FilterInput)
        if action != "copy":
            return True
        what = parameters[0] if parameters else ""
        if what == "link":
            row = self.highlighted()
            return row is not None and bool(row.link)
        if self.failure is None:
            return False
        if what == "ticket":
            return bool(self.failure.support_ids())
        return any(key == what for key, _, _ in self.failure.support_ids())

    def action_copy(self, what: str) -> None:
        value, name = self._copy_value(what)
        if not value:
            self.notify(f"There is no {name} to copy here.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(value)
        shown = value if len(value) <= 60 and "\n" not in value else ""
        self.notify(f"Copied the {name} to the clipboard{': ' + shown if shown else '.'}",
                    title="Copied", timeout=4)

    def _copy_value(self, what: str) -> tuple[str, str]:
        failure = self.failure
        if what == "link":
            row = self.highlighted()
            return (row.link or "" if row else ""), "link to Microsoft's page"
        if what == "ticket":
            row = self.highlighted()
            found = failure.top if failure else None
            if row is not None and failure is not None:
                found = next((m for m in failure.matches if m.entry.id == row.entry.id), found)
            text = troubleshoot_rows.ticket_text(failure, found) if failure else ""
            return text, "support details (problem, ids and error text)"
        for key, name, value in failure.support_ids() if failure else []:
            if key == what:
                return value, name[0].lower() + name[1:]
        return "", what

    def action_close(self) -> None:
        self.dismiss(None)
