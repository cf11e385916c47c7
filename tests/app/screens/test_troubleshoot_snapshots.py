"""SVG snapshots of the troubleshooting panel, browsing and opened from a failure.

Deterministic like tests/app/screens/test_snapshots.py: fixed clock, UTC, no cursor blink, no
animation, fixed trace/correlation ids. At 100 columns the table and the advice sit
side by side; at 80 they are stacked.
Update with `pytest tests/app --snapshot-update`, then look at every changed SVG.
"""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import SIZES, build, settle

from .test_troubleshoot import LEAKED, wrong_secret_error


@SIZES
def test_panel_browsing(snap_compare, home_config: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"secret", "down")
        await pilot.pause()

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)


@SIZES
def test_panel_from_failure(snap_compare, home_config: Path, size) -> None:
    error = wrong_secret_error(f" Sent: client_secret={LEAKED}")

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.open_troubleshooting(error, label="demo-wrong-secret")
        await pilot.pause()
        assert LEAKED not in pilot.app.export_screenshot()

    assert snap_compare(build(home_config), terminal_size=size,
                        run_before=run_before)
