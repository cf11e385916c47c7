"""The troubleshooting panel opened from a failure on a short terminal: the failure
folds to three lines, the advice gets the room and scrolls, and the error in full moves
to the end of the advice; a tall terminal shows the failure whole."""

from __future__ import annotations

from textual.widgets import Static

from tests.app.helpers import panel, settle
from tests.app.screens.test_troubleshoot import CORRELATION, LEAKED, TRACE, plain
from tests.app.screens.test_troubleshoot import wrong_secret_error as error_with
from tui.app.screens.troubleshoot import DetailPane


async def test_a_short_terminal_folds_the_failure(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_troubleshooting(error_with(f" Sent: client_secret={LEAKED}"), label="ops")
        await pilot.pause()
        screen = panel(app)
        box, detail = screen.query_one("#ts-failure"), screen.query_one(DetailPane)
        assert box.outer_size.height == 3  # heading, the error's first line, the ids
        assert detail.outer_size.height >= 12  # the advice gets what is left
        assert screen.query_one("#ts-raw").outer_size.height == 1
        ids = screen.query_one("#ts-ids-line", Static)
        assert ids.display and not screen.query_one("#ts-ids").display
        assert "f3 trace 0d9c1e2f…" in plain(ids) and "f5 time" in plain(ids)
        text = plain(screen.query_one("#ts-detail-text", Static))
        assert "What failed, in full" in text and TRACE in text and CORRELATION in text
        assert "client_secret=[redacted]" in text and LEAKED not in app.export_screenshot()
        detail.focus()
        await pilot.press("end")  # the advice scrolls to the error at its end
        await pilot.pause()
        assert detail.scroll_y > 0
        await pilot.press("f3")  # the ids are still one key away
        assert app.clipboard == TRACE


async def test_a_tall_terminal_shows_the_failure_whole(app) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_troubleshooting(error_with(), label="ops")
        await pilot.pause()
        screen = panel(app)
        assert screen.query_one("#ts-ids").display
        assert not screen.query_one("#ts-ids-line").display
        assert screen.query_one("#ts-raw").outer_size.height > 1
        assert "What failed, in full" not in plain(screen.query_one("#ts-detail-text",
                                                                    Static))
        await pilot.resize_terminal(120, 24)  # made shorter: folded, the error moves
        await pilot.pause()
        await pilot.pause()
        assert "What failed, in full" in plain(screen.query_one("#ts-detail-text", Static))
        assert screen.query_one("#ts-failure").outer_size.height == 3
