"""The help screen (``?`` or F1): what the screen underneath is for, and its keys."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.app.widgets.footer import KeysFooter

# (section title, binding owner classes) are given by each screen's HELP_KEYS.
GENERAL = (
    "Everything works from the keyboard. Tab and Shift+Tab move between fields; "
    "the bar at the bottom shows the keys that apply where you are; F1 opens this help "
    "on any screen; ctrl+p opens the command palette, which lists the same actions by "
    "name; ctrl+q quits from anywhere."
)


def key_rows(app: App[Any], owners: list[type]) -> list[tuple[str, str]]:
    """(keys, description) for every described binding of these classes, in order."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for owner in owners:
        for item in getattr(owner, "BINDINGS", []):
            if not isinstance(item, Binding) or not item.description:
                continue
            keys = " / ".join(app.get_key_display(Binding(k.strip(), item.action))
                              for k in item.key.split(","))
            entry = (keys, item.description)
            if entry not in seen:
                seen.add(entry)
                rows.append(entry)
    return rows


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "modals.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close help", id="help.close"),
        Binding("t,ctrl+t", "troubleshoot", "Troubleshoot", id="help.troubleshoot",
                tooltip="Close help and open troubleshooting"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under
        self.sections: list[tuple[str, list[tuple[str, str]]]] = []

    def compose(self) -> ComposeResult:
        title = getattr(self.under, "HELP_TITLE", "exo-oauth")
        purpose = getattr(self.under, "HELP_TEXT", "")
        sections: list[tuple[str, list[type]]] = getattr(self.under, "HELP_KEYS", [])
        with Vertical(classes="dialog help"):
            yield Static(f"Help: {title}", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                if purpose:
                    yield Static(purpose, classes="help-purpose")
                for heading, owners in sections:
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", no_wrap=True, min_width=14)
                    table.add_column()
                    rows = key_rows(self.app, owners)
                    self.sections.append((heading, rows))
                    for keys, what in rows:
                        table.add_row(keys, what)
                    yield Static(heading, classes="help-heading")
                    yield Static(table, classes="help-keys")
                yield Static(GENERAL, classes="help-purpose")
            yield Static("Escape closes this help; t opens the troubleshooting panel.",
                         classes="hint")
        # its own keys, not those of the screen underneath
        yield KeysFooter(show_command_palette=False, compact=True)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_troubleshoot(self) -> None:
        """Do what t does on the screen underneath (which may preselect its own problem)."""
        self.dismiss(None)
        self.app.call_later(self.app.run_action, "app.troubleshoot")
