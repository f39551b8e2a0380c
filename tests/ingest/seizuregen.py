"""A small generated seizure folder with one file of every awkward kind ingest must survive."""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.imagegen import make_jpeg, make_png
from tests.videogen import make_video


@dataclass(frozen=True)
class BadFile:
    """A file ingest must record as an error: its relative path, stage and reason fragment."""

    relpath: bytes
    stage: str
    reason: str


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (valid CRC, no real pixels)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def build_good(root: Path, *, images: int = 4) -> None:
    """Good media: JPEGs with a duplicate, a PNG, a video, a text file."""
    (root / "DCIM").mkdir(parents=True)
    for index in range(images):
        make_jpeg(root / "DCIM" / f"IMG_{index:04d}.jpg", size=(160, 120), seed=index)
    (root / "Backup").mkdir()
    (root / "Backup" / "copy.jpg").write_bytes((root / "DCIM" / "IMG_0000.jpg").read_bytes())
    make_png(root / "DCIM" / "screenshot.png", size=(120, 90), seed=99)
    make_video(root / "clip.mp4", seconds=2.0, fps=10, size=(96, 64), seed=1)
    (root / "notes.txt").write_text("meeting on tuesday\n")


def build_bad(root: Path) -> list[BadFile]:
    """Every bad-input kind the issue names; returns what each must be recorded as."""
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    jpeg = make_jpeg(size=(200, 150), seed=5)
    (bad / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    png = bytearray(make_png(size=(64, 64), seed=6))
    png[40:60] = b"\x00" * 20
    (bad / "corrupt.png").write_bytes(bytes(png))
    (bad / "huge.png").write_bytes(png_claiming(100_000, 100_000))
    video = (root / "clip.mp4").read_bytes()
    (bad / "broken.mp4").write_bytes(video[:48] + os.urandom(0) + b"\x00" * 4000)
    (bad / "loop").symlink_to(bad / "loop")
    (bad / "outside").symlink_to("/etc/hostname")
    return [
        BadFile(b"bad/empty.jpg", "read", "empty file"),
        BadFile(b"bad/truncated.jpg", "decode", ""),
        BadFile(b"bad/corrupt.png", "decode", ""),
        BadFile(b"bad/huge.png", "decode", "pixels"),
        BadFile(b"bad/broken.mp4", "decode", ""),
        BadFile(b"bad/loop", "walk", "loop"),
        BadFile(b"bad/outside", "walk", "outside the seizure"),
    ]


def build_odd_but_fine(root: Path) -> dict[bytes, str]:
    """Files that are media despite their names: relative path → expected format."""
    png = make_png(size=(80, 60), seed=7)
    (root / "lying.jpg").write_bytes(png)
    name = b"caf\xe9-latin1.jpg"
    with open(os.path.join(os.fsencode(root), name), "wb") as handle:
        handle.write(make_jpeg(size=(80, 60), seed=8))
    return {b"lying.jpg": "png", name: "jpeg"}
