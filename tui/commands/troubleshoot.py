"""`exo-oauth troubleshoot`: explain an error message, a redirect URL, a JSON body or a code.

Exit status: 0 when the input was explained or when nothing matched (the output
says so); 2 for a usage error (no text and nothing on stdin).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tui.core.errors import UsageError

if TYPE_CHECKING:
    from .common import Subparsers

WIDTH = 88


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "troubleshoot", help="explain an error message, AADSTS code or redirect URL",
        description="Explain a failure: paste the error text, a whole JSON error body, the "
        "URL the browser ended on, a log line, or just a code (AADSTS7000215, 7000215, "
        "invalid_grant, 429). Use '-' (or pipe text in) to read standard input. "
        "Secrets in the input are never shown back.")
    p.add_argument("text", nargs="*", metavar="TEXT",
                   help="the text to explain; several words are joined with spaces")
    p.add_argument("--json", action="store_true",
                   help='print {"matches": [...], "parsed": {...}}')
    p.add_argument("--list", action="store_true", help="print the whole catalog")
    p.add_argument("--all", action="store_true",
                   help="show every match in full, not only the best one")
    p.set_defaults(func=run)


def _read_input(args: argparse.Namespace) -> str:
    words: list[str] = args.text
    if words == ["-"] or (not words and not sys.stdin.isatty()):
        return sys.stdin.read()
    if not words:
        raise UsageError("Give the error text to explain (or '-' to read it from standard "
                         "input), or use --list to see every known problem.")
    return " ".join(words)


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    from tui.core.troubleshoot.catalog import wrap

    return wrap(text, WIDTH, indent if first is None else first, indent)


def _entry_lines(entry: Any, link: str | None, via: str | None = None) -> list[str]:
    head = f"{entry.title}  [{entry.id}]"
    lines = [head]
    if via:
        lines.append(f"  matched on: {via}")
    lines += _wrap(entry.reason, "  ")
    lines.append("  What to do:")
    for n, step in enumerate(entry.resolution, 1):
        lines += _wrap(step, "       ", f"    {n}. ")
    if link:
        lines.append(f"  More: {link}")
    return lines


def _list(as_json: bool) -> int:
    from tui.core.troubleshoot import catalog

    entries = catalog.load()
    if as_json:
        print(json.dumps({"entries": [e.to_json() for e in entries]}, indent=2))
        return 0
    for group in catalog.groups():
        members = [e for e in entries if e.group == group.id]
        print(f"== {group.title} ==")
        for e in members:
            key = ", ".join([f"AADSTS{c}" for c in e.codes] + list(e.errors)
                            + [f"HTTP {s}" for s in e.statuses])
            print(f"  {e.id:30} {e.title}" + (f"  ({key})" if key else ""))
        print()
    print(f"{len(entries)} entries. `exo-oauth troubleshoot ID` shows one in full.")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args.json)
    from tui.core.troubleshoot import catalog
    from tui.core.troubleshoot.redact import redact

    text = _read_input(args)
    parsed = catalog.parse(text)
    found = catalog.match(text)
    shown_parsed = parsed.to_json()
    if shown_parsed["description"]:
        shown_parsed["description"] = redact(shown_parsed["description"])
    if args.json:
        print(json.dumps({"matches": [m.to_json() for m in found], "parsed": shown_parsed},
                         indent=2))
        return 0
    facts = [f"AADSTS{c}" for c in parsed.codes] + list(parsed.errors) + [
        f"HTTP {s}" for s in parsed.statuses] + list(parsed.rules)
    if facts:
        print("Found: " + ", ".join(facts))
    for label, value in (("Trace ID", parsed.trace_id), ("Correlation ID",
                         parsed.correlation_id), ("Timestamp", parsed.timestamp)):
        if value:
            print(f"{label}: {value}")
    if shown_parsed["description"] and shown_parsed["description"].strip() != text.strip():
        first = shown_parsed["description"].strip().splitlines()[0]
        print("Message: " + first)
    if facts or parsed.trace_id:
        print()
    if not found:
        print("No catalog entry matches this text. Run `exo-oauth troubleshoot --list` to see "
              "every known problem, or paste the complete error message.")
        return 0
    best, rest = found[0], found[1:]
    print("\n".join(_entry_lines(best.entry, best.link, best.via)))
    if rest and args.all:
        for m in rest:
            print()
            print("\n".join(_entry_lines(m.entry, m.link, m.via)))
    elif rest:
        print()
        print("Also related:")
        for m in rest:
            print(f"  {m.entry.id:30} {m.entry.title}")
        print("(`exo-oauth troubleshoot ID` shows one in full; --all shows them all.)")
    return 0
