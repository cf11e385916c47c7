"""Sealing secrets at rest: AES-256-GCM with the account and field bound in.

Text form: ``enc:v1:<base64(nonce(12) || ciphertext || tag(16))>``. The
associated data names the account id and the field, so a sealed value copied
to another field or another account fails to open instead of being used.

The key is either a random 32-byte key file (``paths.key_file()``, 0600,
created on first use) or, when ``EXO_OAUTH_PASSPHRASE`` is set, derived with
scrypt from the passphrase and a salt kept in the account file's
``[exo-oauth]`` header. The header also holds a sealed check value, so a wrong
key or passphrase is reported as such before anything is read or written.

cryptography is imported when a key is first used, not with this module: listing
accounts opens nothing, so it need not load it (about a tenth of the UI's memory).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path

from tui.core import paths
from tui.core.errors import SealError, StoreError

from .fileio import loads_toml
from .sealed_text import NONCE_BYTES, PREFIX, associated_data, join, split

TYPE_CHECKING = False  # typing costs a few ms on the token fast path
if TYPE_CHECKING:
    from typing import Any

HEADER_TABLE = "exo-oauth"
PASSPHRASE_ENV = "EXO_OAUTH_PASSPHRASE"
KEY_BYTES = 32
SALT_BYTES = 16
KEYFILE = "keyfile"
PASSPHRASE = "passphrase"
# scrypt cost for new account files: n=2**15, r=8, p=1 (32 MiB, ~0.1 s on a
# server core). Stored in the header, so tests may lower it for speed and
# existing files keep working if the default changes.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_CHECK_TEXT = "exo-oauth key check"
_CHECK_ID = ""
_CHECK_FIELD = "key_check"
_ACCOUNT_LINE = re.compile(rb"^[ \t]*\[\[[ \t]*\"?account\"?[ \t]*\]\]", re.M)
_derived: dict[tuple[bytes, bytes, int, int, int], bytes] = {}


def is_sealed(text: str) -> bool:
    return text.startswith("enc:")


class Sealer:
    """Seals and opens secrets with one key. ``header`` holds what the account file must record."""

    def __init__(self, key: bytes, *, source: str,
                 header: Mapping[str, Any] | None = None) -> None:
        if len(key) != KEY_BYTES:
            raise SealError(f"The key from {source} is {len(key)} bytes long; expected "
                            f"{KEY_BYTES}.")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.source = source
        # What the account file's [exo-oauth] header must hold for this key.
        self.header: dict[str, Any] = dict(header or {})

    def __repr__(self) -> str:  # where the key came from, never the key
        return f"Sealer(source={self.source!r})"

    def seal(self, account_id: str, field: str, plaintext: str) -> str:
        """Seal ``plaintext``; an empty secret stays empty (nothing to hide)."""
        if plaintext == "":
            return ""
        nonce = os.urandom(NONCE_BYTES)
        blob = self._aead.encrypt(nonce, plaintext.encode("utf-8"),
                                  associated_data(account_id, field))
        return join(nonce, blob)

    def open(self, account_id: str, field: str, text: str) -> str:
        """The plaintext of a sealed value; SealError if it cannot be opened faithfully."""
        if text == "":
            return ""
        if not is_sealed(text):
            raise SealError(f"{field} is stored in plain text, which exo-oauth never writes; "
                            "set it again through exo-oauth so it is sealed.")
        if not text.startswith(PREFIX):
            version = text.split(":", 2)[1] if text.count(":") >= 2 else "?"
            raise SealError(f"{field} is sealed in an unknown format ({version!r}); it was "
                            "written by a newer exo-oauth, or altered.")
        parts = split(text)
        if parts is None:
            raise SealError(f"{field} is damaged: its sealed text is not valid.")
        try:
            plain = self._aead.decrypt(parts[0], parts[1], associated_data(account_id, field))
        except self._invalid_tag():
            raise SealError(
                f"{field} cannot be opened with {self.source}: the key or passphrase is "
                "wrong, or the sealed value was altered or copied from another field or "
                "account.") from None
        return plain.decode("utf-8")

    @staticmethod
    def _invalid_tag() -> type[Exception]:
        from cryptography.exceptions import InvalidTag

        return InvalidTag

    def check_value(self) -> str:
        return self.seal(_CHECK_ID, _CHECK_FIELD, _CHECK_TEXT)

    def verify(self, check: str, *, config_path: str) -> None:
        """Raise SealError unless ``check`` (from the header) was sealed with this key."""
        try:
            ok = self.open(_CHECK_ID, _CHECK_FIELD, check) == _CHECK_TEXT
        except SealError:
            ok = False
        if not ok:
            if self.header.get("sealing") == PASSPHRASE:
                raise SealError(f"Wrong passphrase for {config_path}: EXO_OAUTH_PASSPHRASE "
                                "does not open the secrets sealed in it. Nothing was changed.")
            raise SealError(f"The key file {self.source.removeprefix('key file ')} does not "
                            f"open the secrets in {config_path}: they were sealed with another "
                            "key. Restore the original key file (or point EXO_OAUTH_KEY_FILE "
                            "at it). Nothing was changed.")


def read_header(config_path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``[exo-oauth]`` table, read from the file's prefix only (the header comes first).

    Parses the text before the first ``[[account]]`` line, so the cost does not
    grow with the number of accounts. Missing file: ``{}``.
    """
    import tomllib  # (not at the top: a cached list never parses TOML)
    path = Path(config_path)
    try:
        with open(path, "rb") as fh:
            buf = b""
            size = 16384
            while True:
                chunk = fh.read(size)
                buf += chunk
                match = _ACCOUNT_LINE.search(buf)
                if match or not chunk:
                    break
                size *= 2
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StoreError(f"Cannot read {path}: {exc.strerror or exc}.", path=str(path)) from exc
    prefix = buf[: match.start()] if match else buf
    try:
        data = tomllib.loads(prefix.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        # The cut landed somewhere odd (a hand-written multi-line string?): parse it all.
        data = loads_toml(path.read_bytes(), str(path))
    header = data.get(HEADER_TABLE, {})
    return header if isinstance(header, dict) else {}


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    cache_key = (hashlib.sha256(passphrase.encode("utf-8")).digest(), salt, n, r, p)
    key = _derived.get(cache_key)
    if key is None:
        key = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                             maxmem=256 * r * n + (1 << 20), dklen=KEY_BYTES)
        _derived[cache_key] = key
    return key


