"""Where files live: XDG folders, overridable by environment and flags.

Plain os.environ look-ups (no platformdirs). The ``*_file``/``*_folder`` functions
return plain strings and import nothing: the token fast path uses them, and pathlib
alone would cost it a tenth of its time. The Path forms are for everyone else.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

APP = "exo-oauth"


def _xdg(var: str, fallback: str) -> str:
    value = os.environ.get(var, "").strip()
    if value and os.path.isabs(value):
        return value
    return os.path.join(os.path.expanduser("~"), fallback)


def config_file(override: str | os.PathLike[str] | None = None) -> str:
    """--config PATH, else EXO_OAUTH_CONFIG, else $XDG_CONFIG_HOME/exo-oauth/accounts.toml."""
    if override:
        return os.path.expanduser(os.fspath(override))
    env = os.environ.get("EXO_OAUTH_CONFIG", "").strip()
    if env:
        return os.path.expanduser(env)
    return os.path.join(_xdg("XDG_CONFIG_HOME", ".config"), APP, "accounts.toml")


def resolved(config: str | os.PathLike[str]) -> str:
    """The account file's own path, links followed: what its caches, index, token file
    names and lock are keyed by, whichever path (link, --config) named it."""
    return os.path.realpath(os.path.abspath(os.fspath(config)))


def state_folder() -> str:
    """Issued tokens live here, apart from the configuration."""
    env = os.environ.get("EXO_OAUTH_STATE_DIR", "").strip()
    if env:
        return os.path.expanduser(env)
    return os.path.join(_xdg("XDG_STATE_HOME", ".local/state"), APP)


def key_file_name() -> str:
    env = os.environ.get("EXO_OAUTH_KEY_FILE", "").strip()
    if env:
        return os.path.expanduser(env)
    return os.path.join(_xdg("XDG_DATA_HOME", ".local/share"), APP, "key")


def config_path(override: str | os.PathLike[str] | None = None) -> Path:
    from pathlib import Path

    return Path(config_file(override))


def state_dir() -> Path:
    from pathlib import Path

    return Path(state_folder())


def key_file() -> Path:
    from pathlib import Path

    return Path(key_file_name())
