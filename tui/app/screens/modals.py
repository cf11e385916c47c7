"""Small modal questions. Each returns a typed answer through ``dismiss``:

- ConfirmDelete -> bool
- UnsavedChanges -> "save" | "discard" | "cancel"
- ConflictQuestion -> "overwrite" | "reload" | "cancel"
- PresetMenu -> PresetChoice (a preset key and whether both tables get it) or None

Each has a footer of its own keys (the screen's underneath would show keys that mean
something else here), and a question keeps toasts in the rows below its box, so a toast
never covers its buttons: on a short terminal the box sits near the top to leave room.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets._toast import ToastRack
from textual.widgets.option_list import Option

from tui.app.widgets.footer import KeysFooter

UnsavedAnswer = Literal["save", "discard", "cancel"]
ConflictAnswer = Literal["overwrite", "reload", "cancel"]
Answer = TypeVar("Answer")


# Toasts need about this many rows (title, a line or two, padding); less room: none shown
# until the question is answered (they are still there, underneath, if not yet expired).
TOAST_ROWS_MIN = 5


def keep_toasts_below(screen: ModalScreen[Any], box: Vertical) -> None:
    """Let the screen's toasts use only the rows between ``box`` and the footer."""
    try:
        rack = screen.query_one(ToastRack)
    except NoMatches:  # notifications are off: nothing to place
        return
    footer = screen.query_one(KeysFooter).outer_size.height
    free = screen.size.height - box.region.bottom - footer - 1  # the rack's bottom margin
    rack.styles.max_height = free if free >= TOAST_ROWS_MIN else 0


class _Question(ModalScreen[Answer]):
    """A titled box with a message and a row of buttons; ``answer_for`` turns the id of
    the button pressed (or of a key's ``answer(...)`` action) into the typed answer."""
    CSS_PATH = "modals.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (48, "-wide")]  # narrow: buttons stacked
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # short: the box near the top

    TITLE_TEXT = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer_cancel", "Cancel", id="modal.cancel"),
        Binding("left", "app.focus_previous", "Previous button", show=False,
                id="modal.previous"),
        Binding("right", "app.focus_next", "Next button", show=False, id="modal.next"),
    ]

    def __init__(self, message: str | Content) -> None:
        super().__init__(classes="question")
        self.message = message

    def buttons(self) -> list[Button]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.TITLE_TEXT, classes="dialog-title")
            yield Static(self.message, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield from self.buttons()
        yield KeysFooter(show_command_palette=False, compact=True)

    def on_resize(self) -> None:
        self.call_after_refresh(self._place_toasts)

    def on_show(self) -> None:
        self.call_after_refresh(self._place_toasts)

    def _place_toasts(self) -> None:
        if self.is_attached:
            keep_toasts_below(self, self.query_one(".dialog", Vertical))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.answer_for(event.button.id or ""))

    def answer_for(self, button_id: str) -> Answer:
        raise NotImplementedError

    def cancel_answer(self) -> Answer:
        raise NotImplementedError

    def action_answer_cancel(self) -> None:
        self.dismiss(self.cancel_answer())

    def action_answer(self, answer: str) -> None:
        self.dismiss(self.answer_for(answer))


class ConfirmDelete(_Question[bool]):
    """Delete an account? True only on an explicit yes."""

    TITLE_TEXT = "Delete account"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('delete')", "Delete", id="delete.yes"),
        Binding("n", "answer('keep')", "Keep", id="delete.no"),
    ]

    def __init__(self, label: str) -> None:
        body = Content.assemble(
            "Delete ", (repr(label), "bold"), "?\n\n",
            "Its settings, its sealed secret and its issued tokens are removed from this "
            "machine. The app registration in Azure is not touched.",
        )
        super().__init__(body)
        self.label = label

    def buttons(self) -> list[Button]:
        return [Button("Delete (y)", id="delete", variant="error", compact=True),
                Button("Keep it (n)", id="keep", compact=True)]

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # the safe choice is the default

    def answer_for(self, button_id: str) -> bool:
        return button_id == "delete"

    def cancel_answer(self) -> bool:
        return False