def _int(header: Mapping[str, Any], name: str, low: int, high: int, config_path: str) -> int:
    value = header.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StoreError(f"{config_path}: [exo-oauth] {name} must be a whole number from "
                         f"{low} to {high}.", path=config_path)
    return value


def _passphrase_sealer(header: Mapping[str, Any], passphrase: str, config_path: str) -> Sealer:
    try:
        salt = base64.b64decode(str(header.get("salt", "")), validate=True)
    except (binascii.Error, ValueError):
        salt = b""
    if len(salt) < 8:
        raise StoreError(f"{config_path}: [exo-oauth] salt is missing or damaged, so the "
                         "passphrase key cannot be derived.", path=config_path)
    n = _int(header, "scrypt_n", 2, 2**20, config_path)
    if n & (n - 1):
        raise StoreError(f"{config_path}: [exo-oauth] scrypt_n must be a power of two.",
                         path=config_path)
    r = _int(header, "scrypt_r", 1, 64, config_path)
    p = _int(header, "scrypt_p", 1, 16, config_path)
    return Sealer(_scrypt(passphrase, salt, n, r, p), source="the passphrase",
                  header={k: header[k] for k in ("sealing", "kdf", "salt", "scrypt_n",
                                                  "scrypt_r", "scrypt_p") if k in header})


