"""The preview vault: AES-GCM at rest, bound to the media and the kind, written atomically."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import stat
from pathlib import Path

import pytest

from vigil.previews.keys import KEY_BYTES
from vigil.previews.vault import PreviewVault, PreviewVaultError

PICTURE = b"\xff\xd8 benign preview bytes \xff\xd9" * 20
SHA_A = hashlib.sha256(b"media a").hexdigest()
SHA_B = hashlib.sha256(b"media b").hexdigest()


@pytest.fixture
def vault(tmp_path: Path) -> PreviewVault:
    return PreviewVault(tmp_path, secrets.token_bytes(KEY_BYTES))


def test_round_trip_and_layout(vault: PreviewVault, tmp_path: Path) -> None:
    assert not vault.has(SHA_A, "thumb")
    assert vault.get(SHA_A, "thumb") is None
    vault.put(SHA_A, "thumb", PICTURE)
    path = tmp_path / "previews" / SHA_A[:2] / SHA_A[2:4] / f"{SHA_A}.thumb"
    assert vault.path(SHA_A, "thumb") == path
    assert vault.has(SHA_A, "thumb")
    assert not vault.has(SHA_A, "strip")
    assert vault.get(SHA_A, "thumb") == PICTURE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary left


def test_the_file_on_disk_is_not_the_clear_preview(vault: PreviewVault) -> None:
    vault.put(SHA_A, "thumb", PICTURE)
    stored = vault.path(SHA_A, "thumb").read_bytes()
    assert b"benign preview bytes" not in stored
    vault.put(SHA_A, "thumb", PICTURE)
    assert vault.path(SHA_A, "thumb").read_bytes() != stored  # a fresh nonce each time


def test_put_replaces(vault: PreviewVault) -> None:
    vault.put(SHA_A, "strip", PICTURE)
    vault.put(SHA_A, "strip", b"second")
    assert vault.get(SHA_A, "strip") == b"second"


def test_upper_case_digest_names_the_same_preview(vault: PreviewVault) -> None:
    vault.put(SHA_A.upper(), "thumb", PICTURE)
    assert vault.get(SHA_A, "thumb") == PICTURE


@pytest.mark.parametrize("offset", [0, 4, 10, 20, -1])
def test_a_flipped_byte_is_refused_naming_the_file(vault: PreviewVault, offset: int) -> None:
    vault.put(SHA_A, "thumb", PICTURE)
    path = vault.path(SHA_A, "thumb")
    sealed = bytearray(path.read_bytes())
    sealed[offset] ^= 0x01
    path.write_bytes(bytes(sealed))
    with pytest.raises(PreviewVaultError) as caught:
        vault.get(SHA_A, "thumb")
    assert str(path) in str(caught.value)


def test_a_truncated_file_is_refused(vault: PreviewVault) -> None:
    vault.put(SHA_A, "thumb", PICTURE)
    path = vault.path(SHA_A, "thumb")
    path.write_bytes(path.read_bytes()[:10])
    with pytest.raises(PreviewVaultError, match="not a Vigil preview file"):
        vault.get(SHA_A, "thumb")


def test_another_media_s_preview_in_its_place_does_not_decrypt(vault: PreviewVault) -> None:
    vault.put(SHA_A, "thumb", PICTURE)
    swapped = vault.path(SHA_B, "thumb")
    swapped.parent.mkdir(parents=True)
    shutil.copyfile(vault.path(SHA_A, "thumb"), swapped)
    with pytest.raises(PreviewVaultError, match="does not decrypt") as caught:
        vault.get(SHA_B, "thumb")
    assert str(swapped) in str(caught.value)


def test_a_strip_renamed_as_a_thumbnail_does_not_decrypt(vault: PreviewVault) -> None:
    vault.put(SHA_A, "strip", PICTURE)
    shutil.copyfile(vault.path(SHA_A, "strip"), vault.path(SHA_A, "thumb"))
    with pytest.raises(PreviewVaultError, match="does not decrypt"):
        vault.get(SHA_A, "thumb")


def test_another_key_does_not_decrypt(vault: PreviewVault, tmp_path: Path) -> None:
    vault.put(SHA_A, "thumb", PICTURE)
    other = PreviewVault(tmp_path, secrets.token_bytes(KEY_BYTES))
    with pytest.raises(PreviewVaultError, match="another preview key"):
        other.get(SHA_A, "thumb")


@pytest.mark.parametrize("sha256", ["../../etc/passwd", "ab" * 31, "zz" * 32])
def test_a_value_that_is_not_a_sha256_never_becomes_a_path(
    vault: PreviewVault, sha256: str
) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        vault.put(sha256, "thumb", PICTURE)


def test_an_unknown_kind_is_refused(vault: PreviewVault) -> None:
    with pytest.raises(ValueError, match="preview kind must be one of thumb, strip"):
        vault.path(SHA_A, "full")  # type: ignore[arg-type]
