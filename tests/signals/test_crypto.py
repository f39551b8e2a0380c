"""SHA-256 / SHA-1 / MD5: known vectors, agreement with hashlib, streaming, signal types."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import pytest

from vigil.media.errors import MediaError
from vigil.signals.base import Comparison
from vigil.signals.crypto import (
    MD5,
    SHA1,
    SHA256,
    CryptoHashes,
    CryptoSignalType,
    hash_bytes,
    hash_stream,
)
from vigil.signals.registry import EXACT as CRYPTO_SIGNAL_TYPES

NAMES = [signal.name for signal in CRYPTO_SIGNAL_TYPES]


@pytest.mark.parametrize("signal", CRYPTO_SIGNAL_TYPES, ids=NAMES)
def test_examples_are_the_published_vectors(signal: CryptoSignalType) -> None:
    examples = dict(signal.get_examples().contents)
    assert set(examples) == {b"", b"abc"}
    for content, digest in examples.items():
        assert signal.pick(hash_bytes(content)) == digest
        assert hashlib.new(signal.name, content).hexdigest() == digest


def test_vectors_by_name() -> None:
    assert hash_bytes(b"abc") == CryptoHashes(
        md5="900150983cd24fb0d6963f7d28e17f72",
        sha1="a9993e364706816aba3e25717850c26c9cd0d89d",
        sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    )


@pytest.mark.parametrize("size", [1, 63, 64, 65, 4096, 1_000_003])
def test_hash_bytes_agrees_with_hashlib(size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert hash_bytes(data) == CryptoHashes(
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert hash_bytes(memoryview(data)) == hash_bytes(bytearray(data)) == hash_bytes(data)


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_hash_stream_matches_one_shot(chunk: int) -> None:
    data = random.Random(chunk).randbytes(50_001)
    assert hash_stream(io.BytesIO(data), chunk=chunk) == (hash_bytes(data), len(data))


def test_hash_stream_of_a_file_larger_than_one_chunk(tmp_path: Path) -> None:
    data = random.Random(3).randbytes((5 << 20) + 17)
    video = tmp_path / "clip.mp4"
    video.write_bytes(data)
    with video.open("rb") as f:
        assert hash_stream(f) == (hash_bytes(data), len(data))


def test_hash_stream_of_nothing_is_the_empty_vectors() -> None:
    hashes, size = hash_stream(io.BytesIO(b""))
    assert size == 0
    assert hashes.sha256 == dict(SHA256.get_examples().contents)[b""]
    assert hashes.md5 == dict(MD5.get_examples().contents)[b""]


class FailingDisk(io.RawIOBase):
    """A stream that gives some bytes and then an I/O error, like a failing seized disk."""

    def __init__(self) -> None:
        self.served = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.served:
            raise OSError(5, "Input/output error")
        self.served = True
        buffer[:3] = b"abc"
        return 3


def test_read_error_is_a_media_error() -> None:
    with pytest.raises(MediaError) as caught:
        hash_stream(io.BufferedReader(FailingDisk(), buffer_size=4), chunk=2)
    assert caught.value.stage == "read"
    assert "Input/output error" in caught.value.reason


def test_validate_normalises_and_rejects() -> None:
    upper = dict(SHA1.get_examples().contents)[b"abc"].upper()
    assert SHA1.parse(f" {upper}\n") == upper.lower()
    with pytest.raises(ValueError, match=r"not a SHA-1 \(40 hex digits, got 8\)"):
        SHA1.parse("a9993e36")
    with pytest.raises(ValueError, match=r"not a SHA-256 \(64 hex digits; 'z' is not one\)"):
        SHA256.parse("z" * 64)


def test_compare_is_exact() -> None:
    empty, abc = (digest for _, digest in MD5.get_examples().contents)
    assert MD5.compare(empty, empty.upper()) == Comparison(matched=True, distance=0)
    assert MD5.compare(empty, abc) == Comparison(matched=False, distance=1)
    with pytest.raises(ValueError, match="not an MD5"):
        MD5.compare(empty, "not-a-hash")


@pytest.mark.parametrize("signal", CRYPTO_SIGNAL_TYPES, ids=NAMES)
def test_applies_to_every_kind_of_file(signal: CryptoSignalType) -> None:
    assert signal.content == {"image", "video", "other"}


def test_signal_types_have_distinct_names_and_lengths() -> None:
    assert NAMES == ["sha256", "sha1", "md5"]
    assert [signal.hex_digits for signal in CRYPTO_SIGNAL_TYPES] == [64, 40, 32]