class UnsavedChanges(_Question[UnsavedAnswer]):
    """Leaving the form with changes: save them, drop them, or stay."""

    TITLE_TEXT = "Unsaved changes"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "answer('save')", "Save", id="unsaved.save"),
        Binding("d", "answer('discard')", "Discard", id="unsaved.discard"),
        Binding("c", "answer('cancel')", "Keep editing", id="unsaved.cancel"),
    ]

    def __init__(self, label: str) -> None:
        name = repr(label) if label.strip() else "this new account"
        super().__init__(Content(f"You changed {name} but did not save.\n\n"
                                 "Save the changes, discard them, or go back to the form?"))

    def buttons(self) -> list[Button]:
        return [Button("Save (s)", id="save", variant="primary", compact=True),
                Button("Discard (d)", id="discard", variant="error", compact=True),
                Button("Cancel (c)", id="cancel", compact=True)]

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def answer_for(self, button_id: str) -> UnsavedAnswer:
        match button_id:
            case "save" | "discard":
                return button_id
        return "cancel"

    def cancel_answer(self) -> UnsavedAnswer:
        return "cancel"


class ConflictQuestion(_Question[ConflictAnswer]):
    """The account changed on disk since the form loaded it."""

    TITLE_TEXT = "Changed by someone else"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "answer('overwrite')", "Overwrite", id="conflict.overwrite"),
        Binding("r", "answer('reload')", "Reload", id="conflict.reload"),
        Binding("c", "answer('cancel')", "Keep editing", id="conflict.cancel"),
    ]

    def __init__(self, label: str, changed: list[str], *, deleted: bool = False) -> None:
        self.deleted = deleted
        if deleted:
            body = (f"{label!r} was deleted from the account file after you opened it "
                    "(by another exo-oauth, or an editor).\n\n"
                    "Overwrite: save your version, adding it back.\n"
                    "Cancel: keep editing; nothing is saved.")
        else:
            what = ", ".join(changed) if changed else "the account"
            body = (f"{label!r} was changed in the account file after you opened it "
                    f"(by another exo-oauth, or an editor). Changed there: {what}.\n\n"
                    "Overwrite: save your version over theirs.\n"
                    "Reload: drop your edits and load theirs.\n"
                    "Cancel: keep editing; nothing is saved.")
        super().__init__(Content(body))

    def buttons(self) -> list[Button]:
        buttons = [Button("Overwrite (o)", id="overwrite", variant="warning", compact=True)]
        if not self.deleted:
            buttons.append(Button("Reload (r)", id="reload", variant="primary", compact=True))
        return [*buttons, Button("Cancel (c)", id="cancel", compact=True)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "answer" and parameters == ("reload",) and self.deleted)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def answer_for(self, button_id: str) -> ConflictAnswer:
        match button_id:
            case "overwrite" | "reload":
                return button_id
        return "cancel"

    def cancel_answer(self) -> ConflictAnswer:
        return "cancel"


@dataclass(frozen=True)
class PresetChoice:
    """A picked preset ("graph", "imap_smtp", "ews" or "reset"), and whether it goes to
    both scope tables (a sign-in and its token request must name the same resource)."""

    key: str
    both: bool


class PresetMenu(ModalScreen[PresetChoice | None]):
    """Scope presets for the scope row; reset puts back the default rows.

    ``presets``: preset key -> (menu label, scope value), as the row editor keeps them.
    """
    CSS_PATH = "modals.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="presets.cancel"),
        Binding("b", "toggle_both", "Both tables on/off", id="presets.both",
                tooltip="Set the preset in the sign-in and the token table, or only here"),
    ]

    def __init__(self, presets: Mapping[str, tuple[str, str]], *, here: str = "",
                 other: str = "") -> None:
        super().__init__()
        self.presets = presets
        self.here, self.other = here, other

    def compose(self) -> ComposeResult:
        options = [Option(Content.assemble((label, "bold"), "\n", (value, "dim")), id=key)
                   for key, (label, value) in self.presets.items()]
        options.append(Option(Content.assemble(("Reset to default", "bold"), "\n",
                                               ("one scope row with the Graph scopes",
                                                "dim")), id="reset"))
        with Vertical(classes="dialog presets"):
            yield Static("Scope presets", classes="dialog-title")
            yield Static("Sets the value of the scope row. A sign-in needs both scope tables "
                         "to ask for the same resource. Enter picks, Escape closes.",
                         classes="hint")
            if self.other:
                yield Checkbox(f"Also set {self.other} (b)", True, id="preset-both")
            yield OptionList(*options, id="preset-list")
        yield KeysFooter(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return bool(self.other) if action == "toggle_both" else True

    def action_toggle_both(self) -> None:
        self.query_one("#preset-both", Checkbox).toggle()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        both = bool(self.other) and self.query_one("#preset-both", Checkbox).value
        self.dismiss(PresetChoice(event.option.id or "", both))

    def action_cancel(self) -> None:
        self.dismiss(None)
