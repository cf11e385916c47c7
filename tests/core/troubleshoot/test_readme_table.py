"""The README's Troubleshooting table is exactly what the generator makes from catalog.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.core.troubleshoot import catalog, readme_table

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"


def test_readme_table_is_up_to_date() -> None:
    block = readme_table.readme_block(README.read_text(encoding="utf-8"))
    assert block is not None, "README.md lacks the <!-- catalog:start/end --> markers"
    assert block == readme_table.markdown(), (
        "README.md's Troubleshooting table is out of date: run "
        "`python -m tui.core.troubleshoot.readme_table --update-readme`")


def test_table_has_one_row_per_entry_under_a_troubleshooting_heading() -> None:
    text = README.read_text(encoding="utf-8")
    assert "\n## Troubleshooting\n" in text
    assert text.index("## Troubleshooting") < text.index(readme_table.START)
    rows = [line for line in readme_table.markdown().splitlines()
            if line.startswith("| ") and not line.startswith("| Code")]
    assert len(rows) == len(catalog.load())
    assert all(line.count(" | ") == 2 for line in rows), "a cell holds an unescaped pipe"


def test_generator_detects_a_stale_table(tmp_path: Path) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n\n{readme_table.START}\n| old | row | here |\n{readme_table.END}\n")
    check = [sys.executable, "-m", "tui.core.troubleshoot.readme_table", "--check", str(stale)]
    assert subprocess.run(check, cwd=ROOT, capture_output=True).returncode == 1
    update = [sys.executable, "-m", "tui.core.troubleshoot.readme_table", "--update-readme",
              str(stale)]
    assert subprocess.run(update, cwd=ROOT, capture_output=True).returncode == 0
    assert subprocess.run(check, cwd=ROOT, capture_output=True).returncode == 0
    assert stale.read_text().startswith("# x\n\n")


def test_placeholders_are_escaped_outside_code() -> None:
    md = readme_table.markdown()
    assert "&lt;tenant-id>" in md  # a bare <tenant-id> would vanish as an HTML tag
    assert "<tenant-id>`" in md or "`<tenant-id>`" in md  # inside code it stays literal
