"""Keys in the form: letters typed anywhere but a text field do nothing at all; a public
client needs no secret; long values show their start, and whole where focused."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from tests.app.helpers import messages, settle
from tests.app.screens.test_form import open_account
from tui.app.screens.form import AccountFormScreen
from tui.app.widgets.account_form import AccountForm
from tui.app.widgets.fields import Field, FieldInput
from tui.app.widgets.rows import RowEditor

TYPED = "contoso.example"


async def test_letters_on_every_non_text_control_do_nothing(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, 0)  # signed in: the token views are there
        form = screen.query_one(AccountForm)
        before = form.to_model()
        stack = list(app.screen_stack)
        controls = [w for w in screen.focus_chain if not isinstance(w, Input)]
        kinds = {type(w).__name__ for w in controls}
        assert {"Select", "Checkbox", "Button", "TokenView"} <= kinds, kinds
        for control in controls:
            control.focus()
            await pilot.pause()
            app.clear_notifications()
            await pilot.press(*TYPED)
            await pilot.pause()
            where = control.id or type(control).__name__
            assert app.screen_stack == stack, where  # no panel, no dialog, no other screen
            assert app.focused is control, where
            assert form.to_model() == before, where
            assert app.clipboard == "", where  # no token was copied
            assert messages(app) == [], where
            if isinstance(control, Select):
                assert not control.expanded, where
        assert isinstance(app.screen, AccountFormScreen) and screen.sub_title == "saved"


async def test_a_public_client_needs_no_secret(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        secret = screen.query_one("#field-client_secret", Field)
        sent_as = screen.query_one("#field-client_auth", Field)
        title = secret.query_one(".field-title", Static)
        assert secret.required and str(title.render()).endswith("*") and sent_as.display
        screen.query_one("#f-client_type", Select).value = "public"
        await pilot.pause()
        assert not secret.required and not str(title.render()).endswith("*")
        assert not sent_as.display
        assert "f-client_auth" not in [w.id for w in screen.focus_chain]
        issues = screen.query_one(AccountForm).refresh_issues(show_all=True)
        assert not [i for i in issues if i.field == "client_secret"]
        screen.query_one("#f-client_type", Select).value = "confidential"
        await pilot.pause()
        assert secret.required and sent_as.display


LONG_SCOPE = "https://outlook.office.com/SMTP.Send offline_access"


async def test_a_value_that_fits_is_shown_once(app, seeded) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_account(pilot, 0)  # the label has the focus from the start
        await settle(pilot)
        assert app.focused.id == "f-label"
        note = screen.query_one("#field-label", Field).note
        assert note.full == "" and "shared-mailbox" not in str(note.render())
        await pilot.resize_terminal(40, 30)  # narrower than the URLs: now they are cut
        await pilot.pause()
        screen.query_one("#f-authorize_url", FieldInput).focus()
        await pilot.pause()
        url_note = screen.query_one("#field-authorize_url", Field).note
        assert url_note.full.startswith("https://login.microsoftonline.com/")


async def test_long_values_show_their_start_and_whole_where_focused(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        editor = screen.query_one(AccountForm).editor("token_params")
        row = editor.query(RowEditor).first()
        row.value_input.value = LONG_SCOPE
        await pilot.pause()
        assert row.value_input.too_long
        shown = "".join(s.text for s in row.value_input.render_line(0))
        assert shown.startswith("https://outlook.") and shown.rstrip().endswith("…")
        assert not row.full.display  # nothing under the row until it is focused
        row.value_input.focus()
        await pilot.pause()
        assert row.full.display and str(row.full.render()) == LONG_SCOPE
        await pilot.press("end")
        tail = "".join(s.text for s in row.value_input.render_line(0))
        assert "offline_access" in tail  # typing goes on at the end, which shows
        row.name_input.focus()  # the short name: no whole value needed
        await pilot.pause()
        assert not row.full.display
        shown = "".join(s.text for s in row.value_input.render_line(0))
        assert shown.startswith("https://outlook.")  # back at its start, left alone
        # a one-line field shows the whole of a long value in its note while focused
        url = screen.query_one("#f-authorize_url", FieldInput)
        url.value = "https://login.microsoftonline.com/" + "x" * 90 + "/oauth2/v2.0/authorize"
        url.focus()
        await pilot.pause()
        note = screen.query_one("#field-authorize_url", Field).note
        assert str(note.render()).startswith(url.value)
        screen.query_one("#f-label", Input).focus()
        await pilot.pause()
        assert url.value not in str(note.render())
