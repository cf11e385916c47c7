"""Helpers for the store tests."""

from __future__ import annotations

from pathlib import Path


def all_files(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]
