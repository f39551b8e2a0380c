"""Mutated benign media for fuzzing the parsers: seed files made by code, and ways to break them.

Mutations are the damage seized files show: bytes overwritten, length fields set to extremes,
bytes inserted or cut out, the file truncated. Most are aimed at the first few hundred bytes,
where headers, EXIF blocks and container indexes sit.
"""

from __future__ import annotations

import struct
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

from tests import imagegen
from tests.imagegen import ExifSpec
from tests.videogen import make_video

EXIF: ExifSpec = {
    "Make": "Acme Optics",
    "Model": "Field Cam 7",
    "BodySerialNumber": "AC-0042-7781",
    "DateTimeOriginal": "2021:06:01 12:34:56",
    "OffsetTimeOriginal": "-03:00",
    "GPSLatitude": -22.951916,
    "GPSLongitude": -43.2104872,
    "GPSAltitude": 699.5,
    "Orientation": 6,
}
# Values that break length and offset fields: zero, all ones, just past signed.
_EXTREMES = (b"\x00\x00\x00\x00", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x80\x00\x00\x00")


@cache
def image_seeds() -> dict[str, bytes]:
    """Small pictures of every format Vigil decodes, with EXIF where the format holds it."""
    return {
        "photo.jpg": imagegen.make_jpeg(size=(64, 48), exif=EXIF),
        "big.jpg": imagegen.make_jpeg(size=(640, 480), quality=40),  # drafted in fast mode
        "shot.png": imagegen.make_png(size=(48, 32), exif=EXIF),
        "scan.tif": imagegen.make_tiff(size=(48, 32), exif=EXIF),
        "scan-lzw.tif": imagegen.encode(
            imagegen.make_image(size=(48, 32)), "TIFF", compression="tiff_lzw"
        ),
        # libtiff writes to standard error about this one (and about most damage to it).
        "scan-jpeg.tif": imagegen.make_tiff_libtiff_warns(size=(48, 32)),
        "web.webp": imagegen.make_webp(size=(48, 32), exif=EXIF),
        "anim.gif": imagegen.make_gif(size=(48, 32)),
        "paint.bmp": imagegen.make_bmp(size=(48, 32)),
        "phone.heic": imagegen.make_heif(size=(64, 48), exif=EXIF),
    }


@cache
def video_seeds() -> dict[str, bytes]:
    """One-second clips in the containers Vigil reads."""
    with tempfile.TemporaryDirectory() as folder:
        made = {
            "clip.mp4": {"movflags": "faststart"},
            "late-index.mp4": {},
            "clip.mkv": {},
            "clip.webm": {},
            "clip.avi": {},
        }
        return {
            name: make_video(
                Path(folder) / name, seconds=1, fps=5, size=(32, 24), muxer_options=options
            ).read_bytes()
            for name, options in made.items()
        }


@dataclass(frozen=True)
class Mutation:
    """One change to a file: ``kind`` at ``at`` (a byte offset, wrapped to the file's length)."""

    kind: str
    at: int
    payload: bytes = b""

    def apply(self, data: bytes) -> bytes:
        if not data:
            return data
        at = self.at % len(data)
        if self.kind == "overwrite":
            return data[:at] + self.payload + data[at + len(self.payload) :]
        if self.kind == "insert":
            return data[:at] + self.payload + data[at:]
        if self.kind == "delete":
            return data[:at] + data[at + len(self.payload) :]
        return data[:at]  # truncate


def _offsets() -> st.SearchStrategy[int]:
    # Headers sit at the start; anything else anywhere in the file.
    return st.one_of(st.integers(0, 400), st.integers(0, 1 << 20))


def mutations() -> st.SearchStrategy[Mutation]:
    """Any one of the kinds of damage, at any offset."""
    payload = st.binary(min_size=1, max_size=8)
    return st.one_of(
        st.builds(Mutation, st.just("overwrite"), _offsets(), payload),
        st.builds(Mutation, st.just("overwrite"), _offsets(), st.sampled_from(_EXTREMES)),
        st.builds(
            Mutation,
            st.just("overwrite"),
            _offsets(),
            st.integers(0, 0xFFFF).map(lambda value: struct.pack(">H", value)),
        ),
        st.builds(Mutation, st.just("insert"), _offsets(), payload),
        st.builds(Mutation, st.just("delete"), _offsets(), payload),
        st.builds(Mutation, st.just("truncate"), st.integers(1, 1 << 20)),
    )


def mutated(seeds: dict[str, bytes]) -> st.SearchStrategy[tuple[str, bytes]]:
    """(name, bytes) of one of ``seeds`` after one to four mutations."""

    def damage(name: str) -> st.SearchStrategy[tuple[str, bytes]]:
        def apply(changes: list[Mutation]) -> tuple[str, bytes]:
            data = seeds[name]
            for change in changes:
                data = change.apply(data)
            return name, data

        return st.lists(mutations(), min_size=1, max_size=4).map(apply)

    return st.sampled_from(sorted(seeds)).flatmap(damage)
