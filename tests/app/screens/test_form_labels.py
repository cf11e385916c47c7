"""Labels in the form, judged as `exo-oauth validate` judges them: over 64 characters or
with a control character refused with the reason, not a plain word a warning."""

from __future__ import annotations

from textual.widgets import Input

from tests.app.helpers import messages, paste, settle
from tests.app.screens.test_form import CLIENT_ID, NEW_SECRET, issue_of, said
from tui.core.store.account_store import AccountStore


async def new_form_with_label(pilot, label: str) -> None:
    await settle(pilot)
    await pilot.press("n")
    await pilot.pause()
    screen = pilot.app.screen
    screen.query_one("#f-client_id", Input).value = CLIENT_ID
    screen.query_one("#f-client_secret", Input).value = NEW_SECRET
    await paste(pilot, label, into=screen.query_one("#f-label", Input))
    await pilot.press("tab")  # leaving the field shows its issue
    await pilot.pause()


async def test_a_long_label_is_refused_with_the_reason(app, store: AccountStore) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await new_form_with_label(pilot, "x" * 65)
        field = issue_of(app, "label")
        assert field.has_class("-error")
        assert "65 characters long; keep it to 64 or fewer" in field.issue_text
        await pilot.press("ctrl+s")
        assert await said(pilot, lambda m: m.startswith("Not saved:") and "64" in m)
        assert app.focused.id == "f-label"  # back where the problem is
    assert store.labels() == []


async def test_a_control_character_is_refused(app, store: AccountStore) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await new_form_with_label(pilot, "box\x1b[2J")
        field = issue_of(app, "label")
        assert field.has_class("-error") and "control character (\\x1b)" in field.issue_text
        await pilot.press("ctrl+s")
        assert await said(pilot, lambda m: m.startswith("Not saved:"))
    assert store.labels() == []


async def test_a_label_scripts_must_quote_is_a_warning(app, store: AccountStore) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await new_form_with_label(pilot, "shared box")
        field = issue_of(app, "label")
        assert field.has_class("-warning") and not field.has_class("-error")
        assert "exo-oauth token 'shared box'" in field.issue_text
        await pilot.press("ctrl+s")
        assert await said(pilot, lambda m: m.startswith("Saved:"))
        assert not [m for m in messages(app) if m.startswith("Not saved")]
    assert store.labels() == ["shared box"]
