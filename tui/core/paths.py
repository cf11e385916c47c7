"""Where files live: XDG folders, overridable by environment and flags.

Plain os.environ look-ups (no platformdirs): this runs on the token fast path.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "exo-oauth"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var, "").strip()
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    """--config PATH, else EXO_OAUTH_CONFIG, else $XDG_CONFIG_HOME/exo-oauth/accounts.toml."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("EXO_OAUTH_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    return _xdg("XDG_CONFIG_HOME", ".config") / APP / "accounts.toml"


def state_dir() -> Path:
    """Issued tokens live here, apart from the configuration."""
    env = os.environ.get("EXO_OAUTH_STATE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    return _xdg("XDG_STATE_HOME", ".local/state") / APP


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / APP


def key_file() -> Path:
    env = os.environ.get("EXO_OAUTH_KEY_FILE", "").strip()
    if env:
        return Path(env).expanduser()
    return data_dir() / "key"
