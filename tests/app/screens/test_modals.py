"""The dialogs: each shows its own keys in the footer, toasts never cover their buttons,
and their buttons all show at 50 columns."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Button
from textual.widgets._toast import Toast

from tests.app.helpers import footer_keys, settle, wait_until
from tui.app.screens.help import HelpScreen
from tui.app.screens.modals import ConfirmDelete, ConflictQuestion, PresetMenu, UnsavedChanges
from tui.app.widgets.rows import PRESETS


def dialogs() -> list[tuple[Any, set[str]]]:
    """Each dialog and the keys its footer must show (and nothing of the list's)."""
    return [
        (ConfirmDelete("shared-mailbox"), {"Delete", "Keep", "Cancel"}),
        (UnsavedChanges("shared-mailbox"), {"Save", "Discard", "Keep editing", "Cancel"}),
        (ConflictQuestion("shared-mailbox", ["tenant"]),
         {"Overwrite", "Reload", "Keep editing", "Cancel"}),
        (ConflictQuestion("shared-mailbox", [], deleted=True),
         {"Overwrite", "Keep editing", "Cancel"}),
        (PresetMenu(PRESETS, here="Token endpoint config", other="Auth endpoint config"),
         {"Cancel", "Both tables on/off"}),
    ]


async def test_help_shows_its_own_keys(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await pilot.pause()
        assert shown_keys(app) == {"Close help", "Troubleshoot"}


def shown_keys(app: Any) -> set[str]:
    return {what for _, what, _ in footer_keys(app)}


async def test_each_dialog_shows_its_own_keys(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert {"New", "Delete"} <= shown_keys(app)  # the list's keys, before
        for dialog, keys in dialogs():
            app.push_screen(dialog)
            await wait_until(pilot, lambda d=dialog: app.screen is d, "the dialog")
            await pilot.pause()
            assert shown_keys(app) == keys, type(dialog).__name__
            assert all(right <= 80 for _, _, right in footer_keys(app))
            await pilot.press("escape")
            await pilot.pause()
        assert {"New", "Delete"} <= shown_keys(app)


async def test_delete_dialog_n_keeps_and_y_deletes(app, seeded, store) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDelete), "the question")
        await pilot.press("n")  # "Keep", as the footer says (the list's n is New)
        await settle(pilot)
        assert "shared-mailbox" in [a.label for a, _ in store.load_all()]
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDelete), "the question")
        await pilot.press("y")
        await settle(pilot)
        assert "shared-mailbox" not in [a.label for a, _ in store.load_all()]


def button_regions(app: Any) -> list[Region]:
    return [button.region for button in app.screen.query(Button)]


async def show_toast(pilot: Any, app: Any) -> list[Region]:
    app.notify("The token endpoint refused the client secret: AADSTS7000215 invalid "
               "client secret provided. Use the secret's value, not its ID.",
               title="Sign-in failed", severity="error", timeout=10)
    await pilot.pause()
    await pilot.pause()
    return [toast.region for toast in app.screen.query(Toast) if toast.region.area]


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (60, 16)])
async def test_a_toast_never_covers_a_dialogs_buttons(app, seeded, size) -> None:
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDelete), "it")
        await pilot.pause()
        toasts = await show_toast(pilot, app)
        buttons = button_regions(app)
        assert len(buttons) == 2 and all(b.area for b in buttons)
        for toast in toasts:
            assert not any(toast.overlaps(b) for b in buttons), (toast, buttons)
        if size != (60, 16):
            assert toasts  # there is room for it below the box: it shows
        await pilot.press("n")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query(Toast)  # on the list it shows, until it expires


async def test_a_narrow_unsaved_dialog_shows_all_three_buttons(app, seeded) -> None:
    async with app.run_test(size=(50, 24)) as pilot:
        await settle(pilot)
        app.push_screen(UnsavedChanges("shared-mailbox"))
        await wait_until(pilot, lambda: isinstance(app.screen, UnsavedChanges), "it")
        await pilot.pause()
        buttons = button_regions(app)
        assert len(buttons) == 3
        screen = Region(0, 0, 50, 24)
        for region in buttons:
            assert region.area and screen.contains_region(region), region
        assert not any(a.overlaps(b) for i, a in enumerate(buttons) for b in buttons[i + 1:])
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels == ["Save (s)", "Discard (d)", "Cancel (c)"]
