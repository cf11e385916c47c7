"""Form building blocks: a labelled field with a hint and an issue line, and the inputs.

A Field shows one account attribute: title on the left (``*`` when required), the
control, a one-line hint in plain words, and an issue line (error or warning) that
validation fills. Controls carry ``field_name`` so the form can map focus and issues.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.expand_tabs import expand_tabs_inline
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.app.formatting import mask
from tui.core.terminal_text import is_terminal_safe, terminal_safe
from tui.core.validate import Issue


def issue_markup(issue: Issue, extra: int = 0) -> str:
    """One issue as a line: a mark that differs for errors and warnings, then the message."""
    mark = "✗ Error:" if issue.is_error else "! Warning:"
    more = f"  (+{extra} more)" if extra else ""
    return f"{mark} {issue.message}{more}"


def pick_issue(issues: list[Issue]) -> tuple[Issue | None, int]:
    """The issue to show (errors first) and how many others there are."""
    if not issues:
        return None, 0
    ordered = sorted(issues, key=lambda i: not i.is_error)
    return ordered[0], len(ordered) - 1


class IssueLine(Static):
    """Shows nothing, an error (red) or a warning (amber) under a control."""

    _shown: tuple[Issue | None, int] | None = None

    def show(self, issues: list[Issue]) -> None:
        issue, extra = pick_issue(issues)
        if self._shown == (issue, extra):
            return  # typing re-validates on every key: repaint only what changed
        self._shown = (issue, extra)
        self.set_class(issue is not None and issue.is_error, "-error")
        self.set_class(issue is not None and not issue.is_error, "-warning")
        self.display = issue is not None
        self.update(Content(issue_markup(issue, extra)) if issue else "")


def shown_in_place(value: str) -> str:
    """``value`` with each character a terminal would act on (as terminal_safe judges)
    drawn as one visible stand-in: ␛ for ESC and the other control pictures, � for the
    rest. One character for one, so an input's cursor and selection stay where they are
    while a hand-edited value is edited (its escaped spelling shows in the field's note)."""
    if is_terminal_safe(value):
        return value
    return "".join(ch if is_terminal_safe(ch) else _stand_in(ch) for ch in value)


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␀ ... ␛ ... ␟
    return "\u2421" if code == 0x7F else "\ufffd"


class FieldInput(Input):
    """A one-line input that follows the app's cursor-blink setting; up/down move between
    fields. Left alone, a value too long for it shows its start and "…" (the whole value is
    shown under it while it has the focus: ``too_long``). A value from the file with
    control or bidi characters shows them as stand-ins (``shown_in_place``), never raw."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "app.focus_next", "Next field", show=False, id="form.next_field"),
        Binding("up", "app.focus_previous", "Previous field", show=False,
                id="form.previous_field"),
    ]

    def __init__(self, value: str = "", *, field_name: str, placeholder: str = "",
                 password: bool = False, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(value, placeholder, password=password, compact=True,
                         select_on_focus=False, id=id, classes=classes)
        self.field_name = field_name

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))

    # Input draws ``_value`` and places the cursor by ``_position_to_cell`` and mouse
    # clicks by ``_cell_offset_to_index``: all three see the stand-ins.
    @property
    def _value(self) -> Text:
        if self.password:
            return Text("•" * len(self.value), no_wrap=True, overflow="ignore", end="")
        return Text(shown_in_place(self.value), no_wrap=True, overflow="ignore", end="")

    def _position_to_cell(self, position: int) -> int:
        return cell_len(expand_tabs_inline(shown_in_place(self.value[:position]), 4))

    def _cell_offset_to_index(self, offset: int) -> int:
        shown = shown_in_place(self.value)
        offset += self.scroll_offset.x
        cells = 0
        for index, char in enumerate(shown):
            width = cell_len(char)
            if cells <= offset < cells + width:
                return index
            cells += width
        return max(0, min(offset, len(shown)))

    @property
    def too_long(self) -> bool:
        """True when the value is wider than the room it has."""
        width = self.scrollable_content_region.width
        return width > 0 and self._value.cell_len > width  # (0: not laid out yet)

    def _show_start(self) -> None:
        if not self.has_focus:
            self.scroll_to(x=0, animate=False, immediate=True)

    def on_blur(self) -> None:
        # (has_focus is still set while this runs: Widget clears it after)
        self.scroll_to(x=0, animate=False, immediate=True)

    def on_focus(self) -> None:
        # where typing goes on: the cursor's place, which leaving the field scrolled away
        self.scroll_to_region(Region(self._cursor_offset, 0, width=1, height=1), force=True,
                              animate=False)

    def on_input_changed(self) -> None:
        self._show_start()  # set from outside (a preset, a reload): show its start

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if y or self.has_focus or not self.too_long or self.scroll_offset.x:
            return strip
        width = self.scrollable_content_region.width
        kept = strip.crop(0, width - 1)
        last = list(kept)[-1:] or [Segment("")]
        return Strip.join([kept, Strip([Segment("…", last[0].style)])]).extend_cell_length(
            strip.cell_length, self.rich_style)


class SecretInput(FieldInput):
    """The client secret: masked until the person asks to see it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_reveal", "Reveal/hide", id="form.reveal_secret"),
    ]

    def __init__(self, value: str = "", *, field_name: str, id: str | None = None) -> None:
        super().__init__(value, field_name=field_name, password=True, id=id)

    def action_toggle_reveal(self) -> None:
        self.password = not self.password
        self.notify("Client secret shown; ctrl+r hides it." if not self.password
                    else "Client secret hidden.", timeout=3)


