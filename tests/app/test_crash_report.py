"""An unexpected error in the UI ends the app with a report that holds no secret: no local
variables (Textual's own report lists them, and the failing code usually holds the
client secret and the tokens), the message redacted, nothing a terminal would act on."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from tests.helpers import raw_controls
from tui.app import formatting
from tui.app.exo_app import ExoApp
from tui.app.screens.form import AccountFormScreen
from tui.core.model import Account

from .helpers import ACCESS, REFRESH, SECRET, settle

PIECES = (SECRET, SECRET[:12], ACCESS[:24], REFRESH[:24])


def crash_output(app: ExoApp) -> io.StringIO:
    out = io.StringIO()
    app.error_console = Console(file=out, width=160, color_system=None, force_terminal=False)
    return out


async def test_a_crash_while_showing_an_account_prints_no_secret(
        app: ExoApp, seeded: list[Account], monkeypatch: pytest.MonkeyPatch) -> None:
    """What a stored expiry of 1e30 did: the details panel's time formatting raised, with
    the account and its token state in the failing frames."""
    def out_of_range(epoch: float, now: float) -> str:
        raise OverflowError("timestamp out of range for platform time_t")

    monkeypatch.setattr(formatting, "local_time", out_of_range)
    out = crash_output(app)
    with pytest.raises(OverflowError):
        async with app.run_test() as pilot:
            await settle(pilot)
    report = out.getvalue()
    assert "OverflowError: timestamp out of range" in report
    assert "_show_details" in report  # where it happened is still there
    for piece in PIECES:
        assert piece not in report


async def test_a_crash_in_a_form_handler_prints_no_secret(
        app: ExoApp, seeded: list[Account], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_save(self: AccountFormScreen) -> None:
        account = self.form.to_model()
        secret = account.client_secret  # a local holding the secret, as real code does
        raise RuntimeError(f"cannot save {account.label}: refresh_token=0.AAAB{len(secret)}\x1b[2J")

    monkeypatch.setattr(AccountFormScreen, "action_save", broken_save)
    out = crash_output(app)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("enter")  # open the first account in the form
            await settle(pilot)
            assert isinstance(app.screen, AccountFormScreen)
            shown = app.export_screenshot()
            for piece in PIECES:
                assert piece not in shown
            await pilot.press("ctrl+s")
            await settle(pilot)
    report = out.getvalue()
    assert "RuntimeError: cannot save shared-mailbox: refresh_token=[redacted]" in report
    assert raw_controls(report) == []
    for piece in PIECES:
        assert piece not in report