def _read_key_file(key_path: Path) -> bytes:
    try:
        key = key_path.read_bytes()
    except OSError as exc:
        raise SealError(f"Cannot read the key file {key_path}: {exc.strerror or exc}.") from exc
    if len(key) != KEY_BYTES:
        raise SealError(f"The key file {key_path} is damaged ({len(key)} bytes; a key file "
                        f"holds exactly {KEY_BYTES}).")
    return key


def key_file_warning(config_path: str | os.PathLike[str]) -> str | None:
    """A one-line warning when the account file's secrets are sealed with a key file that
    its group or others can read (the key opens every secret), with the chmod that fixes
    it; None otherwise."""
    if read_header(config_path).get("sealing") != KEYFILE:
        return None
    from .fileio import mode_problem

    problem = mode_problem(paths.key_file(), True)
    if problem is None:
        return None
    return (f"warning: {problem[0]}, and this key file opens every sealed secret; fix it "
            f"with: {problem[1]}")


def _key_file_sealer(create: bool, config_path: str) -> Sealer:
    key_path = paths.key_file()
    if not key_path.exists():
        if not create:
            raise SealError(f"The key file {key_path} is missing, so the secrets sealed in "
                            f"{config_path} cannot be opened. Restore it from a backup (or "
                            "point EXO_OAUTH_KEY_FILE at it).")
        from . import fileio

        fileio.create_exclusive(key_path, os.urandom(KEY_BYTES))  # a racing process may win
    return Sealer(_read_key_file(key_path), source=f"key file {key_path}",
                  header={"sealing": KEYFILE})


def sealer_for(header: Mapping[str, Any], *, config_path: str | os.PathLike[str],
               create: bool) -> Sealer:
    """The sealer an account file's header calls for, checked against its key check value.

    With no sealing recorded yet and ``create``, a new key (file) or salt is
    made; the caller must then write ``sealer.header`` (with ``key_check``) into
    the account file before anything sealed with it.
    """
    where = str(config_path)
    passphrase = os.environ.get(PASSPHRASE_ENV, "")
    sealing = header.get("sealing")
    if sealing is None:
        if passphrase:
            if not create:
                raise SealError(f"{where} records no passphrase salt yet, so nothing sealed "
                                "with a passphrase can be opened.")
            fresh = {"sealing": PASSPHRASE, "kdf": "scrypt",
                     "salt": base64.b64encode(os.urandom(SALT_BYTES)).decode("ascii"),
                     "scrypt_n": SCRYPT_N, "scrypt_r": SCRYPT_R, "scrypt_p": SCRYPT_P}
            sealer = _passphrase_sealer(fresh, passphrase, where)
        else:
            sealer = _key_file_sealer(create, where)
        if create:
            sealer.header["key_check"] = sealer.check_value()
        return sealer
    if sealing == PASSPHRASE:
        if not passphrase:
            raise SealError(f"The secrets in {where} are sealed with a passphrase: set "
                            "EXO_OAUTH_PASSPHRASE.")
        if header.get("kdf", "scrypt") != "scrypt":
            raise StoreError(f"{where}: unknown key derivation {header.get('kdf')!r}.",
                             path=where)
        sealer = _passphrase_sealer(header, passphrase, where)
    elif sealing == KEYFILE:
        if passphrase:
            raise SealError(f"The secrets in {where} are sealed with the key file "
                            f"{paths.key_file()}, not a passphrase: unset EXO_OAUTH_PASSPHRASE "
                            "(a file's sealing is chosen when it is created).")
        sealer = _key_file_sealer(False, where)
    else:
        raise StoreError(f"{where}: unknown sealing {sealing!r} in the [exo-oauth] header; "
                         "it was written by a newer exo-oauth, or altered.", path=where)
    check = header.get("key_check")
    if isinstance(check, str) and check:
        sealer.verify(check, config_path=where)
        sealer.header["key_check"] = check
    return sealer


def load_sealer(config_path: str | os.PathLike[str], *, create: bool) -> Sealer:
    """The sealer for an account file, reading only its header."""
    return sealer_for(read_header(config_path), config_path=config_path, create=create)
