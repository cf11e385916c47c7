"""A hand-edited label holding an OSC sequence and a bidi override, and an error text
holding a screen-clearing CSI, reach every screen shown as escapes, never raw."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.app.helpers import settle, wait_until
from tests.helpers import HOSTILE_LABEL, add_hand_edited, make_account, raw_controls, set_state
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.modals import ConfirmDelete
from tui.core.store.account_store import AccountStore


def screen_text(app: object) -> str:
    return app.export_screenshot()  # type: ignore[attr-defined]


async def test_a_hostile_label_shows_escaped_everywhere(app, store: AccountStore) -> None:
    account = add_hand_edited(store, make_account(HOSTILE_LABEL))
    set_state(store, account, access_token="at", refresh_token="rt", expires_at=1.0,
              last_error="invalid_grant\x1b[2J: \u202ebad")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "a2\\x1b]0;pwned\\x07\\u202e" in shown.replace("&#160;", " ")
        assert raw_controls(shown) == []  # the list and the details below it
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        await pilot.press(*"refresh a2")
        await pilot.pause(0.3)
        assert raw_controls(screen_text(app)) == []
        await pilot.press("escape")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDelete), "question")
        assert raw_controls(screen_text(app)) == []
        await pilot.press("n", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountFormScreen), "form")
        await settle(pilot)
        assert raw_controls(screen_text(app)) == []
        label = app.screen.query_one("#f-label")
        assert label.value == HOSTILE_LABEL  # kept as it is, drawn with stand-ins
        assert "".join(s.text for s in label.render_line(0)).startswith("a2␛]0;pwned␇�")
        assert "control character (\\x1b)" in app.screen.query_one(
            "#field-label").issue_text
        label.focus()
        await pilot.press("end", "x", "left", "left", "backspace")  # edits land in place
        assert label.value == "a2\x1b]0;pwned\u202ex"
        assert label.cursor_position == len(label.value) - 2  # before the \\u202e
