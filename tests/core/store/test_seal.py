"""Sealing: AES-GCM with account and field bound in; key file and passphrase keys."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from tui.core import paths
from tui.core.errors import SealError, StoreError
from tui.core.store import seal

KEY = bytes(range(32))


def sealer() -> seal.Sealer:
    return seal.Sealer(KEY, source="test key")


def test_round_trip_and_text_form() -> None:
    s = sealer()
    text = s.seal("acct-1", "client_secret", "p@ss=wörd\n\"quoted\"")
    assert text.startswith("enc:v1:")
    assert s.open("acct-1", "client_secret", text) == "p@ss=wörd\n\"quoted\""
    assert s.seal("acct-1", "client_secret", "same") != s.seal("acct-1", "client_secret", "same")
    assert s.seal("a", "f", "") == "" and s.open("a", "f", "") == ""


@pytest.mark.parametrize(("account_id", "field"), [("acct-2", "client_secret"),
                                                   ("acct-1", "refresh_token")])
def test_value_moved_to_another_account_or_field_fails(account_id: str, field: str) -> None:
    s = sealer()
    text = s.seal("acct-1", "client_secret", "secret")
    with pytest.raises(SealError, match="copied from another field or account"):
        s.open(account_id, field, text)


def test_every_flipped_byte_is_detected() -> None:
    s = sealer()
    text = s.seal("a", "client_secret", "a secret value")
    raw = bytearray(base64.b64decode(text[len("enc:v1:"):]))
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        with pytest.raises(SealError):
            s.open("a", "client_secret", "enc:v1:" + base64.b64encode(bytes(bad)).decode())


@pytest.mark.parametrize("text", ["enc:v1:", "enc:v1:!!!notbase64", "enc:v1:AAAA",
                                  "enc:v9:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
                                  "plain text secret"])
def test_damaged_or_foreign_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(SealError) as info:
        sealer().open("a", "client_secret", text)
    assert "client_secret" in str(info.value)
    assert info.value.exit_code == 6


def test_wrong_key_fails() -> None:
    text = sealer().seal("a", "f", "x")
    with pytest.raises(SealError, match="key or passphrase is wrong"):
        seal.Sealer(bytes(32), source="other").open("a", "f", text)


def test_key_file_is_created_private_on_first_use(config: Path) -> None:
    with pytest.raises(SealError, match="is missing"):
        seal.sealer_for({}, config_path=config, create=False)
    s = seal.sealer_for({}, config_path=config, create=True)
    key = paths.key_file()
    assert len(key.read_bytes()) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert s.header["sealing"] == "keyfile" and s.header["key_check"].startswith("enc:v1:")
    again = seal.sealer_for(s.header, config_path=config, create=False)
    assert again.open("a", "f", s.seal("a", "f", "v")) == "v"


def test_key_file_path_can_be_overridden(config: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXO_OAUTH_KEY_FILE", str(tmp_path / "elsewhere" / "k"))
    seal.sealer_for({}, config_path=config, create=True)
    assert (tmp_path / "elsewhere" / "k").stat().st_size == 32


def test_another_key_file_is_refused_by_the_key_check(config: Path) -> None:
    header = seal.sealer_for({}, config_path=config, create=True).header
    paths.key_file().write_bytes(bytes(32))
    with pytest.raises(SealError, match="sealed with another key"):
        seal.sealer_for(header, config_path=config, create=True)


def test_damaged_key_file(config: Path) -> None:
    header = seal.sealer_for({}, config_path=config, create=True).header
    paths.key_file().write_bytes(b"short")
    with pytest.raises(SealError, match="damaged"):
        seal.sealer_for(header, config_path=config, create=False)


def test_default_scrypt_cost_is_recorded() -> None:
    assert (seal.SCRYPT_N, seal.SCRYPT_R, seal.SCRYPT_P) == (2**15, 8, 1)


def test_passphrase_key(config: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = seal.sealer_for({}, config_path=config, create=True)
    h = s.header
    assert h["sealing"] == "passphrase" and h["kdf"] == "scrypt"
    assert (h["scrypt_n"], h["scrypt_r"], h["scrypt_p"]) == (2**10, 8, 1)
    assert len(base64.b64decode(h["salt"])) == 16
    assert not paths.key_file().exists()  # no key file in passphrase mode
    text = s.seal("a", "client_secret", "v")
    assert seal.sealer_for(h, config_path=config, create=False).open("a", "client_secret",
                                                                    text) == "v"
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "wrong")
    with pytest.raises(SealError, match="Wrong passphrase"):
        seal.sealer_for(h, config_path=config, create=True)
    monkeypatch.delenv("EXO_OAUTH_PASSPHRASE")
    with pytest.raises(SealError, match="set EXO_OAUTH_PASSPHRASE"):
        seal.sealer_for(h, config_path=config, create=True)


def test_a_key_file_account_file_refuses_a_passphrase(config: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    header = seal.sealer_for({}, config_path=config, create=True).header
    monkeypatch.setenv("EXO_OAUTH_PASSPHRASE", "x")
    with pytest.raises(SealError, match="unset EXO_OAUTH_PASSPHRASE"):
        seal.sealer_for(header, config_path=config, create=False)


@pytest.mark.parametrize("header", [
    {"sealing": "quantum"},
    {"sealing": "passphrase", "kdf": "argon9", "salt": "AAAAAAAAAAAAAAAAAAAAAA=="},
    {"sealing": "passphrase", "salt": "bad", "scrypt_n": 1024, "scrypt_r": 8, "scrypt_p": 1},
    {"sealing": "passphrase", "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "scrypt_n": 1000,
     "scrypt_r": 8, "scrypt_p": 1},
    {"sealing": "passphrase", "salt": "AAAAAAAAAAAAAAAAAAAAAA==", "scrypt_n": 2**30,
     "scrypt_r": 8, "scrypt_p": 1},
])
def test_odd_headers_are_refused(config: Path, passphrase: str, header: dict[str, object]) -> None:
    with pytest.raises(StoreError):
        seal.sealer_for(header, config_path=config, create=False)


def test_read_header_reads_only_the_prefix(tmp_path: Path) -> None:
    f = tmp_path / "accounts.toml"
    f.write_text('# hello\n[exo-oauth]\nschema = 1\nsealing = "keyfile"\n\n'
                 '[[account]]\nthis is = not [valid toml\n' + "x" * 100_000)
    assert seal.read_header(f) == {"schema": 1, "sealing": "keyfile"}
    assert seal.read_header(tmp_path / "missing.toml") == {}


def test_read_header_falls_back_to_the_whole_file(tmp_path: Path) -> None:
    f = tmp_path / "accounts.toml"
    f.write_text('note = """\n[[account]]\n"""\n[exo-oauth]\nschema = 1\n')
    assert seal.read_header(f) == {"schema": 1}


def test_a_sealers_repr_names_its_source_not_its_key() -> None:
    from tui.core.store.seal import Sealer

    key = bytes(range(32))
    assert repr(Sealer(key, source="the passphrase")) == "Sealer(source='the passphrase')"
