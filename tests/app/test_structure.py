"""House rules of the UI package that are easy to break without noticing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding

import tui.app

APP_DIR = Path(tui.app.__file__).parent


def app_modules() -> list[object]:
    names = [m.name for m in pkgutil.walk_packages([str(APP_DIR)], "tui.app.")]
    return [importlib.import_module(n) for n in names]


def test_every_binding_has_an_id_and_a_description() -> None:
    checked = 0
    for module in app_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for binding in cls.__dict__.get("BINDINGS", []):
                assert isinstance(binding, Binding), (cls, binding)
                assert binding.id, f"{cls.__name__}: {binding.key} has no id"
                assert binding.description, f"{cls.__name__}: {binding.key} has no description"
                checked += 1
    assert checked > 25


def test_styles_live_in_tcss_files() -> None:
    """Every .tcss file is named by the app or by the screen that shows it, and exists."""
    from textual.screen import Screen

    from tui.app.exo_app import CSS_FILES

    named = {(APP_DIR / name).resolve() for name in CSS_FILES}
    for module in app_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            own = cls.__dict__.get("CSS_PATH")
            if cls.__module__ != module.__name__ or not issubclass(cls, Screen) or not own:
                continue
            here = Path(inspect.getfile(cls)).parent
            named |= {(here / name).resolve() for name in ([own] if isinstance(own, str)
                                                            else own)}
    assert all(path.is_file() for path in named), named
    assert named == {path.resolve() for path in APP_DIR.rglob("*.tcss")}
    for path in APP_DIR.rglob("*.py"):
        text = path.read_text()
        assert "DEFAULT_CSS" not in text and "\n    CSS = " not in text, path


def test_importing_the_package_does_not_import_textual() -> None:
    """`exo-oauth --help` and the token fast path must not pay for Textual."""
    import subprocess
    import sys

    code = "import sys, tui.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=APP_DIR.parent.parent)
    assert out.stdout.strip() == "False"
