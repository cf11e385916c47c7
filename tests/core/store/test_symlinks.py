"""Files kept elsewhere behind symbolic links (dotfiles): every write goes through to the
link's target and the link stays a link."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

from tests.helpers import make_account, set_state
from tui.core.store import fileio
from tui.core.store.account_store import AccountStore


def test_atomic_write_goes_through_a_chain_of_links(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "real.toml"
    real.parent.mkdir()
    real.write_text("old\n")
    (tmp_path / "middle.toml").symlink_to(os.path.relpath(real, tmp_path))
    link = tmp_path / "link.toml"
    link.symlink_to("middle.toml")
    fileio.atomic_write(link, b"new\n")
    assert link.is_symlink() and (tmp_path / "middle.toml").is_symlink()
    assert real.read_text() == "new\n"
    assert [p.name for p in real.parent.iterdir()] == ["real.toml"]  # no temp left behind


def test_a_linked_account_file_and_token_folder_keep_their_links(tmp_path: Path,
                                                                config: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "accounts.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.symlink_to(real)
    state = tmp_path / "state"
    state.mkdir()
    (dotfiles / "tokens").mkdir()
    (state / "tokens").symlink_to(dotfiles / "tokens")
    store = AccountStore(config, state_dir=state)
    account = store.add(make_account("work"))
    store.add(make_account("other"))
    set_state(store, account, access_token="at", refresh_token="rt", expires_at=4e9)
    store.update(replace(store.get("work"), client_id="0" * 8 + "-1111-2222-3333-" + "4" * 12))
    store.update(replace(store.get("work"), label="renamed"))
    store.delete(store.id_of("other"))
    assert config.is_symlink() and os.readlink(config) == str(real)
    assert (state / "tokens").is_symlink()
    assert "renamed" in real.read_text() and "other" not in real.read_text()
    assert AccountStore(real, state_dir=state).get("renamed").client_id.startswith("00000000")
    assert list((dotfiles / "tokens").glob("*.toml"))


def test_every_path_to_one_account_file_takes_the_one_lock(tmp_path: Path,
                                                           config: Path) -> None:
    """A store opened through a link and one opened on the real path must not both write
    at once: the lock lives beside the real file."""
    real = tmp_path / "dotfiles" / "accounts.toml"
    real.parent.mkdir()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.symlink_to(real)
    state = tmp_path / "state"
    via_link, direct = AccountStore(config, state_dir=state), AccountStore(real, state_dir=state)
    assert via_link.lock_path == direct.lock_path == real.with_name(".accounts.toml.lock")
    done = threading.Event()

    def add() -> None:
        via_link.add(make_account("work"))
        done.set()

    with fileio.locked(direct.lock_path):
        writer = threading.Thread(target=add)
        writer.start()
        assert not done.wait(0.3)  # waits for the lock taken through the real path
    writer.join(10)
    assert done.is_set() and direct.get("work").label == "work"
    assert not (config.parent / ".accounts.toml.lock").exists()


def test_a_killed_writers_temp_file_beside_the_real_file_is_cleared(tmp_path: Path,
                                                                     config: Path) -> None:
    real = tmp_path / "dotfiles" / "accounts.toml"
    real.parent.mkdir()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.symlink_to(real)
    store = AccountStore(config, state_dir=tmp_path / "state")
    store.add(make_account("work"))
    left = fileio.temp_name(real)  # what a writer killed mid-save leaves behind
    left.write_bytes(b"half a file")
    store.add(make_account("other"))
    assert not left.exists() and sorted(p.name for p in real.parent.iterdir()) == [
        ".accounts.toml.lock", "accounts.toml"]
