"""Atomic writes, folder modes, locks and strict TOML reads."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from tui.core.errors import ParseError, StoreError
from tui.core.store import fileio


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_creates_private_folders_and_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.toml"
    old = os.umask(0)
    try:
        fileio.atomic_write(target, b"one")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"one"
    assert mode(target) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    fileio.atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.toml"]


def test_ensure_dir_leaves_an_existing_folder_alone(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    fileio.ensure_dir(folder)
    assert mode(folder) == 0o755


def test_failed_rename_keeps_the_old_file_and_no_temp(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "w" / "f"
    fileio.atomic_write(target, b"old")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(StoreError, match="No space left"):
        fileio.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["f"]


def test_create_exclusive_never_clobbers(tmp_path: Path) -> None:
    target = tmp_path / "k" / "key"
    assert fileio.create_exclusive(target, b"first") is True
    assert fileio.create_exclusive(target, b"second") is False
    assert target.read_bytes() == b"first"
    assert mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["key"]


def test_lock_excludes_a_second_holder_even_in_one_process(tmp_path: Path) -> None:
    lock = tmp_path / "locks" / "x.lock"
    with fileio.locked(lock):
        assert mode(lock) == 0o600
        with pytest.raises(StoreError, match="Timed out"):
            fileio.locked(lock, timeout=0.05).acquire()
    with fileio.locked(lock, timeout=0.05) as held:
        assert held.held


async def test_async_lock_waits_without_blocking_the_loop(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    holder = fileio.locked(lock)
    holder.acquire()
    ticked = asyncio.Event()

    async def ticker() -> None:
        for _ in range(3):
            await asyncio.sleep(0.005)
        ticked.set()

    async def waiter() -> str:
        async with fileio.locked(lock):
            return "got it"

    wait_task = asyncio.create_task(waiter())
    tick_task = asyncio.create_task(ticker())
    await asyncio.wait_for(ticked.wait(), 2)  # the loop kept running while the lock waited
    assert not wait_task.done()
    holder.release()
    assert await asyncio.wait_for(wait_task, 2) == "got it"
    await tick_task


async def test_async_lock_timeout(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    with fileio.locked(lock), pytest.raises(StoreError, match="Timed out"):
        async with fileio.locked(lock, timeout=0.03):
            pass


def test_remove(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x")
    assert fileio.remove(f) is True
    assert fileio.remove(f) is False


def test_loads_toml_names_line_and_column() -> None:
    with pytest.raises(ParseError) as info:
        fileio.loads_toml(b'a = 1\nb = "x\n', "/x/accounts.toml")
    err = info.value
    assert err.line == 2 and err.column > 1
    assert f"/x/accounts.toml, line 2, column {err.column}: " in str(err)
    assert err.exit_code == 6


def test_loads_toml_end_of_document_and_bad_utf8() -> None:
    with pytest.raises(ParseError) as info:
        fileio.loads_toml(b"a = [1,\n", "f")
    assert info.value.line >= 1
    with pytest.raises(ParseError) as info:
        fileio.loads_toml(b'a = 1\nb = "\xff"\n', "f")
    assert (info.value.line, info.value.column) == (2, 6)
    assert "UTF-8" in str(info.value)
