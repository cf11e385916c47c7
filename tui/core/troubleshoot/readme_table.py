"""The README's Troubleshooting table, generated from catalog.toml.

``python -m tui.core.troubleshoot.readme_table --markdown`` prints the block;
``python -m tui.core.troubleshoot.readme_table --update-readme [README]`` rewrites what
sits between the marker comments; ``--check [README]`` exits 1 when the README is out of date
(the test suite runs the same comparison).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import catalog

START = "<!-- catalog:start -->"
END = "<!-- catalog:end -->"
# tui/core/troubleshoot/readme_table.py -> the repository root
DEFAULT_README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "README.md")


def _cell(text: str) -> str:
    """Markdown-safe table cell: pipes escaped, '<' escaped outside `code` spans."""
    parts = text.replace("|", "\\|").split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "&lt;")
    return "`".join(parts)


def _key(entry: catalog.Entry) -> str:
    if entry.codes:
        return "<br>".join(f"AADSTS{c}" for c in entry.codes)
    if entry.errors:
        return "<br>".join(f"`{e}`" for e in entry.errors)
    if entry.statuses:
        return "<br>".join(f"HTTP {s}" for s in entry.statuses)
    if entry.rules:
        return "<br>".join(f"`{r}`" for r in entry.rules)
    return f"`{entry.id}`"


def _row(entry: catalog.Entry) -> str:
    meaning = f"**{_cell(entry.title)}**<br>{_cell(entry.reason)}"
    steps = "<br>".join(f"{n}. {_cell(s)}" for n, s in enumerate(entry.resolution, 1))
    if entry.link:
        label = "Microsoft's page" if "error?code=" in entry.link else "More"
        steps += f"<br>[{label}]({entry.link})"
    return f"| {_key(entry)} | {meaning} | {steps} |"


def markdown() -> str:
    """The whole generated block, markers included."""
    entries = catalog.load()
    lines = [START,
             "<!-- Generated from tui/core/troubleshoot/catalog.toml by `python -m "
             "tui.core.troubleshoot.readme_table --update-readme`; edit the TOML, not this "
             "table. -->",
             ""]
    for group in catalog.groups():
        members = [e for e in entries if e.group == group.id]
        if not members:
            continue
        lines += [f"### {group.title}", "", "| Code | What it means | What to do |",
                  "|---|---|---|"]
        lines += [_row(e) for e in members]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def readme_block(text: str) -> str | None:
    """The block between (and including) the markers, or None when they are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start:end + len(END)]


def update_readme(path: str) -> bool:
    """Rewrite the block in ``path``; True if the file changed."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    block = readme_block(text)
    if block is None:
        raise SystemExit(f"{path}: no {START} ... {END} markers; add them where the table goes")
    new = text.replace(block, markdown())
    if new == text:
        return False
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui.core.troubleshoot.readme_table",
                                     description="The troubleshooting catalog as Markdown.")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--markdown", action="store_true", help="print the README block")
    action.add_argument("--update-readme", nargs="?", const=DEFAULT_README, metavar="README",
                        help="rewrite the block between the markers (default: the repo README)")
    action.add_argument("--check", nargs="?", const=DEFAULT_README, metavar="README",
                        help="exit 1 if the README block is out of date")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown())
        return 0
    if args.update_readme:
        changed = update_readme(args.update_readme)
        print(f"{args.update_readme}: {'updated' if changed else 'already up to date'}")
        return 0
    with open(args.check, encoding="utf-8") as fh:
        current = readme_block(fh.read())
    if current != markdown():
        print(f"{args.check}: the Troubleshooting table is out of date; run "
              "`python -m tui.core.troubleshoot.readme_table --update-readme`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
