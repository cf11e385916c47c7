"""No import cycles between the modules of ``tui``.

The graph is grimp's (the one import-linter checks the layer contracts on): it counts
imports inside functions and under ``TYPE_CHECKING`` too, because a cycle held apart
by a local import is still two modules that cannot be read, tested or moved one
without the other.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import grimp
import pytest


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import each other, directly or around a loop
    (the strongly connected components of more than one module), sorted."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        # Tarjan's algorithm, iterative: (module, position in its list of imports)
        work = [(root, 0)]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, at = work.pop()
            targets = edges.get(module, [])
            if at < len(targets):
                work.append((module, at + 1))
                target = targets[at]
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, 0))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """The imports that tie a cycle together, with their line numbers."""
    lines = [f"import cycle between {', '.join(cycle)}:"]
    for importer in cycle:
        for imported in cycle:
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer} -> {imported} (line {detail['line_number']}: "
                             f"{detail['line_contents'].strip()})")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def tui_graph() -> grimp.ImportGraph:
    return grimp.build_graph("tui", cache_dir=None)


def test_no_import_cycles_in_tui(tui_graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(tui_graph)
    assert not cycles, "\n".join(describe(tui_graph, c) for c in cycles)


def test_a_cycle_through_a_function_level_import_is_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a cycle closed only inside a function and one closed only
    for the type checker are both reported, and a plain chain is not."""
    package = tmp_path / "cyclic_sample"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text(textwrap.dedent("""\
        def later():
            from . import a
            return a
        """))
    (package / "c.py").write_text(textwrap.dedent("""\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from . import d
        """))
    (package / "d.py").write_text("from . import c\n")
    (package / "e.py").write_text("from . import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "cyclic_sample", raising=False)
    graph = grimp.build_graph("cyclic_sample", cache_dir=None)
    cycles = import_cycles(graph)
    assert cycles == [["cyclic_sample.a", "cyclic_sample.b"],
                      ["cyclic_sample.c", "cyclic_sample.d"]]
    text = describe(graph, cycles[0])
    assert "cyclic_sample.b -> cyclic_sample.a (line 2: from . import a)" in text
