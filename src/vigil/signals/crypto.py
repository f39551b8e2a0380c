"""Cryptographic hashes (SHA-256, SHA-1, MD5): exact identity of a file's bytes.

SHA-256 keys every media record; SHA-1 and MD5 are kept because the hash lists the field
exchanges (Project VIC, ICSE, NCMEC) still use them. All three are computed from one read of
the content, as thin wrappers over ``hashlib`` (which releases the GIL on large buffers).
Measured on the 2-core build machine, hashing the three digests on three threads sped up one
file alone (16 -> 23 MB/s) but gave nothing once two ingest workers kept both cores busy
(13-17 MB/s either way), so they are computed one after the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vigil.media.errors import MediaError
from vigil.signals.base import ANY_FILE, Comparison, ContentKind, SignalExamples, parse_hex

CHUNK_BYTES = 1 << 20
"""Default read size for ``hash_stream``: large enough that per-call overhead vanishes."""


@dataclass(frozen=True, slots=True)
class CryptoHashes:
    """The three hex digests of one content."""

    md5: str
    sha1: str
    sha256: str


def hash_bytes(data: bytes | bytearray | memoryview) -> CryptoHashes:
    """MD5, SHA-1 and SHA-256 of ``data``, already in memory."""
    return CryptoHashes(
        # usedforsecurity=False: these identify content, they do not protect it, and without it
        # a FIPS-mode OpenSSL refuses MD5 and SHA-1 outright.
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def hash_stream(f: BinaryIO, chunk: int = CHUNK_BYTES) -> tuple[CryptoHashes, int]:
    """MD5, SHA-1 and SHA-256 of everything left in ``f``, and how many bytes that was.

    For files too large to hold in memory (videos). A read error (a bad sector on a seized
    disk) raises ``MediaError("read", ...)``.
    """
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    size = 0
    try:
        while block := f.read(chunk):
            md5.update(block)
            sha1.update(block)
            sha256.update(block)
            size += len(block)
    except OSError as e:
        raise MediaError("read", f"read failed after {size} bytes: {e.strerror or e}") from e
    return CryptoHashes(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest()), size


def hash_file(path: Path) -> CryptoHashes:
    """MD5, SHA-1 and SHA-256 of the file at ``path``; MediaError("read", ...) if unreadable."""
    try:
        with path.open("rb") as f:
            return hash_stream(f)[0]
    except OSError as e:
        raise MediaError("read", f"cannot read {path}: {e.strerror or e}") from e


@dataclass(frozen=True, slots=True)
class CryptoSignalType:
    """One cryptographic hash as a signal type (see :class:`vigil.signals.base.SignalType`).

    Two values match only when equal: ``default_threshold`` is 0 and a difference is
    distance 1 (the digests say nothing about how different the files are).
    """

    name: str
    title: str
    noun: str
    hex_digits: int
    pick: Callable[[CryptoHashes], str]
    contents: tuple[tuple[bytes, str], ...]
    content: frozenset[ContentKind] = ANY_FILE
    exact: bool = True
    quality_floor: int | None = None
    default_threshold: int = 0

    def parse(self, value: object) -> str:
        """``value`` as lower-case hex; ``ValueError`` naming the problem if it is not one."""
        return parse_hex(value, self.hex_digits, self.noun)

    def dump(self, value: str) -> str:
        """The hex digits themselves."""
        return value

    def compute(self, path: Path) -> str:
        """This hash of the file at ``path`` (read once, in chunks)."""
        return self.pick(hash_file(path))

    def compare(self, a: str, b: str, threshold: int | float | None = None) -> Comparison:
        """Exact comparison: distance 0 on a match, 1 otherwise (``threshold`` is moot)."""
        same = self.parse(a) == self.parse(b)
        return Comparison(matched=same, distance=0 if same else 1)

    def get_examples(self) -> SignalExamples[str]:
        """The published test vectors: each digest only matches itself."""
        return SignalExamples(
            groups=tuple((digest,) for _, digest in self.contents), contents=self.contents
        )


SHA256 = CryptoSignalType(
    name="sha256",
    title="SHA-256",
    noun="a SHA-256",
    hex_digits=64,
    pick=lambda h: h.sha256,
    contents=(
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ),
)
SHA1 = CryptoSignalType(
    name="sha1",
    title="SHA-1",
    noun="a SHA-1",
    hex_digits=40,
    pick=lambda h: h.sha1,
    contents=(
        (b"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ),
)
MD5 = CryptoSignalType(
    name="md5",
    title="MD5",
    noun="an MD5",
    hex_digits=32,
    pick=lambda h: h.md5,
    contents=(
        (b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
    ),
)