class TokenView(Static, can_focus=True):
    """An issued token: read-only, always masked, copyable to the clipboard.

    Off the typing path: Tab and Enter pass it by, the arrow keys reach it. Copying takes
    ctrl+c, so no letter typed on the way to the next field ever copies a token.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "copy", "Copy", id="form.copy_token",
                tooltip="Copy the token to the clipboard"),
        Binding("down", "app.focus_next", "Next field", show=False, id="form.next_field"),
        Binding("up", "app.focus_previous", "Previous field", show=False,
                id="form.previous_field"),
    ]

    def __init__(self, value: str, *, field_name: str, what: str,
                 id: str | None = None) -> None:
        super().__init__(Content(mask(value, what)), id=id)
        self.field_name = field_name
        self.what = what
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def set_value(self, value: str) -> None:
        self._value = value
        self.update(Content(mask(value, self.what)))

    def action_copy(self) -> None:
        if not self._value:
            self.notify(f"There is no {self.what} to copy yet; authorize the account first.",
                        severity="warning")
            return
        self.app.copy_to_clipboard(self._value)
        self.notify(f"Copied the {self.what} to your clipboard. Treat it like a password.",
                    timeout=4)


class FieldNote(Static):
    """The hint under a control, followed by the field's issue (if any) in its colour.

    One widget for both keeps the form small: every extra widget costs on each
    keystroke, since Textual re-lays out the screen while an input scrolls.
    """

    def __init__(self, hint: str) -> None:
        super().__init__(Content(hint), classes="note")
        self.hint = hint
        self.issue: Issue | None = None
        self.full = ""  # the focused control's whole value, when it does not fit
        self._shown: tuple[Issue | None, int, str] | None = None

    def show(self, issues: list[Issue]) -> None:
        issue, extra = pick_issue(issues)
        self.issue = issue
        self._draw(extra)

    def show_full(self, value: str) -> None:
        """The whole of a value too long for its control ("" for none)."""
        self.full = value
        self._draw(self._shown[1] if self._shown else 0)

    def _draw(self, extra: int) -> None:
        shown = (self.issue, extra, self.full)
        if self._shown == shown:
            return  # typing re-validates on every key: repaint only what changed
        self._shown = shown
        parts: list[str | tuple[str, str]] = []
        if self.full:
            parts += [(terminal_safe(self.full), "$text"), "\n"]
        parts.append(self.hint)
        if self.issue is not None:
            colour = "$text-error" if self.issue.is_error else "$text-warning"
            parts += ["\n", (issue_markup(self.issue, extra), colour)]
        self.update(Content.assemble(*parts))

    @property
    def issue_text(self) -> str:
        return issue_markup(self.issue) if self.issue else ""


class ShowsWholeValue:
    """For a widget holding inputs: ``follow_value`` runs whenever the focus moves inside
    it or a value changes, to show (or stop showing) the whole of a value cut short."""

    def follow_value(self) -> None:
        raise NotImplementedError

    def on_descendant_focus(self) -> None:
        self.follow_value()

    def on_descendant_blur(self) -> None:
        self.follow_value()

    def on_input_changed(self) -> None:
        self.follow_value()

    def on_resize(self) -> None:  # laid out (or the terminal resized): measure again
        self.follow_value()


class Field(ShowsWholeValue, Widget):
    """Title (left, over two rows) | control, then hint and issue underneath."""

    def __init__(self, title: str, control: Widget, hint: str, *, field_name: str,
                 required: bool = False, id: str | None = None) -> None:
        super().__init__(classes="field", id=id)
        self.title = title
        self.control = control
        self.field_name = field_name
        self.required = required
        self.note = FieldNote(hint)

    def compose(self) -> ComposeResult:
        yield Static(self._title_text(), classes="field-title")
        yield self.control
        yield self.note

    def _title_text(self) -> Content:
        star = ("", "") if not self.required else (" *", "bold $error")
        return Content.assemble(self.title, star)

    def set_required(self, required: bool) -> None:
        """Mark the field required (a * after its title) or not, as other fields change."""
        if required != self.required:
            self.required = required
            if self.is_mounted:
                self.query_one(".field-title", Static).update(self._title_text())

    @property
    def issue_text(self) -> str:
        return self.note.issue_text

    def follow_value(self) -> None:
        """While its input has the focus, a value too long for it shows whole below it."""
        control = self.control
        long = (isinstance(control, FieldInput) and control.has_focus and not control.password
                and control.too_long)
        self.note.show_full(control.value if long and isinstance(control, Input) else "")

    def show_issues(self, issues: list[Issue]) -> None:
        self.note.show(issues)
        issue, _ = pick_issue(issues)
        self.set_class(issue is not None and issue.is_error, "-error")
        self.set_class(issue is not None and not issue.is_error, "-warning")
