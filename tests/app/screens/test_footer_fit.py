"""At 80x24 every key the form's footer shows is on screen in full, wherever the focus is."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.app.helpers import cut_off_keys, footer_keys, settle
from tui.app.exo_app import ExoApp
from tui.app.screens.form import AccountFormScreen


async def footers_across_the_form(app: ExoApp, pilot: object) -> dict[tuple[str, ...], list[str]]:
    """Focus each field of the open form in turn: {keys the footer shows: what is cut off}."""
    screen = app.screen
    assert isinstance(screen, AccountFormScreen)
    seen: dict[tuple[str, ...], list[str]] = {}
    for widget in list(screen.focus_chain):
        widget.focus()
        await pilot.pause()  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]  # the footer rebuilds a frame later
        shown = tuple(f"{key} {what}" for key, what, _ in footer_keys(app))
        seen.setdefault(shown, cut_off_keys(app))
    return seen


async def test_every_form_footer_key_fits_at_80_columns(app: ExoApp, seeded: object) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("home", "enter")  # an account with tokens: ^g Test applies
        assert table.cursor_row == 0
        await pilot.pause()
        seen = await footers_across_the_form(app, pilot)
    assert seen
    assert all(cut == [] for cut in seen.values()), seen
    every = {key for keys in seen for key in keys}
    # the keys each field brings are all there somewhere: none was dropped to make room
    assert {"^s Save", "esc Back", "^t Troubleshoot", "^g Test", "^r Reveal/hide", "c Copy",
            "^d Remove", "^n Add row", "^o Presets"} <= every
    widest = max(seen, key=len)
    assert "^g Test" in widest and "^d Remove" in widest  # the row editor: the busiest


async def test_new_account_form_footer_fits_at_80_columns(app: ExoApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        seen = await footers_across_the_form(app, pilot)
    assert all(cut == [] for cut in seen.values()), seen
    assert all("^g Test" not in keys for keys in seen)  # nothing to test before saving
