"""The troubleshooting panel by keyboard: filtering, detail, failures, copying, the form link."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.content import Content
from textual.widgets import Input, Static

from tests.app.helpers import panel, paste, settle
from tui.app.screens.accounts import AccountsScreen
from tui.app.screens.form import AccountFormScreen
from tui.app.screens.help import HelpScreen
from tui.app.screens.troubleshoot import CatalogTable, FilterInput, TroubleshootScreen
from tui.core.errors import NeedsAuthorization
from tui.core.oauth.http import oauth_error_from_fields
from tui.core.troubleshoot import catalog

TRACE = "0d9c1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
CORRELATION = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
STAMP = "2026-09-21 14:13:20Z"
LEAKED = "FAKEleakedSecretValue0123456789"


def wrong_secret_error(extra: str = "") -> Any:
    """The OAuthError a refresh with a wrong client secret raises (Microsoft's JSON shape)."""
    description = (
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
        f"request is the client secret value, not the client secret ID.{extra}\r\n"
        f"Trace ID: {TRACE}\r\nCorrelation ID: {CORRELATION}\r\nTimestamp: {STAMP}")
    body = {"error": "invalid_client", "error_description": description,
            "error_codes": [7000215], "timestamp": STAMP, "trace_id": TRACE,
            "correlation_id": CORRELATION,
            "error_uri": "https://login.microsoftonline.com/error?code=7000215"}
    return oauth_error_from_fields(body, what="Refreshing the token of 'ops'", status=401)


def plain(widget: Static) -> str:
    """The text a Static shows, whatever it was given (Content or a Rich renderable)."""
    content = widget.content
    if isinstance(content, Content):
        return content.plain
    if isinstance(content, str):
        return content
    console = Console(width=1000, file=io.StringIO(), record=True)  # no wrapping
    console.print(content)
    return console.export_text()


def row_ids(app: Any) -> list[str]:
    return [r.entry.id for r in panel(app).rows]


async def open_panel(pilot: Any) -> TroubleshootScreen:
    await settle(pilot)
    await pilot.press("t")
    await pilot.pause()
    return panel(pilot.app)


async def type_filter(pilot: Any, text: str) -> None:
    """Clear the filter and type ``text`` key by key."""
    await pilot.press("ctrl+u", *text)
    await pilot.pause()


async def paste_filter(pilot: Any, text: str) -> None:
    """Clear the filter and paste ``text`` (what people do with error messages)."""
    await pilot.press("ctrl+u")
    await paste(pilot, text)


async def test_whole_catalog_then_filter_by_code(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_panel(pilot)
        total = len(catalog.load())
        assert screen.query_one(CatalogTable).row_count == total
        assert plain(screen.query_one("#ts-count", Static)) == f"{total} entries"
        assert isinstance(app.focused, FilterInput)
        assert "-wide" in screen.classes  # table and advice side by side from 100 columns
        assert not screen.query_one("#ts-failure").display  # nothing failed
        await type_filter(pilot, "7000215")
        assert row_ids(app) == ["aadsts.7000215"]
        assert screen.highlighted_id() == "aadsts.7000215"
        assert plain(screen.query_one("#ts-count", Static)) == f"1 of {total}"
        await paste_filter(pilot, "AADSTS50011")
        assert row_ids(app)[0] == "aadsts.50011"
        await paste_filter(pilot, "aadsts700025")  # any case; a second code of an entry
        assert row_ids(app)[0] == "aadsts.700025"
        await paste_filter(pilot, "90023")
        assert row_ids(app)[0] == "aadsts.700025"
        await paste_filter(pilot, "AADSTS999999")  # unknown: the fallback, with its own link
        assert row_ids(app) == ["aadsts.unknown"]
        assert screen.highlighted().link.endswith("code=999999")
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert screen.query_one(CatalogTable).row_count == total


async def test_filter_by_words_and_pasted_errors(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_panel(pilot)
        await type_filter(pilot, "redirect uri")
        ids = row_ids(app)
        assert "aadsts.50011" in ids and len(ids) < 20
        for row in screen.rows:  # every hit has both words somewhere in it
            text = " ".join([row.entry.title, row.entry.reason, *row.entry.resolution]).lower()
            assert "redirect" in text and "uri" in text
        await paste_filter(pilot, "Secret EXPIRED")
        assert row_ids(app)[0] == "aadsts.7000222"
        await paste_filter(pilot, "invalid_grant")
        assert row_ids(app)[0] == "oauth.invalid_grant"
        await paste_filter(pilot, "error=invalid_client&error_description=AADSTS7000215%3a+bad")
        assert row_ids(app)[0] == "aadsts.7000215"
        await paste_filter(pilot, "zzqx nothing like this")
        assert row_ids(app) == []
        assert "Nothing in the catalog matches" in plain(screen.query_one("#ts-detail-text"))
        await type_filter(pilot, "a/b")  # / is a character while typing, not the filter key
        assert screen.query_one(FilterInput).value == "a/b"


async def test_detail_pane_and_keyboard_moves(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_panel(pilot)
        await paste_filter(pilot, "AADSTS7000215")
        entry = catalog.get("aadsts.7000215")
        assert entry is not None
        detail = plain(screen.query_one("#ts-detail-text", Static))
        assert entry.title in detail
        assert "secret's ID was copied" in detail  # the reason
        assert "What to do" in detail
        for n in range(1, len(entry.resolution) + 1):
            assert f"{n}. " in detail
        assert "exo-oauth edit LABEL --client-secret-stdin" in detail  # no backticks
        assert "`" not in detail
        assert "https://login.microsoftonline.com/error?code=7000215" in detail
        await pilot.press("ctrl+u")
        await pilot.pause()
        at = row_ids(app).index("aadsts.7000215")  # clearing the filter keeps the entry
        assert screen.highlighted_id() == "aadsts.7000215"
        await pilot.press("down", "down")  # from the filter, without leaving it
        assert isinstance(app.focused, FilterInput)
        assert screen.highlighted_id() == row_ids(app)[at + 2]
        await pilot.press("tab")
        assert isinstance(app.focused, CatalogTable)
        await pilot.press("up", "enter")
        assert screen.highlighted_id() == row_ids(app)[at + 1]
        assert app.focused.id == "ts-detail"
        await pilot.press("slash")
        assert isinstance(app.focused, FilterInput)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountsScreen)


async def test_from_oauth_error_preselects_and_redacts(app, clock) -> None:
    copied: list[str] = []
    error = wrong_secret_error(f" Sent: client_id=abc&client_secret={LEAKED}&scope=x")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.copy_to_clipboard = copied.append
        app.open_troubleshooting(error, label="ops-mailbox")
        await pilot.pause()
        screen = panel(app)
        assert screen.highlighted_id() == "aadsts.7000215"
        assert screen.rows[screen.query_one(CatalogTable).cursor_row].entry.id == \
            "aadsts.7000215"
        assert screen.query_one(CatalogTable).row_count == len(catalog.load())
        box = screen.query_one("#ts-failure")
        assert box.display
        raw = plain(screen.query_one("#ts-raw", Static))
        assert "AADSTS7000215" in raw and "HTTP 401" in raw
        assert "client_secret=[redacted]" in raw
        ids = plain(screen.query_one("#ts-ids", Static))
        assert TRACE in ids and CORRELATION in ids and STAMP in ids
        detail = plain(screen.query_one("#ts-detail-text", Static))
        assert "Best match for this failure" in detail
        assert "exo-oauth edit ops-mailbox --client-secret-stdin" in detail  # label filled in
        assert LEAKED not in app.export_screenshot()

        await pilot.press("f3", "f4", "f5", "f2", "f6")
        assert copied[:4] == [TRACE, CORRELATION, STAMP,
                              "https://login.microsoftonline.com/error?code=7000215"]
        ticket = copied[4]
        assert all(x in ticket for x in (TRACE, CORRELATION, STAMP, "AADSTS7000215"))
        assert LEAKED not in ticket and "[redacted]" in ticket
        said = [n.message for n in app._notifications]
        assert any("trace ID" in m and TRACE in m for m in said)
        assert any("correlation ID" in m for m in said)
        assert any("timestamp" in m for m in said)
        assert any("support details" in m for m in said)


async def test_copy_keys_apply_only_with_something_to_copy(app) -> None:
    copied: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_panel(pilot)
        app.copy_to_clipboard = copied.append
        shown = {b.binding.id for b in screen.active_bindings.values() if b.binding.show}
        assert "troubleshoot.copy_link" in shown
        assert not shown & {"troubleshoot.copy_trace", "troubleshoot.copy_correlation",
                            "troubleshoot.copy_timestamp", "troubleshoot.copy_ticket"}
        await pilot.press("f3", "f6")  # nothing failed: nothing to copy, nothing happens
        assert copied == []
        await paste_filter(pilot, "signin.cancelled")  # an entry without a Microsoft page
        assert screen.highlighted_id() == "signin.cancelled"
        assert screen.check_action("copy", ("link",)) is False
        app.open_troubleshooting(wrong_secret_error())  # reuses the open panel
        await pilot.pause()
        assert app.screen is screen and len(app.screen_stack) == 2
        assert screen.query_one(FilterInput).value == ""
        shown = {b.binding.id for b in screen.active_bindings.values() if b.binding.show}
        assert {"troubleshoot.copy_trace", "troubleshoot.copy_ticket"} <= shown


async def test_real_wrong_secret_from_the_fake_idp(app) -> None:
    """The OAuthError the service really raises against tui.fakeidp, not a hand-made one."""
    from tui.core.model import Account
    from tui.core.oauth.service import OAuthService
    from tui.fakeidp import DEMO_CLIENT_ID, FakeIdP

    async with FakeIdP() as idp:
        account = Account(label="demo-wrong-secret", client_id=DEMO_CLIENT_ID,
                          client_secret="FAKE-wrong", authorize_url=idp.authorize_url(),
                          token_url=idp.token_url())
        async with OAuthService() as service:
            try:
                await service.refresh(account, "FAKE-refresh-token")
            except Exception as exc:  # any failure is what the panel takes
                failure = exc
            else:  # pragma: no cover
                raise AssertionError("a wrong secret was accepted")
    wrapped = NeedsAuthorization("Refreshing 'demo-wrong-secret' failed.")
    wrapped.__cause__ = failure
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_troubleshooting(wrapped)
        await pilot.pause()
        screen = panel(app)
        assert screen.highlighted_id() == "aadsts.7000215"
        assert screen.failure is not None and screen.failure.trace_id
        assert screen.failure.trace_id in plain(screen.query_one("#ts-ids", Static))
        assert "Refreshing 'demo-wrong-secret' failed." in plain(screen.query_one("#ts-raw"))


async def test_text_and_exceptions_as_sources(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_troubleshooting(ConnectionRefusedError(111, "Connection refused"))
        await pilot.pause()
        screen = panel(app)
        assert screen.highlighted_id() == "network.refused"
        assert "ConnectionRefusedError" in plain(screen.query_one("#ts-raw"))
        assert not screen.query_one("#ts-ids").display  # no support ids in this one
        app.open_troubleshooting("invalid_grant AADSTS70008")
        await pilot.pause()
        assert screen.highlighted_id() == "aadsts.70008"
        app.open_troubleshooting("something nobody has ever seen")
        await pilot.pause()
        assert screen.query_one("#ts-failure").display
        assert screen.highlighted_id() == row_ids(app)[0]  # no match: the list's top


async def test_t_anywhere_but_never_twice(app, seeded) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the form of the first account
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)
        await pilot.press("t")  # typing in a field: just a letter
        assert app.screen.query_one("#f-label", Input).value == "shared-mailboxt"
        await pilot.press("backspace")
        app.screen.query_one("#f-client_type").focus()
        await pilot.press("t")  # not typing: the app-level key, via the form's own action
        await pilot.pause()
        screen = panel(app)
        assert "-narrow" in screen.classes
        await pilot.press("tab")  # the table has the focus: t must not open another panel
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen and len(app.screen_stack) == 3
        await pilot.press("escape")
        assert isinstance(app.screen, AccountFormScreen)


async def test_help_lists_the_panel_keys(app) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await open_panel(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {what for _, rows in app.screen.sections for _, what in rows}
        assert {"Close", "Copy link", "Copy trace ID", "Copy all", "Next entry"} <= keys


async def test_form_issue_opens_its_entry(app) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"ops", "tab", *"not-a-guid")
        assert app.focused.id == "f-client_id"
        await pilot.press("ctrl+t")  # the focused field's issue: a warning here
        await pilot.pause()
        screen = panel(app)
        assert screen.highlighted_id() == "config.client_id_not_guid"
        heading = plain(screen.query_one("#ts-failure-title", Static))
        assert heading.startswith("Problem in the account form")
        raw = plain(screen.query_one("#ts-raw", Static))
        assert raw.startswith("Warning in Client ID:")
        assert not screen.check_action("copy", ("ticket",))  # no ids for a form problem
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AccountFormScreen)
        assert app.screen.query_one("#f-client_id", Input).value == "not-a-guid"
        app.screen.query_one("#f-label").focus()  # no issue here: the first error wins
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert panel(app).highlighted_id() in ("config.secret_missing", "config.required")
        assert plain(panel(app).query_one("#ts-raw")).startswith("Error in ")
