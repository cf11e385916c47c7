"""Run the benchmarks and print the table: `python -m tests.perf [--quick] [--only token,proxy]`."""

from __future__ import annotations

import argparse
import platform
import sys

from .bench import Curve, Figure, run


def fmt(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value * 1000:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.1f} {unit}"


def table(figures: list[Figure]) -> str:
    head = ("figure", "budget", "median", "min", "max", "ratio", "result")
    rows = [head]
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        result = {True: "pass", False: "FAIL", None: "-"}[f.passed]
        rows.append((f.name, f.budget, fmt(f.median, f.unit), fmt(min(f.samples), f.unit),
                     fmt(max(f.samples), f.unit), ratio, result))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def curve_table(found: list[Curve]) -> str:
    lines = []
    for c in found:
        cells = [f"{n:,}: {m * 1000:.1f} ms ({r:.2f}x)"
                 for n, m, r in zip(c.sizes, c.medians, c.ratios, strict=True)]
        lines.append(f"| {c.name} | " + " | ".join(cells) + " |")
    head = "| growth (median, ratio to the smallest size) | " + " | ".join(
        f"size {i + 1}" for i in range(max(len(c.sizes) for c in found))) + " |"
    sep = "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"
    return "\n".join([head, sep, *lines])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="reduced sizes and runs (well under a minute); numbers are "
                             "not judged")
    parser.add_argument("--only",
                        help="comma-separated: token,list,tui,store,refresh,proxy,curves")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    figures, found = run(args.quick, only, out=lambda m: print(m, file=sys.stderr))
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}" + (" (quick mode)" if args.quick else ""))
    print(table(figures))
    if found:
        print()
        print(curve_table(found))
    failed = [f for f in figures if f.passed is False]
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    raise SystemExit(main())
