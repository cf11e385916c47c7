"""`python -m tui.app.screenshots`: every shot is a valid SVG showing its screen, no secret.

Runs the real command in a subprocess (it sets up its own home folder and clock), all
shots, the two sign-in ones included (their network side is a stand-in service).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tui.app import screenshots
from tui.core.troubleshoot.redact import redact

ROOT = Path(__file__).resolve().parents[2]
SVG_NS = "{http://www.w3.org/2000/svg}"
EXPECTED = {
    "accounts": ["shared-mailbox", "ops-alerts", "Valid, expires in 52 min",
                 "Needs sign-in", "~/.config/exo-oauth/accounts.toml"],
    "account-form": ["Account 'shared-mailbox'", "Client secret", "••••••••••",
                     "(1,413 characters)", "15:05:20 local time (in 52 min)"],
    "row-editor": ["Token endpoint config", "login_hint", "helpdesk@contoso.com",
                   "IMAP.AccessAsUser.All"],
    # 30 rows: the failure is folded, its ids cut to their start (f3/f4/f5 copy them)
    "troubleshoot": ["opened from a failure", "Wrong client secret", "AADSTS7000215",
                     f"f3 trace {screenshots.TRACE[:8]}",
                     f"f4 correlation {screenshots.CORRELATION[:8]}",
                     "f5 time 2026-09-21 14:13:20Z", "Best match for this failure"],
    "troubleshoot-browse": ["every problem exo-oauth knows", "redirect", "AADSTS50011"],
    "help": ["Help: Accounts", "Troubleshoot"],
    "authorize-device": ["Sign in: reports-robot", "https://microsoft.com/devicelogin",
                         " ".join(screenshots.USER_CODE), "The code expires in 15:00."],
    "authorize-loopback": ["Sign in: shared-mailbox", f"admin@{screenshots.HOST}",
                           "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2",
                           "Waiting for the browser"],  # port 8400, or a free one if busy
}


def visible_text(svg: str) -> str:
    """The terminal text of a Textual SVG screenshot, one line per row."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    rows: dict[str, list[str]] = {}
    for node in root.iter(f"{SVG_NS}text"):
        rows.setdefault(node.get("y", ""), []).append(node.text or "")
    return "\n".join("".join(parts) for parts in rows.values()).replace("\xa0", " ")


def test_command_writes_every_screen_without_secrets(tmp_path: Path) -> None:
    names = list(screenshots.SHOTS)
    assert set(names) == set(EXPECTED)
    args = [sys.executable, "-m", "tui.app.screenshots", "--out", str(tmp_path / "shots")]
    for name in names:
        args += ["--only", name]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in names:
        svg = (tmp_path / "shots" / f"{name}.svg").read_text(encoding="utf-8")
        text = visible_text(svg)
        for expected in EXPECTED[name]:
            assert expected in text, (name, expected)
        for secret in screenshots.SECRETS:
            assert secret not in svg, name
        assert "FAKE" not in text and "eyJ" not in text, name
        assert redact(text) == text, (name, "something secret-looking is visible")
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == sorted(
        f"{n}.svg" for n in names)


def test_list_names_every_shot() -> None:
    out = subprocess.run([sys.executable, "-m", "tui.app.screenshots", "--list"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for name in ("accounts", "account-form", "row-editor", "authorize-device",
                 "authorize-loopback", "troubleshoot", "help"):
        assert f"\n{name} " in f"\n{out}"


def test_a_leaking_picture_is_refused() -> None:
    assert screenshots.leaks(f"<svg>{screenshots.SECRET}</svg>") == [screenshots.SECRET]
    assert screenshots.leaks("<svg>••••••••</svg>") == []


def test_readme_shows_the_committed_screenshots() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Screenshots\n", 1)[1].split("\n## ", 1)[0]
    assert "python -m tui.app.screenshots" in section
    linked = re.findall(r"\]\(screenshots/([\w-]+)\.svg\)", section)
    assert linked and len(linked) == len(set(linked))
    for name in linked:
        assert name in screenshots.SHOTS, name
        svg = (ROOT / "screenshots" / f"{name}.svg").read_text(encoding="utf-8")
        assert visible_text(svg)  # a real screenshot, not a stub
    assert set(screenshots.SHOTS) == set(linked)
